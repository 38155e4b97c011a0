#include "api/StatusRoute.h"

#include <chrono>
#include <sstream>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include "common/IsoTime.h"

namespace calconn::api {

namespace {

Poco::JSON::Array::Ptr toArray(const std::vector<std::string>& values) {
    Poco::JSON::Array::Ptr array = new Poco::JSON::Array;
    for (const std::string& value : values) array->add(value);
    return array;
}

Poco::JSON::Array::Ptr mailboxArray(const std::vector<MailboxStatusRow>& rows) {
    Poco::JSON::Array::Ptr array = new Poco::JSON::Array;
    for (const MailboxStatusRow& row : rows) {
        Poco::JSON::Object::Ptr object = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
        object->set("upn", row.upn);
        object->set("state", row.state);
        object->set("events", static_cast<Poco::Int64>(row.events));
        if (row.last_sync)
            object->set("last_sync", common::formatIsoUtc(std::chrono::sys_seconds{std::chrono::seconds(*row.last_sync)}));
        else
            object->set("last_sync", Poco::Dynamic::Var());
        object->set("error", row.error);
        object->set("reason", row.reason);
        array->add(object);
    }
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
    if (report.api_url.empty()) {
        root.set("api_url", Poco::Dynamic::Var());
    } else {
        root.set("api_url", report.api_url);
    }
    root.set("mailboxes", mailboxArray(report.mailboxes));
    std::ostringstream out;
    root.stringify(out);
    return out.str();
}

std::string mailboxesToJson(const std::vector<MailboxStatusRow>& rows) {
    Poco::JSON::Object root(Poco::JSON_PRESERVE_KEY_ORDER);
    root.set("mailboxes", mailboxArray(rows));
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
