// An HTTPS endpoint inside a test standing in for a webhook consumer (a booking panel, a
// presence sink): listens on 127.0.0.1 with the given certificate, answers 204 and keeps every
// request for the test to check.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace Poco::Net {
class HTTPServer;
}

namespace calconn::e2e {

class WebhookReceiver {
public:
    struct Received {
        std::string method;
        std::string content_type;
        std::string signature;  // X-Calconn-Signature, empty when absent
        std::string body;
    };

    WebhookReceiver(const std::string& certificate, const std::string& key, int max_threads = 2);
    ~WebhookReceiver();
    WebhookReceiver(const WebhookReceiver&) = delete;
    WebhookReceiver& operator=(const WebhookReceiver&) = delete;

    // https://127.0.0.1:<port><path>; any path reaches this receiver.
    std::string url(const std::string& path) const;
    std::vector<Received> received();

private:
    class Handler;
    class Factory;

    std::mutex mutex_;
    std::vector<Received> received_;
    int port_ = 0;
    std::unique_ptr<Poco::Net::HTTPServer> server_;
};

}  // namespace calconn::e2e
