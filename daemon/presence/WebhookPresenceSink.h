// A presence change POSTed as JSON (PresenceCodec webhookBody) to a URL, signed like the device
// webhooks: `X-Calconn-Signature: sha256=<hex HMAC-SHA256(secret, body)>` over the exact body
// bytes (crypto/WebhookSignature.h). Any 2xx is delivered; everything else is retried by the
// SinkDelivery that drives the sink.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "crypto/SecretString.h"
#include "net/HttpClient.h"
#include "presence/PresenceSink.h"

namespace calconn::presence {

struct WebhookSinkConfig {
    std::string url;
    std::string secret;  // moved into a SecretString and wiped here
    std::chrono::milliseconds timeout{10'000};
};

class WebhookPresenceSink final : public PresenceSink {
public:
    WebhookPresenceSink(WebhookSinkConfig config, std::shared_ptr<net::HttpClient> http);

    const std::string& name() const override { return name_; }
    const std::string& key() const override { return key_; }
    common::Status publish(const PresenceUpdate& update) override;

private:
    std::string url_;
    std::string name_;
    std::string key_;
    crypto::SecretString secret_;
    std::chrono::milliseconds timeout_;
    std::shared_ptr<net::HttpClient> http_;
};

// The URL without its query string and fragment (which may carry a token): for logs.
std::string displayUrl(const std::string& url);
// "webhook-" + 16 hex digits of a SHA-256-based digest of the URL.
std::string webhookSinkKey(const std::string& url);

}  // namespace calconn::presence
