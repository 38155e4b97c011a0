#include "app/DeviceRoutes.h"

#include <sstream>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include "common/IsoTime.h"

namespace calconn::app {

namespace {

Poco::Dynamic::Var isoOrNull(const std::optional<common::TimePoint>& at) {
    if (!at) return Poco::Dynamic::Var();
    return common::formatIsoUtc(std::chrono::floor<std::chrono::seconds>(*at));
}

}  // namespace

std::string devicesToJson(const std::vector<devices::DeviceStatus>& rows) {
    Poco::JSON::Object root(Poco::JSON_PRESERVE_KEY_ORDER);
    Poco::JSON::Array::Ptr list = new Poco::JSON::Array;
    for (const devices::DeviceStatus& row : rows) {
        const devices::DevicePushState& s = row.state;
        Poco::JSON::Object::Ptr o = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
        o->set("room", row.room);
        o->set("device", row.device);
        o->set("state", std::string(devices::deviceStateName(row)));
        o->set("last_push", isoOrNull(s.last_push));
        o->set("last_attempt", isoOrNull(s.last_attempt));
        o->set("next_attempt", row.setup_error ? Poco::Dynamic::Var() : isoOrNull(s.next_due));
        o->set("bookings", static_cast<Poco::Int64>(s.bookings_pushed));
        o->set("pushes_ok", static_cast<Poco::Int64>(s.pushes_ok));
        o->set("pushes_failed", static_cast<Poco::Int64>(s.pushes_failed));
        o->set("consecutive_failures", s.consecutive_failures);
        const auto& error = row.setup_error ? row.setup_error : s.last_error;
        o->set("last_error", error ? error->toString() : std::string());
        o->set("error_code", error ? std::string(common::errorCodeName(error->code)) : std::string());
        list->add(o);
    }
    root.set("devices", list);
    std::ostringstream out;
    root.stringify(out);
    return out.str();
}

void addDeviceRoutes(api::Router& router, devices::DeviceRunner* runner) {
    auto not_running = [] {
        return api::jsonError(503, common::ErrorCode::Unavailable,
                              "room devices are not running: sync is not configured");
    };
    router.add("GET", "/v1/devices", [runner, not_running](const api::ApiRequest&) {
        if (!runner) return not_running();
        return api::ApiResponse{200, "application/json", devicesToJson(runner->status())};
    });
    router.add("POST", "/v1/devices/{room}/push",
               [runner, not_running](const api::ApiRequest& request) {
                   if (!runner) return not_running();
                   const std::string& room = request.params.at("room");
                   auto marked = runner->pushNow(room);
                   if (!marked) {
                       return api::jsonError(404, marked.error().code,
                                             marked.error().message + " (" + room + ")");
                   }
                   Poco::JSON::Object root(Poco::JSON_PRESERVE_KEY_ORDER);
                   root.set("ok", true);
                   root.set("message", "push to " + std::to_string(*marked) + " device" +
                                           (*marked == 1 ? "" : "s") + " of " + room +
                                           " scheduled");
                   std::ostringstream out;
                   root.stringify(out);
                   return api::ApiResponse{200, "application/json", out.str()};
               });
}

}  // namespace calconn::app
