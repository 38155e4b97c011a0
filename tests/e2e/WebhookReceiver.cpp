#include "WebhookReceiver.h"

#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/StreamCopier.h>

namespace calconn::e2e {

class WebhookReceiver::Handler final : public Poco::Net::HTTPRequestHandler {
public:
    explicit Handler(WebhookReceiver& owner) : owner_(owner) {}
    void handleRequest(Poco::Net::HTTPServerRequest& request,
                       Poco::Net::HTTPServerResponse& response) override {
        Received r;
        Poco::StreamCopier::copyToString(request.stream(), r.body);
        r.method = request.getMethod();
        r.content_type = request.getContentType();
        r.signature = request.get("X-Calconn-Signature", "");
        {
            std::lock_guard lock(owner_.mutex_);
            owner_.received_.push_back(std::move(r));
        }
        response.setStatus(Poco::Net::HTTPResponse::HTTP_NO_CONTENT);
        response.send();
    }

private:
    WebhookReceiver& owner_;
};

class WebhookReceiver::Factory final : public Poco::Net::HTTPRequestHandlerFactory {
public:
    explicit Factory(WebhookReceiver& owner) : owner_(owner) {}
    Poco::Net::HTTPRequestHandler* createRequestHandler(
        const Poco::Net::HTTPServerRequest&) override {
        return new Handler(owner_);
    }

private:
    WebhookReceiver& owner_;
};

WebhookReceiver::WebhookReceiver(const std::string& certificate, const std::string& key,
                                 int max_threads) {
    Poco::Net::Context::Params params;
    params.certificateFile = certificate;
    params.privateKeyFile = key;
    params.verificationMode = Poco::Net::Context::VERIFY_NONE;
    params.loadDefaultCAs = false;
    Poco::Net::Context::Ptr context =
        new Poco::Net::Context(Poco::Net::Context::TLS_SERVER_USE, params);
    Poco::Net::SecureServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0), 64, context);
    port_ = socket.address().port();
    auto server_params = new Poco::Net::HTTPServerParams;
    server_params->setMaxThreads(max_threads);
    server_ = std::make_unique<Poco::Net::HTTPServer>(new Factory(*this), socket, server_params);
    server_->start();
}

WebhookReceiver::~WebhookReceiver() { server_->stopAll(true); }

std::string WebhookReceiver::url(const std::string& path) const {
    return "https://127.0.0.1:" + std::to_string(port_) + path;
}

std::vector<WebhookReceiver::Received> WebhookReceiver::received() {
    std::lock_guard lock(mutex_);
    return received_;
}

}  // namespace calconn::e2e
