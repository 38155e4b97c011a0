#include "api/HttpsServer.h"

#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SSLException.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/ThreadPool.h>
#include <Poco/URI.h>
#include <openssl/ssl.h>

#include <chrono>
#include <istream>
#include <mutex>

#include "api/ServerSentEvents.h"
#include "common/Text.h"
#include "platform/Logging.h"

namespace calconn::api {

namespace {

using Poco::Net::HTTPResponse;

// An idle event stream gets a comment this often, which also notices a client that left.
constexpr std::chrono::seconds kHeartbeat{15};
// A client that does not read what is sent is dropped after this.
constexpr int kSendTimeoutSeconds = 30;
constexpr const char* kCiphers = "ECDHE+AESGCM:ECDHE+CHACHA20:DHE+AESGCM:DHE+CHACHA20:!aNULL:!MD5";

void sendPlain(Poco::Net::HTTPServerResponse& response, const ApiResponse& answer) {
    response.setStatusAndReason(static_cast<HTTPResponse::HTTPStatus>(answer.status));
    for (const auto& [name, value] : answer.headers) response.set(name, value);
    if (answer.status == 304) {
        response.setContentLength(0);
        response.send();
        return;
    }
    response.setContentType(answer.content_type);
    response.setContentLength(static_cast<std::streamsize>(answer.body.size()));
    response.sendBuffer(answer.body.data(), answer.body.size());
}

void sendStream(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response,
                const ApiResponse& answer) {
    if (auto* impl = dynamic_cast<Poco::Net::HTTPServerRequestImpl*>(&request)) {
        impl->socket().setSendTimeout(Poco::Timespan(kSendTimeoutSeconds, 0));
    }
    response.setStatusAndReason(static_cast<HTTPResponse::HTTPStatus>(answer.status));
    for (const auto& [name, value] : answer.headers) response.set(name, value);
    response.setContentType(answer.content_type);
    response.setChunkedTransferEncoding(true);
    std::ostream& out = response.send();
    out << answer.body;
    out.flush();
    const std::string heartbeat = formatSseComment("keep-alive");
    while (out.good()) {
        std::string frames;
        const EventStream::Wait wait = answer.stream->next(kHeartbeat, frames);
        if (wait == EventStream::Wait::Closed) break;
        if (wait == EventStream::Wait::Timeout) frames = heartbeat;
        out << frames;
        out.flush();
    }
}

class ApiRequestHandler final : public Poco::Net::HTTPRequestHandler {
public:
    ApiRequestHandler(const HttpsServer::Handler& handler, std::size_t max_body)
        : handler_(handler), max_body_(max_body) {}

    void handleRequest(Poco::Net::HTTPServerRequest& request,
                       Poco::Net::HTTPServerResponse& response) override {
        // The boundary between Poco and the handlers: anything thrown below is answered with
        // 500 (or ends a stream) instead of killing the connection thread.
        try {
            ApiResponse answer;
            if (!read(request, answer)) {
                response.setKeepAlive(false);  // the unread body would be taken as a request
                sendPlain(response, answer);
                return;
            }
            answer = handler_(request_);
            if (answer.stream) {
                sendStream(request, response, answer);
            } else {
                sendPlain(response, answer);
            }
        } catch (const std::exception& e) {
            platform::moduleLogger("api").error(std::string("api request failed: ") + e.what());
            if (!response.sent()) {
                sendPlain(response, jsonError(500, common::ErrorCode::Internal, "internal error"));
            }
        }
    }

private:
    // Fills request_; false with the error answer in `refusal`.
    bool read(Poco::Net::HTTPServerRequest& request, ApiResponse& refusal) {
        request_.method = request.getMethod();
        try {
            const Poco::URI uri(request.getURI());
            request_.path = uri.getPath();
            for (const auto& [key, value] : uri.getQueryParameters()) request_.query[key] = value;
        } catch (const Poco::Exception&) {
            refusal = jsonError(400, common::ErrorCode::InvalidArgument, "malformed request URI");
            return false;
        }
        for (const auto& [name, value] : request) {
            auto [it, inserted] = request_.headers.emplace(common::asciiLower(name), value);
            if (!inserted) it->second += ", " + value;
        }
        const auto too_large = [&] {
            refusal = jsonError(413, common::ErrorCode::InvalidArgument,
                                "request body larger than " + std::to_string(max_body_) + " bytes");
            return false;
        };
        if (request.hasContentLength() &&
            request.getContentLength64() > static_cast<Poco::Int64>(max_body_)) {
            return too_large();
        }
        if (request.hasContentLength() || request.getChunkedTransferEncoding()) {
            std::istream& in = request.stream();
            char buffer[8192];
            while (in) {
                in.read(buffer, sizeof(buffer));
                request_.body.append(buffer, static_cast<std::size_t>(in.gcount()));
                if (request_.body.size() > max_body_) return too_large();
            }
        }
        return true;
    }

