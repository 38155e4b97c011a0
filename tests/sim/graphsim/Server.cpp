#include "Server.h"

#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Net/SecureStreamSocketImpl.h>
#include <Poco/StreamCopier.h>
#include <Poco/ThreadPool.h>

#include <mutex>

#include "Simulator.h"

namespace calconn::graphsim {

namespace {

void abortConnection(Poco::Net::HTTPServerRequest& request) {
    auto* impl = dynamic_cast<Poco::Net::HTTPServerRequestImpl*>(&request);
    if (!impl) return;
    Poco::Net::StreamSocket& socket = impl->socket();
    if (auto* secure = dynamic_cast<Poco::Net::SecureStreamSocketImpl*>(socket.impl())) {
        secure->abort();
    } else {
        socket.close();
    }
}

class Handler final : public Poco::Net::HTTPRequestHandler {
public:
    explicit Handler(Simulator& sim) : sim_(sim) {}

    void handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) override {
        SimRequest sr;
        sr.method = request.getMethod();
        const std::string& uri = request.getURI();
        const size_t q = uri.find('?');
        sr.path = uri.substr(0, q);
        if (q != std::string::npos) sr.query = uri.substr(q + 1);
        for (const auto& [name, value] : request) {
            auto it = sr.headers.find(name);
            if (it == sr.headers.end()) sr.headers.emplace(name, value);
            else it->second += ", " + value;  // several Prefer headers act as one list
        }
        if (request.hasContentLength() ? request.getContentLength() > 0 : request.getChunkedTransferEncoding()) {
            Poco::StreamCopier::copyToString(request.stream(), sr.body);
        }
        SimResponse r = sim_.handle(sr);
        if (r.reset_connection) {
            response.setKeepAlive(false);
            abortConnection(request);
            return;
        }
        response.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(r.status));
        for (const auto& [name, value] : r.headers) response.set(name, value);
        if (r.truncate) {
            response.setKeepAlive(false);
            response.setContentLength(static_cast<std::streamsize>(r.body.size()));
            std::ostream& out = response.send();
            out.write(r.body.data(), static_cast<std::streamsize>(r.body.size() / 2));
            out.flush();
            abortConnection(request);
            return;
        }
        response.setContentLength(static_cast<std::streamsize>(r.body.size()));
        response.sendBuffer(r.body.data(), r.body.size());
    }

private:
    Simulator& sim_;
};

class Factory final : public Poco::Net::HTTPRequestHandlerFactory {
public:
    explicit Factory(Simulator& sim) : sim_(sim) {}
    Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override {
        return new Handler(sim_);
    }

private:
    Simulator& sim_;
};

}  // namespace

Server::Server(Simulator& simulator, ServerConfig config) : simulator_(simulator), config_(std::move(config)) {}

Server::~Server() { stop(); }

common::Result<void> Server::start() {
    static std::once_flag ssl_once;
    std::call_once(ssl_once, [] { Poco::Net::initializeSSL(); });
    try {
        Poco::Net::Context::Ptr context = new Poco::Net::Context(
            Poco::Net::Context::TLS_SERVER_USE, config_.key_file, config_.cert_file, "",
            Poco::Net::Context::VERIFY_NONE, 9, false, "ECDHE+AESGCM:ECDHE+CHACHA20:!aNULL:!MD5");
        context->disableProtocols(Poco::Net::Context::PROTO_SSLV2 | Poco::Net::Context::PROTO_SSLV3 |
                                  Poco::Net::Context::PROTO_TLSV1 | Poco::Net::Context::PROTO_TLSV1_1);
        context->enableSessionCache(true, "graphsim");
        context->enableExtendedCertificateVerification(false);
        Poco::Net::SecureServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(config_.port)),
                                             256, context);
        port_ = socket.address().port();
        auto* params = new Poco::Net::HTTPServerParams();
        params->setMaxThreads(config_.threads);
        params->setMaxQueued(4096);
        params->setKeepAlive(true);
        params->setMaxKeepAliveRequests(0);
        params->setKeepAliveTimeout(Poco::Timespan(30, 0));
        params->setTimeout(Poco::Timespan(30, 0));
        params->setServerName("graphsim");
        pool_ = std::make_unique<Poco::ThreadPool>(4, config_.threads + 4);
        server_ = std::make_unique<Poco::Net::HTTPServer>(new Factory(simulator_), *pool_, socket, params);
        server_->start();
    } catch (const Poco::Exception& e) {
        return common::makeError(common::ErrorCode::Internal, "cannot start https server: " + e.displayText());
    }
    simulator_.setBaseUrl(baseUrl());
    return {};
}

void Server::stop() {
    if (server_) {
        server_->stopAll(true);
        server_.reset();
        pool_->joinAll();
        pool_.reset();
    }
}

std::string Server::baseUrl() const { return "https://127.0.0.1:" + std::to_string(port_); }

}  // namespace calconn::graphsim
