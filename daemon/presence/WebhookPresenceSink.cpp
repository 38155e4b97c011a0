#include "presence/WebhookPresenceSink.h"

#include "crypto/WebhookSignature.h"
#include "presence/PresenceCodec.h"

namespace calconn::presence {

using common::ErrorCode;
using common::makeError;

std::string displayUrl(const std::string& url) { return url.substr(0, url.find_first_of("?#")); }

std::string webhookSinkKey(const std::string& url) {
    return "webhook-" + crypto::hmacSha256Hex("calconn presence sink", url).substr(0, 16);
}

WebhookPresenceSink::WebhookPresenceSink(WebhookSinkConfig config,
                                         std::shared_ptr<net::HttpClient> http)
    : url_(config.url),
      name_(displayUrl(config.url)),
      key_(webhookSinkKey(config.url)),
      secret_(config.secret),
      timeout_(config.timeout),
      http_(std::move(http)) {
    crypto::secureWipe(
        {reinterpret_cast<std::uint8_t*>(config.secret.data()), config.secret.size()});
}

common::Status WebhookPresenceSink::publish(const PresenceUpdate& update) {
    net::HttpRequest request;
    request.method = "POST";
    request.url = url_;
    request.timeout = timeout_;
    request.body = webhookBody(update);
    request.headers.set("Content-Type", "application/json");
    request.headers.set(std::string(crypto::kSignatureHeader),
                        crypto::signatureHeaderValue(secret_.view(), request.body));
    // Receivers keep the latest state per user: a duplicate changes nothing.
    request.retry_safe = true;
    auto response = http_->send(request);
    if (!response) return response.error();
    const int s = response->status;
    if (s >= 200 && s < 300) return {};
    const std::string context = name_ + ": http " + std::to_string(s);
    if (s == 401 || s == 403) {
        return makeError(s == 401 ? ErrorCode::Unauthenticated : ErrorCode::PermissionDenied,
                         "presence webhook refused the request (check its secret)", context);
    }
    if (s == 429 || s == 503) {
        return makeError(ErrorCode::Throttled, "presence webhook asks to slow down", context);
    }
    if (s >= 500) {
        return makeError(ErrorCode::Unavailable, "presence webhook answered a server error",
                         context);
    }
    return makeError(ErrorCode::InvalidArgument, "presence webhook refused the update", context);
}

}  // namespace calconn::presence
