#include "TestServer.h"

#include <Poco/Exception.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Net/SecureStreamSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>

#include <cstdlib>

namespace calconn::net::testing {

TestServer::TestServer(const TlsServerFiles* tls) {
    const Poco::Net::SocketAddress address("127.0.0.1", 0);
    if (tls != nullptr) {
        tls_ = true;
        Poco::Net::Context::Params params;
        params.certificateFile = tls->certificate;
        params.privateKeyFile = tls->private_key;
        params.caLocation = tls->client_ca;
        params.verificationMode = tls->client_ca.empty() ? Poco::Net::Context::VERIFY_NONE
                                                         : Poco::Net::Context::VERIFY_STRICT;
        params.loadDefaultCAs = false;
        context_ = new Poco::Net::Context(Poco::Net::Context::TLS_SERVER_USE, params);
        context_->enableExtendedCertificateVerification(false);
        server_ = std::make_unique<Poco::Net::SecureServerSocket>(address, 64, context_);
    } else {
        server_ = std::make_unique<Poco::Net::ServerSocket>(address, 64);
    }
    port_ = server_->address().port();
    acceptor_ = std::thread([this] { acceptLoop(); });
}

TestServer::~TestServer() {
    stop_ = true;
    release();
    acceptor_.join();
    for (auto& worker : workers_) worker.join();
}

std::string TestServer::url(const std::string& target) const {
    return std::string(tls_ ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_) + target;
}

void TestServer::release() {
    {
        std::lock_guard lock(mutex_);
        released_ = true;
    }
    cv_.notify_all();
}

void TestServer::acceptLoop() {
    while (!stop_) {
        try {
            if (!server_->poll(Poco::Timespan(0, 20'000), Poco::Net::Socket::SELECT_READ)) continue;
            Poco::Net::StreamSocket socket = server_->acceptConnection();
            ++accepted_;
            workers_.emplace_back([this, socket]() mutable { serve(socket); });
        } catch (const Poco::Exception&) {
            // a failed accept (e.g. a client that gave up) does not stop the server
        }
    }
}

namespace {

// Reads one request (head and Content-Length body); false on EOF, error or stop.
bool readRequest(Poco::Net::StreamSocket& socket, std::string& buffer, std::string& method,
                 std::string& target, std::string& body, const std::atomic<bool>& stop) {
    char chunk[4096];
    std::size_t head_end;
    while ((head_end = buffer.find("\r\n\r\n")) == std::string::npos) {
        if (stop) return false;
        int n = 0;
        try {
            n = socket.receiveBytes(chunk, sizeof chunk);
        } catch (const Poco::TimeoutException&) {
            continue;
        }
        if (n <= 0) return false;
        buffer.append(chunk, static_cast<std::size_t>(n));
    }
    const std::string head = buffer.substr(0, head_end);
    buffer.erase(0, head_end + 4);
    const auto sp1 = head.find(' ');
    const auto sp2 = head.find(' ', sp1 + 1);
    method = head.substr(0, sp1);
    target = head.substr(sp1 + 1, sp2 - sp1 - 1);
    std::size_t length = 0;
    std::string lower = head;
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const auto cl = lower.find("content-length:");
    if (cl != std::string::npos) length = std::strtoul(lower.c_str() + cl + 15, nullptr, 10);
    while (buffer.size() < length) {
        if (stop) return false;
        int n = 0;
        try {
            n = socket.receiveBytes(chunk, sizeof chunk);
        } catch (const Poco::TimeoutException&) {
            continue;
        }
        if (n <= 0) return false;
        buffer.append(chunk, static_cast<std::size_t>(n));
    }
    body = buffer.substr(0, length);
    buffer.erase(0, length);
    return true;
}

void sendAll(Poco::Net::StreamSocket& socket, const std::string& data) {
    std::size_t sent = 0;
    while (sent < data.size()) {
        const int n = socket.sendBytes(data.data() + sent, static_cast<int>(data.size() - sent));
        if (n <= 0) return;
        sent += static_cast<std::size_t>(n);
    }
}

}  // namespace

void TestServer::serve(Poco::Net::StreamSocket socket) {
    try {
        socket.setReceiveTimeout(Poco::Timespan(0, 50'000));
        std::string buffer, method, target, body;
        while (!stop_ && readRequest(socket, buffer, method, target, body, stop_)) {
            ++requests_;
            const ServeMode mode = mode_.load();
            if (mode == ServeMode::Hold) {
                ++holding_;
                std::unique_lock lock(mutex_);
                cv_.wait(lock, [this] { return released_ || stop_.load(); });
                --holding_;
            }
            if (mode == ServeMode::CloseWithoutAnswer) {
                socket.close();
                return;
            }
            if (mode == ServeMode::Reset) {
                socket.setLinger(true, 0);
                socket.impl()->close();
                return;
            }
            if (mode == ServeMode::Truncate) {
                sendAll(socket, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789");
                socket.close();
                return;
            }
            std::string payload = method + " " + target + "\n" + body;
            if (mode == ServeMode::BigBody) payload.assign(1 << 20, 'x');
            sendAll(socket,
                    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Test-Header: yes\r\n"
                    "Connection: keep-alive\r\nContent-Length: " +
                        std::to_string(payload.size()) + "\r\n\r\n" + payload);
            if (mode == ServeMode::EchoThenClose) {
                if (tls_) {
                    Poco::Net::SecureStreamSocket(socket).shutdown();
                }
                socket.close();
                return;
            }
        }
    } catch (const Poco::Exception&) {
        // handshake failures and resets end this connection only
    }
}

}  // namespace calconn::net::testing
