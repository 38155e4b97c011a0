// A tiny scripted HTTP/1.1 server on 127.0.0.1:0, plain or TLS, for PocoHttpClient tests.
// Each connection is served on its own thread; the mode decides how requests are answered.
#pragma once

#include <Poco/Net/Context.h>
#include <Poco/Net/ServerSocket.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace calconn::net::testing {

enum class ServeMode {
    Echo,                // 200 with "METHOD TARGET\nBODY", keep-alive
    Hold,                // wait until release(), then Echo
    CloseWithoutAnswer,  // read the request, close
    Reset,               // read the request, abort the connection (RST)
    Truncate,            // announce 100 bytes, send 10, close
    BigBody,             // 200 with a 1 MiB body
    EchoThenClose,       // Echo but claim keep-alive and close right after
};

struct TlsServerFiles {
    std::string certificate;
    std::string private_key;
    std::string client_ca;  // non-empty: require a client certificate signed by it
};

class TestServer {
public:
    explicit TestServer(const TlsServerFiles* tls = nullptr);
    ~TestServer();

    std::uint16_t port() const { return port_; }
    std::string url(const std::string& target = "/") const;
    void setMode(ServeMode mode) { mode_ = mode; }
    void release();  // lets Hold requests answer
    std::size_t connectionsAccepted() const { return accepted_.load(); }
    std::size_t requestsSeen() const { return requests_.load(); }
    std::size_t holding() const { return holding_.load(); }

private:
    void acceptLoop();
    void serve(Poco::Net::StreamSocket socket);

    bool tls_ = false;
    Poco::Net::Context::Ptr context_;
    std::unique_ptr<Poco::Net::ServerSocket> server_;
    std::uint16_t port_ = 0;
    std::atomic<ServeMode> mode_{ServeMode::Echo};
    std::atomic<bool> stop_{false};
    std::atomic<std::size_t> accepted_{0};
    std::atomic<std::size_t> requests_{0};
    std::atomic<std::size_t> holding_{0};
    std::mutex mutex_;
    std::condition_variable cv_;
    bool released_ = false;
    std::thread acceptor_;
    std::vector<std::thread> workers_;
};

}  // namespace calconn::net::testing
