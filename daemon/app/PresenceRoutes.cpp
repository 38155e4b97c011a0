#include "app/PresenceRoutes.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <sstream>

#include "common/IsoTime.h"

namespace calconn::app {

namespace {

Poco::Dynamic::Var isoOrNull(const std::optional<std::chrono::sys_seconds>& t) {
    if (!t) return Poco::Dynamic::Var();
    return common::formatIsoUtc(*t);
}

}  // namespace

std::string presenceStatusToJson(const presence::PresenceStatus& status) {
    Poco::JSON::Object root(Poco::JSON_PRESERVE_KEY_ORDER);
    root.set("poll_interval_seconds", static_cast<Poco::Int64>(status.poll_interval.count()));
    root.set("include_reply_message", status.include_reply_message);
    Poco::JSON::Array users;
    for (const auto& user : status.users) {
        Poco::JSON::Object row(Poco::JSON_PRESERVE_KEY_ORDER);
        row.set("upn", user.upn);
        row.set("state", user.state);
        row.set("from", isoOrNull(user.from));
        row.set("until", isoOrNull(user.until));
        row.set("last_poll", isoOrNull(user.last_poll));
        row.set("error", user.last_error);
        users.add(row);
    }
    root.set("users", users);
    Poco::JSON::Array sinks;
    for (const auto& sink : status.sinks) {
        Poco::JSON::Object row(Poco::JSON_PRESERVE_KEY_ORDER);
        row.set("name", sink.name);
        row.set("pending", static_cast<Poco::UInt64>(sink.pending));
        row.set("delivered", static_cast<Poco::UInt64>(sink.delivered));
        row.set("failures", sink.consecutive_failures);
        row.set("error", sink.last_error);
        sinks.add(row);
    }
    root.set("sinks", sinks);
    std::ostringstream out;
    root.stringify(out);
    return out.str();
}

void addPresenceRoutes(api::Router& router, presence::PresenceService* service) {
    router.add("GET", "/v1/presence", [service](const api::ApiRequest&) {
        if (service == nullptr) {
            return api::jsonError(503, common::ErrorCode::Unavailable,
                                  "presence is off: sync is not configured (no microsoft365 "
                                  "tenant or no mailboxes)");
        }
        return api::ApiResponse{200, "application/json", presenceStatusToJson(service->status())};
    });
}

}  // namespace calconn::app
