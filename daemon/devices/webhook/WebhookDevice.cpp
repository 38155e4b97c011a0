#include "devices/webhook/WebhookDevice.h"

#include "devices/webhook/WebhookCodec.h"

namespace calconn::devices::webhook {

WebhookDevice::WebhookDevice(WebhookDeviceConfig config, net::HttpClient& http,
                             const common::Clock& clock)
    : name_(std::move(config.name)),
      url_(std::move(config.url)),
      secret_(config.secret),
      timeout_(config.timeout),
      http_(http),
      clock_(clock) {
    config.secret.assign(config.secret.size(), '\0');
}

common::Status WebhookDevice::push(std::string_view room,
                                   const std::vector<DeviceBooking>& bookings) {
    net::HttpRequest request;
    request.method = "POST";
    request.url = url_;
    request.timeout = timeout_;
    request.body = webhookBody(
        room, std::chrono::time_point_cast<std::chrono::seconds>(clock_.now()), bookings);
    request.headers.set("Content-Type", "application/json");
    if (!secret_.empty()) {
        request.headers.set(std::string(kSignatureHeader),
                            signatureHeaderValue(secret_.view(), request.body));
    }
    // The whole list replaces the previous one, so resending is harmless.
    request.retry_safe = true;
    auto response = http_.send(request);
    if (!response) return response.error();
    const int s = response->status;
    if (s >= 200 && s < 300) return {};
    using common::ErrorCode;
    const std::string context = "http " + std::to_string(s);
    if (s == 401)
        return common::makeError(ErrorCode::Unauthenticated, "webhook refused the request",
                                 context);
    if (s == 403)
        return common::makeError(ErrorCode::PermissionDenied, "webhook refused the request",
                                 context);
    if (s == 429 || s == 503)
        return common::makeError(ErrorCode::Throttled, "webhook asks to slow down", context);
    if (s >= 500)
        return common::makeError(ErrorCode::Unavailable, "webhook answered a server error",
                                 context);
    return common::makeError(ErrorCode::InvalidArgument, "webhook refused the booking list",
                             context);
}

}  // namespace calconn::devices::webhook
