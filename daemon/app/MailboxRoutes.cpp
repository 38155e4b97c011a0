#include "app/MailboxRoutes.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <chrono>
#include <sstream>

#include "common/IsoTime.h"

namespace calconn::app {

namespace {

int httpStatusFor(common::ErrorCode code) {
    switch (code) {
        case common::ErrorCode::NotFound:
            return 404;
        case common::ErrorCode::AlreadyExists:
        case common::ErrorCode::Conflict:
            return 409;
        case common::ErrorCode::InvalidArgument:
            return 400;
        default:
            return 500;
    }
}

api::ApiResponse done(const common::Status& status, const std::string& what) {
    if (!status) {
        return api::jsonError(httpStatusFor(status.error().code), status.error().code,
                              status.error().message + " (" + status.error().context + ")");
    }
    Poco::JSON::Object root(Poco::JSON_PRESERVE_KEY_ORDER);
    root.set("ok", true);
    root.set("message", what);
    std::ostringstream out;
    root.stringify(out);
    return api::ApiResponse{200, "application/json", out.str()};
}

api::ApiResponse notConfigured() {
    return api::jsonError(503, common::ErrorCode::Unavailable,
                          "sync is not configured: no microsoft365 tenant or no mailboxes");
}

}  // namespace

std::string meetingsToJson(const std::string& upn, const std::vector<core::Meeting>& meetings) {
    Poco::JSON::Object root(Poco::JSON_PRESERVE_KEY_ORDER);
    root.set("upn", upn);
    Poco::JSON::Array::Ptr list = new Poco::JSON::Array;
    for (const core::Meeting& m : meetings) {
        Poco::JSON::Object::Ptr o = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
        o->set("id", m.id);
        o->set("type", std::string(core::meetingTypeName(m.type)));
        o->set("series_master_id", m.series_master_id);
        o->set("start", common::formatIsoUtc(m.start));
        o->set("end", common::formatIsoUtc(m.end));
        o->set("is_all_day", m.is_all_day);
        o->set("is_cancelled", m.is_cancelled);
        o->set("subject", m.subject);
        o->set("change_key", m.change_key);
        list->add(o);
    }
    root.set("meetings", list);
    std::ostringstream out;
    root.stringify(out);
    return out.str();
}

std::vector<api::MailboxStatusRow> mailboxRows(sync::SyncService& service) {
    std::vector<api::MailboxStatusRow> rows;
    auto status = service.status();
    if (!status) return rows;
    for (const auto& s : *status) {
        api::MailboxStatusRow row;
        row.upn = s.upn;
        row.state = s.state;
        row.reason = s.reason;
        row.error = s.error;
        row.events = static_cast<int64_t>(s.events);
        row.last_sync = s.last_sync;
        rows.push_back(std::move(row));
    }
    return rows;
}

void addMailboxRoutes(api::Router& router, sync::SyncService* service) {
    router.add("GET", "/v1/mailboxes", [service](const api::ApiRequest&) {
        if (!service) return notConfigured();
        auto status = service->status();
        if (!status) return api::jsonError(500, status.error().code, status.error().message);
        return api::ApiResponse{200, "application/json",
                                api::mailboxesToJson(mailboxRows(*service))};
    });
    router.add("POST", "/v1/resync", [service](const api::ApiRequest&) {
        if (!service) return notConfigured();
        service->resyncAll();
        return done({}, "full resync of every mailbox scheduled");
    });
    router.add("POST", "/v1/mailboxes/{upn}/resync", [service](const api::ApiRequest& request) {
        if (!service) return notConfigured();
        const std::string& upn = request.params.at("upn");
        return done(service->resync(upn), "full resync of " + upn + " scheduled");
    });
    router.add("GET", "/v1/mailboxes/{upn}/meetings", [service](const api::ApiRequest& request) {
        if (!service) return notConfigured();
        const std::string& upn = request.params.at("upn");
        auto meetings = service->dump(upn);
        if (!meetings) {
            return api::jsonError(httpStatusFor(meetings.error().code), meetings.error().code,
                                  meetings.error().message + " (" + upn + ")");
        }
        return api::ApiResponse{200, "application/json", meetingsToJson(upn, *meetings)};
    });
    router.add("POST", "/v1/mailboxes/{upn}", [service](const api::ApiRequest& request) {
        if (!service) return notConfigured();
        const std::string& upn = request.params.at("upn");
        return done(service->addMailbox(upn), "mailbox " + upn + " added");
    });
    router.add("DELETE", "/v1/mailboxes/{upn}", [service](const api::ApiRequest& request) {
        if (!service) return notConfigured();
        const std::string& upn = request.params.at("upn");
        return done(service->removeMailbox(upn), "mailbox " + upn + " removed");
    });
}

}  // namespace calconn::app
