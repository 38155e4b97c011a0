#include "devices/roomos/RoomOsDevice.h"

#include <Poco/Logger.h>

#include "devices/roomos/RoomOsCodec.h"

namespace calconn::devices::roomos {

namespace {

using common::ErrorCode;
using common::makeError;

Poco::Logger& logger() { return Poco::Logger::get("calconn.devices.roomos"); }

std::string trimSlash(std::string url) {
    while (!url.empty() && url.back() == '/') url.pop_back();
    return url;
}

}  // namespace

RoomOsDevice::RoomOsDevice(RoomOsDeviceConfig config, net::HttpClient& http,
                           const common::Clock& clock)
    : name_(std::move(config.name)),
      base_url_(trimSlash(std::move(config.base_url))),
      username_(std::move(config.username)),
      password_(config.password),
      use_session_(config.use_session),
      legacy_fallback_(config.legacy_fallback),
      timeout_(config.timeout),
      http_(http),
      gate_(config.basic_interval, clock) {
    config.password.assign(config.password.size(), '\0');
}

net::HttpRequest RoomOsDevice::post(std::string_view path, std::string body) const {
    net::HttpRequest request;
    request.method = "POST";
    request.url = base_url_ + std::string(path);
    request.timeout = timeout_;
    request.body = std::move(body);
    if (!request.body.empty()) request.headers.set("Content-Type", "text/xml; charset=utf-8");
    return request;
}

common::Error RoomOsDevice::gateClosed() const {
    return makeError(ErrorCode::Throttled, "waiting for the device's basic-auth rate limit",
                     "rate gate");
}

common::Status RoomOsDevice::push(std::string_view room,
                                  const std::vector<DeviceBooking>& bookings) {
    (void)room;  // one device serves one room; the room is for the webhook form and logs
    return authenticated([&](const Send& send) { return pushWith(send, bookings); });
}

common::Status RoomOsDevice::pushWith(const Send& send,
                                      const std::vector<DeviceBooking>& bookings) {
    if (!legacy_) {
        auto answer = send(kPutXmlPath, bookingsPutCommand(bookings));
        if (!answer) return answer.error();
        common::Status put = parseCommandResponse(answer->status, answer->body);
        if (put || !legacy_fallback_ || !wantsLegacyFallback(put.error())) return put;
        logger().information("device " + name_ + " refused bookings put (" + put.error().message +
                             "); using /bookingsputxml");
        legacy_ = true;
    }
    auto answer = send(kLegacyPutPath, legacyBookingsXml(bookings));
    if (!answer) return answer.error();
    return parseLegacyResponse(answer->status, answer->body);
}

common::Status RoomOsDevice::clear() {
    return authenticated([&](const Send& send) -> common::Status {
        auto answer = send(kPutXmlPath, bookingsClearCommand());
        if (!answer) return answer.error();
        return parseCommandResponse(answer->status, answer->body);
    });
}

common::Result<net::HttpResponse> RoomOsDevice::sendBasic(std::string_view path, std::string body) {
    if (!gate_.tryAcquire()) return gateClosed();
    net::HttpRequest request = post(path, std::move(body));
    request.headers.set("Authorization", basicAuthorization(username_, password_.view()));
    return http_.send(request);
}

common::Status RoomOsDevice::authenticated(const Work& work) {
    const Send basic = [this](std::string_view path, std::string body) {
        return sendBasic(path, std::move(body));
    };
    if (!use_session_) return work(basic);

    auto begun = sendBasic(kSessionBeginPath, {});  // session/begin is Basic-authenticated
    if (!begun) return begun.error();
    if (begun->status == 404 || begun->status == 405) {
        // Firmware without the session API: Basic on every request from now on. The gate
        // was just used, so this push waits for the next slot.
        logger().information("device " + name_ + " has no session api; using basic auth");
        use_session_ = false;
        return work(basic);
    }
    if (auto status = parseSessionResponse(begun->status, begun->body); !status) return status;
    const auto cookie = sessionCookie(begun->headers);
    if (!cookie) {
        return makeError(ErrorCode::Protocol, "device started a session without a cookie", name_);
    }
    const Send with_cookie = [this, &cookie](std::string_view path, std::string body) {
        net::HttpRequest request = post(path, std::move(body));
        request.headers.set("Cookie", *cookie);
        return http_.send(request);
    };
    common::Status result = work(with_cookie);

    // Always end the session: sessions never time out and the device has only 30 of them.
    net::HttpRequest end = post(kSessionEndPath, {});
    end.headers.set("Cookie", *cookie);
    auto ended = http_.send(end);
    if (!ended || !parseSessionResponse(ended->status, ended->body)) {
        logger().warning("device " + name_ + ": ending the session failed");
    }
    return result;
}

}  // namespace calconn::devices::roomos
