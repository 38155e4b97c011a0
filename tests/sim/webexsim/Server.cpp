#include "Server.h"

#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/StreamCopier.h>
#include <Poco/ThreadPool.h>

#include <algorithm>
#include <cctype>
#include <mutex>

#include "WebexSim.h"

namespace calconn::webexsim {

namespace {

class Handler : public Poco::Net::HTTPRequestHandler {
public:
    explicit Handler(WebexSimulator& simulator) : simulator_(simulator) {}

    void handleRequest(Poco::Net::HTTPServerRequest& request,
                       Poco::Net::HTTPServerResponse& response) override {
        SimRequest sim;
        sim.method = request.getMethod();
        const std::string& uri = request.getURI();
        auto q = uri.find('?');
        sim.path = uri.substr(0, q);
        if (q != std::string::npos) sim.query = uri.substr(q + 1);
        for (const auto& [name, value] : request) {
            std::string lower = name;
            std::transform(lower.begin(), lower.end(), lower.begin(),
                           [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); });
            sim.headers[lower] = value;
        }
        Poco::StreamCopier::copyToString(request.stream(), sim.body);
        SimResponse answer = simulator_.handle(sim);
        response.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(answer.status));
        for (const auto& [name, value] : answer.headers) response.set(name, value);
        if (answer.body.empty()) {
            response.setContentLength(0);
            response.send();
            return;
        }
        response.setContentType("application/json;charset=UTF-8");
        response.setContentLength(static_cast<std::streamsize>(answer.body.size()));
        response.send() << answer.body;
    }

private:
    WebexSimulator& simulator_;
};

class Factory : public Poco::Net::HTTPRequestHandlerFactory {
public:
    explicit Factory(WebexSimulator& simulator) : simulator_(simulator) {}
    Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override {
        return new Handler(simulator_);
    }

private:
    WebexSimulator& simulator_;
};

}  // namespace

Server::Server(WebexSimulator& simulator, ServerConfig config)
    : simulator_(simulator), config_(std::move(config)) {}

Server::~Server() { stop(); }

common::Status Server::start() {
    static std::once_flag ssl_once;
    std::call_once(ssl_once, [] { Poco::Net::initializeSSL(); });
    try {
        Poco::Net::Context::Ptr context = new Poco::Net::Context(
            Poco::Net::Context::TLS_SERVER_USE, config_.key_file, config_.cert_file, "",
            Poco::Net::Context::VERIFY_NONE, 9, false, "ECDHE+AESGCM:ECDHE+CHACHA20:!aNULL:!MD5");
        context->disableProtocols(Poco::Net::Context::PROTO_SSLV2 | Poco::Net::Context::PROTO_SSLV3 |
                                  Poco::Net::Context::PROTO_TLSV1 | Poco::Net::Context::PROTO_TLSV1_1);
        context->enableSessionCache(true, "webexsim");
        Poco::Net::SecureServerSocket socket(
            Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(config_.port)), 64, context);
        port_ = socket.address().port();
        auto* params = new Poco::Net::HTTPServerParams();
        params->setMaxThreads(config_.threads);
        params->setKeepAlive(true);
        params->setKeepAliveTimeout(Poco::Timespan(10, 0));
        params->setTimeout(Poco::Timespan(10, 0));
        params->setServerName("webexsim");
        pool_ = std::make_unique<Poco::ThreadPool>(2, config_.threads + 2);
        server_ = std::make_unique<Poco::Net::HTTPServer>(new Factory(simulator_), *pool_, socket, params);
        server_->start();
    } catch (const Poco::Exception& e) {
        return common::makeError(common::ErrorCode::Internal,
                                 "cannot start https server: " + e.displayText());
    }
    return {};
}

void Server::stop() {
    if (server_) {
        server_->stopAll(true);
        server_.reset();
    }
    if (pool_) {
        pool_->joinAll();
        pool_.reset();
    }
}

std::string Server::baseUrl() const { return "https://127.0.0.1:" + std::to_string(port_); }

}  // namespace calconn::webexsim
