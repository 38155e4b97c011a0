#include "api/StatusRoute.h"

#include <sstream>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

namespace calconn::api {

namespace {

Poco::JSON::Array::Ptr toArray(const std::vector<std::string>& values) {
    Poco::JSON::Array::Ptr array = new Poco::JSON::Array;
    for (const std::string& value : values) array->add(value);
    return array;
}

}  // namespace

std::string statusToJson(const StatusReport& report) {
    Poco::JSON::Object root(Poco::JSON_PRESERVE_KEY_ORDER);
    root.set("version", report.version);
    root.set("revision", report.revision);
    root.set("uptime_seconds", static_cast<Poco::Int64>(report.uptime_seconds));
    root.set("config_file", report.config_file);
    root.set("pid", static_cast<Poco::Int64>(report.pid));
    root.set("state", report.state);
    root.set("components", toArray(report.components));
    root.set("mailboxes", toArray(report.mailboxes));
    std::ostringstream out;
    root.stringify(out);
    return out.str();
}

void addStatusRoute(Router& router, std::function<StatusReport()> provider) {
    router.add("GET", "/v1/status", [provider = std::move(provider)](const ApiRequest&) {
        return ApiResponse{200, "application/json", statusToJson(provider())};
    });
}

}  // namespace calconn::api