    const HttpsServer::Handler& handler_;
    const std::size_t max_body_;
    ApiRequest request_;
};

class ApiRequestHandlerFactory final : public Poco::Net::HTTPRequestHandlerFactory {
public:
    ApiRequestHandlerFactory(HttpsServer::Handler handler, std::size_t max_body)
        : handler_(std::move(handler)), max_body_(max_body) {}

    Poco::Net::HTTPRequestHandler* createRequestHandler(
        const Poco::Net::HTTPServerRequest&) override {
        return new ApiRequestHandler(handler_, max_body_);
    }

private:
    HttpsServer::Handler handler_;
    std::size_t max_body_;
};

Poco::Net::Context::Ptr serverContext(const HttpsServerOptions& options) {
    static std::once_flag ssl_once;
    std::call_once(ssl_once, [] { Poco::Net::initializeSSL(); });
    Poco::Net::Context::Ptr context = new Poco::Net::Context(
        Poco::Net::Context::TLS_SERVER_USE, options.private_key_file, options.certificate_file, "",
        Poco::Net::Context::VERIFY_NONE, 9, false, kCiphers);
    context->disableProtocols(Poco::Net::Context::PROTO_SSLV2 | Poco::Net::Context::PROTO_SSLV3 |
                              Poco::Net::Context::PROTO_TLSV1 | Poco::Net::Context::PROTO_TLSV1_1);
    context->preferServerCiphers();
    context->enableSessionCache(true, "calconn-api");
    // Poco loads both files without checking that they belong together; a mismatch would
    // only show as failing handshakes later.
    if (SSL_CTX_check_private_key(context->sslContext()) != 1) {
        throw Poco::Net::SSLContextException("the private key does not match the certificate");
    }
    return context;
}

}  // namespace

HttpsServer::~HttpsServer() { stop(); }

common::Result<std::unique_ptr<HttpsServer>> HttpsServer::start(const HttpsServerOptions& options,
                                                                Handler handler) {
    Poco::Net::SocketAddress address;
    try {
        address = Poco::Net::SocketAddress(options.listen);
    } catch (const Poco::Exception& e) {
        return common::makeError(common::ErrorCode::Config,
                                 "api.listen is not a usable host:port: " + e.displayText(),
                                 options.listen);
    }
    const bool tls = !options.certificate_file.empty() || !options.private_key_file.empty();
    if (tls && (options.certificate_file.empty() || options.private_key_file.empty())) {
        return common::makeError(common::ErrorCode::Config,
                                 "api.tls needs both certificate_file and private_key_file");
    }
    if (!tls && !address.host().isLoopback()) {
        return common::makeError(common::ErrorCode::Config,
                                 "the API would serve tokens and meetings over plain HTTP on a "
                                 "non-loopback address; set api.tls.certificate_file and "
                                 "api.tls.private_key_file, or listen on 127.0.0.1",
                                 options.listen);
    }

    std::unique_ptr<HttpsServer> server(new HttpsServer());
    server->tls_ = tls;
    try {
        Poco::Net::ServerSocket socket;
        if (tls) {
            Poco::Net::Context::Ptr context;
            try {
                context = serverContext(options);
            } catch (const Poco::Exception& e) {
                return common::makeError(
                    common::ErrorCode::Config,
                    "cannot use the API's TLS certificate or key: " + e.displayText(),
                    options.certificate_file);
            }
            socket = Poco::Net::SecureServerSocket(context);
        }
        // No SO_REUSEPORT: a second daemon on the same port must fail, not share the traffic.
        socket.bind(address, true, false);
        socket.listen(128);
        server->port_ = socket.address().port();
        const std::string host = socket.address().host().toString();
        server->url_ =
            std::string(tls ? "https" : "http") + "://" +
            (socket.address().family() == Poco::Net::SocketAddress::IPv6 ? "[" + host + "]"
                                                                         : host) +
            ":" + std::to_string(server->port_);

        Poco::Net::HTTPServerParams::Ptr params = new Poco::Net::HTTPServerParams;
        params->setMaxThreads(options.max_threads);
        params->setMaxQueued(64);
        params->setKeepAlive(true);
        params->setMaxKeepAliveRequests(1000);
        params->setKeepAliveTimeout(Poco::Timespan(10, 0));
        params->setTimeout(Poco::Timespan(30, 0));  // a request must arrive within this
        server->pool_ = std::make_unique<Poco::ThreadPool>(2, options.max_threads);
        server->server_ = std::make_unique<Poco::Net::HTTPServer>(
            new ApiRequestHandlerFactory(std::move(handler), options.max_body), *server->pool_,
            socket, params);
        server->server_->start();
    } catch (const Poco::Exception& e) {
        return common::makeError(common::ErrorCode::Io,
                                 "cannot listen for the API: " + e.displayText(), options.listen);
    }
    return server;
}

void HttpsServer::stop() {
    if (!server_) return;
    server_->stopAll(true);
    pool_->joinAll();
    server_.reset();
    pool_.reset();
}

}  // namespace calconn::api
