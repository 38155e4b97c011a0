#include "graph/Decoders.h"

#include <simdjson.h>

#include <charconv>

#include "graph/TimeZones.h"
#include "net/RetryPolicy.h"

namespace calconn::graph {

using common::Error;
using common::ErrorCode;
using common::makeError;
using common::Result;
using common::Status;
using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::element_type;
using simdjson::dom::object;

namespace {

simdjson::dom::parser& parser() {
    // One parser per thread: its buffers are reused across pages, and documents are copied
    // into our own structs before the next parse.
    thread_local simdjson::dom::parser instance;
    return instance;
}

Result<element> parse(std::string_view json) {
    auto result = parser().parse(json.data(), json.size(), true);
    if (result.error()) {
        return makeError(ErrorCode::Protocol,
                         std::string("invalid json: ") + simdjson::error_message(result.error()));
    }
    return result.value_unsafe();
}

Error typeError(std::string_view path, std::string_view expected) {
    return makeError(ErrorCode::Protocol,
                     "field " + std::string(path) + ": expected " + std::string(expected));
}

std::string join(std::string_view parent, std::string_view key) {
    if (parent.empty()) return std::string(key);
    return std::string(parent) + "." + std::string(key);
}

// Each helper leaves `out` untouched when the field is absent or null, and fails on a wrong
// type. Graph sends null for unset optional values.
bool present(object o, std::string_view key, element& value) {
    auto found = o.at_key(key);
    if (found.error()) return false;
    value = found.value_unsafe();
    return !value.is_null();
}

Status getString(object o, std::string_view key, std::string& out, std::string_view path) {
    element value;
    if (!present(o, key, value)) return {};
    std::string_view s;
    if (value.get_string().get(s)) return typeError(join(path, key), "string");
    out.assign(s);
    return {};
}

Status getBool(object o, std::string_view key, bool& out, std::string_view path) {
    element value;
    if (!present(o, key, value)) return {};
    if (value.get_bool().get(out)) return typeError(join(path, key), "boolean");
    return {};
}

Status getInt(object o, std::string_view key, int& out, std::string_view path) {
    element value;
    if (!present(o, key, value)) return {};
    int64_t n = 0;
    if (value.get_int64().get(n) || n < INT32_MIN || n > INT32_MAX) {
        return typeError(join(path, key), "integer");
    }
    out = static_cast<int>(n);
    return {};
}

Status getObject(object o, std::string_view key, std::optional<object>& out,
                 std::string_view path) {
    element value;
    if (!present(o, key, value)) return {};
    object obj;
    if (value.get_object().get(obj)) return typeError(join(path, key), "object");
    out = obj;
    return {};
}

Status getArray(object o, std::string_view key, std::optional<array>& out, std::string_view path) {
    element value;
    if (!present(o, key, value)) return {};
    array arr;
    if (value.get_array().get(arr)) return typeError(join(path, key), "array");
    out = arr;
    return {};
}

Status getStringArray(object o, std::string_view key, std::vector<std::string>& out,
                      std::string_view path) {
    std::optional<array> arr;
    if (auto s = getArray(o, key, arr, path); !s) return s;
    if (!arr) return {};
    for (element item : *arr) {
        std::string_view s;
        if (item.get_string().get(s)) return typeError(join(path, key) + "[]", "string");
        out.emplace_back(s);
    }
    return {};
}

// DateTimeOffset strings ("2024-01-01T00:00:00Z").
Status getTimestamp(object o, std::string_view key, std::optional<TimePoint>& out,
                    std::string_view path) {
    std::string text;
    if (auto s = getString(o, key, text, path); !s) return s;
    // Graph writes 0001-01-01T00:00:00Z for "never".
    if (text.empty() || text.rfind("0001-01-01", 0) == 0) return {};
    auto tp = parseIsoDateTime(text);
    if (!tp)
        return makeError(ErrorCode::Protocol,
                         "field " + join(path, key) + ": " + tp.error().message);
    out = *tp;
    return {};
}

// dateTimeTimeZone objects, converted to UTC.
// `default_zone` applies when the value names no zone (mailbox settings fall back to the
// mailbox's time zone); without one, a value without a zone is UTC.
Status getDateTimeTimeZone(object o, std::string_view key, std::optional<TimePoint>& out,
                           std::string* zone_out, std::string_view path,
                           std::string_view default_zone = {}) {
    std::optional<object> dtz;
    const std::string here = join(path, key);
    if (auto s = getObject(o, key, dtz, path); !s) return s;
    if (!dtz) return {};
    std::string date_time, zone;
    if (auto s = getString(*dtz, "dateTime", date_time, here); !s) return s;
    if (auto s = getString(*dtz, "timeZone", zone, here); !s) return s;
    if (date_time.empty())
        return makeError(ErrorCode::Protocol, "field " + here + ".dateTime missing");
    if (date_time.rfind("0001-01-01", 0) == 0) return {};  // "unset" in mailbox settings
    if (zone.empty()) zone = default_zone;
    auto utc = toUtc(date_time, zone);
    if (!utc) {
        return makeError(utc.error().code == ErrorCode::InvalidArgument ? ErrorCode::InvalidArgument
                                                                        : ErrorCode::Protocol,
                         "field " + here + ": " + utc.error().message, utc.error().context);
    }
    out = *utc;
    if (zone_out != nullptr) *zone_out = zone;
    return {};
}

Status decodeEmail(object o, EmailAddress& out, std::string_view path) {
    std::optional<object> email;
    if (auto s = getObject(o, "emailAddress", email, path); !s) return s;
    if (!email) return {};
    const std::string here = join(path, "emailAddress");
    if (auto s = getString(*email, "name", out.name, here); !s) return s;
    return getString(*email, "address", out.address, here);
}

Status decodeLocation(object o, Location& out, std::string_view path) {
    for (auto [key, field] : {std::pair{"displayName", &out.display_name},
                              {"locationType", &out.location_type},
                              {"locationUri", &out.location_uri},
                              {"locationEmailAddress", &out.location_email},
                              {"uniqueId", &out.unique_id},
                              {"uniqueIdType", &out.unique_id_type}}) {
        if (auto s = getString(o, key, *field, path); !s) return s;
    }
    return {};
}

EventType parseEventType(std::string_view s) {
    if (net::equalsIgnoreCase(s, "singleInstance")) return EventType::SingleInstance;
    if (net::equalsIgnoreCase(s, "occurrence")) return EventType::Occurrence;
    if (net::equalsIgnoreCase(s, "exception")) return EventType::Exception;
    if (net::equalsIgnoreCase(s, "seriesMaster")) return EventType::SeriesMaster;
    return EventType::Unknown;
}

#define CALCONN_TRY(expr)            \
    do {                             \
        if (auto _s = (expr); !_s) { \
            return _s.error();       \
        }                            \
    } while (false)

Result<Event> decodeEventObject(object o, std::string_view path) {
    Event e;
    CALCONN_TRY(getString(o, "id", e.id, path));
    if (e.id.empty()) return makeError(ErrorCode::Protocol, "event without id", std::string(path));
    CALCONN_TRY(getString(o, "@odata.etag", e.etag, path));
    CALCONN_TRY(getString(o, "changeKey", e.change_key, path));
    CALCONN_TRY(getString(o, "iCalUId", e.ical_uid, path));
    CALCONN_TRY(getString(o, "seriesMasterId", e.series_master_id, path));
    CALCONN_TRY(getString(o, "transactionId", e.transaction_id, path));
    std::string type;
    CALCONN_TRY(getString(o, "type", type, path));
    e.type = type.empty() ? EventType::Unknown : parseEventType(type);
    if (type.empty()) e.type = EventType::SingleInstance;

    element ignored;
    e.bare = e.type == EventType::Occurrence && !present(o, "subject", ignored);

    CALCONN_TRY(getString(o, "subject", e.subject, path));
    std::optional<object> body;
    CALCONN_TRY(getObject(o, "body", body, path));
    if (body) {
        const std::string here = join(path, "body");
        CALCONN_TRY(getString(*body, "contentType", e.body_content_type, here));
        CALCONN_TRY(getString(*body, "content", e.body, here));
    }
    CALCONN_TRY(getString(o, "bodyPreview", e.body_preview, path));
    CALCONN_TRY(getDateTimeTimeZone(o, "start", e.start, &e.start_time_zone, path));
    CALCONN_TRY(getDateTimeTimeZone(o, "end", e.end, nullptr, path));
    CALCONN_TRY(getString(o, "originalStartTimeZone", e.original_start_time_zone, path));
    CALCONN_TRY(getString(o, "originalEndTimeZone", e.original_end_time_zone, path));
    CALCONN_TRY(getTimestamp(o, "originalStart", e.original_start, path));
    CALCONN_TRY(getTimestamp(o, "createdDateTime", e.created, path));
    CALCONN_TRY(getTimestamp(o, "lastModifiedDateTime", e.last_modified, path));
    CALCONN_TRY(getBool(o, "isAllDay", e.is_all_day, path));
    CALCONN_TRY(getBool(o, "isCancelled", e.is_cancelled, path));
    CALCONN_TRY(getBool(o, "isOnlineMeeting", e.is_online_meeting, path));
    CALCONN_TRY(getBool(o, "isOrganizer", e.is_organizer, path));
    CALCONN_TRY(getBool(o, "isDraft", e.is_draft, path));
    CALCONN_TRY(getBool(o, "responseRequested", e.response_requested, path));
    CALCONN_TRY(getBool(o, "allowNewTimeProposals", e.allow_new_time_proposals, path));
    CALCONN_TRY(getBool(o, "hideAttendees", e.hide_attendees, path));
    CALCONN_TRY(getString(o, "onlineMeetingProvider", e.online_meeting_provider, path));
    CALCONN_TRY(getString(o, "onlineMeetingUrl", e.online_meeting_url, path));
    std::optional<object> online;
    CALCONN_TRY(getObject(o, "onlineMeeting", online, path));
    if (online) {
        const std::string here = join(path, "onlineMeeting");
        OnlineMeetingInfo info;
        CALCONN_TRY(getString(*online, "joinUrl", info.join_url, here));
        CALCONN_TRY(getString(*online, "conferenceId", info.conference_id, here));
        CALCONN_TRY(getString(*online, "tollNumber", info.toll_number, here));
        CALCONN_TRY(getString(*online, "quickDial", info.quick_dial, here));
        e.online_meeting = std::move(info);
    }
    std::optional<object> location;
    CALCONN_TRY(getObject(o, "location", location, path));
    if (location) {
        Location loc;
        CALCONN_TRY(decodeLocation(*location, loc, join(path, "location")));
        e.location = std::move(loc);
    }
    std::optional<array> locations;
    CALCONN_TRY(getArray(o, "locations", locations, path));
    if (locations) {
        const std::string here = join(path, "locations[]");
        for (element item : *locations) {
            object lo;
            if (item.get_object().get(lo)) return typeError(here, "object");
            Location loc;
            CALCONN_TRY(decodeLocation(lo, loc, here));
            e.locations.push_back(std::move(loc));
        }
    }
    std::optional<object> organizer;
    CALCONN_TRY(getObject(o, "organizer", organizer, path));
    if (organizer) {
        EmailAddress email;
        CALCONN_TRY(decodeEmail(*organizer, email, join(path, "organizer")));
        e.organizer = std::move(email);
    }
    std::optional<array> attendees;
    CALCONN_TRY(getArray(o, "attendees", attendees, path));
    if (attendees) {
        const std::string here = join(path, "attendees[]");
        for (element item : *attendees) {
            object ao;
            if (item.get_object().get(ao)) return typeError(here, "object");
            Attendee a;
            CALCONN_TRY(getString(ao, "type", a.type, here));
            CALCONN_TRY(decodeEmail(ao, a.email, here));
            std::optional<object> status;
            CALCONN_TRY(getObject(ao, "status", status, here));
            if (status) {
                CALCONN_TRY(getString(*status, "response", a.response, here + ".status"));
                CALCONN_TRY(getTimestamp(*status, "time", a.response_time, here + ".status"));
            }
            e.attendees.push_back(std::move(a));
        }
    }
    std::optional<object> response_status;
    CALCONN_TRY(getObject(o, "responseStatus", response_status, path));
    if (response_status) {
        CALCONN_TRY(
            getString(*response_status, "response", e.response, join(path, "responseStatus")));
    }
    CALCONN_TRY(getString(o, "sensitivity", e.sensitivity, path));
    CALCONN_TRY(getString(o, "showAs", e.show_as, path));
    CALCONN_TRY(getString(o, "importance", e.importance, path));
    CALCONN_TRY(getStringArray(o, "categories", e.categories, path));
    CALCONN_TRY(getStringArray(o, "cancelledOccurrences", e.cancelled_occurrences, path));
    CALCONN_TRY(getString(o, "webLink", e.web_link, path));
    std::optional<array> properties;
    CALCONN_TRY(getArray(o, "singleValueExtendedProperties", properties, path));
    if (properties) {
        const std::string here = join(path, "singleValueExtendedProperties[]");
        for (element item : *properties) {
            object po;
            if (item.get_object().get(po)) return typeError(here, "object");
            ExtendedProperty property;
            CALCONN_TRY(getString(po, "id", property.id, here));
            CALCONN_TRY(getString(po, "value", property.value, here));
            e.single_value_extended_properties.push_back(std::move(property));
        }
    }
    std::optional<object> recurrence;
    CALCONN_TRY(getObject(o, "recurrence", recurrence, path));
    if (recurrence) {
        Recurrence r;
        const std::string here = join(path, "recurrence");
        std::optional<object> pattern, range;
        CALCONN_TRY(getObject(*recurrence, "pattern", pattern, here));
        CALCONN_TRY(getObject(*recurrence, "range", range, here));
        if (pattern) {
            const std::string p = here + ".pattern";
            CALCONN_TRY(getString(*pattern, "type", r.pattern.type, p));
            CALCONN_TRY(getInt(*pattern, "interval", r.pattern.interval, p));
            CALCONN_TRY(getStringArray(*pattern, "daysOfWeek", r.pattern.days_of_week, p));
            CALCONN_TRY(getInt(*pattern, "dayOfMonth", r.pattern.day_of_month, p));
            CALCONN_TRY(getInt(*pattern, "month", r.pattern.month, p));
            CALCONN_TRY(getString(*pattern, "firstDayOfWeek", r.pattern.first_day_of_week, p));
            CALCONN_TRY(getString(*pattern, "index", r.pattern.index, p));
        }
        if (range) {
            const std::string p = here + ".range";
            CALCONN_TRY(getString(*range, "type", r.range.type, p));
            CALCONN_TRY(getString(*range, "startDate", r.range.start_date, p));
            CALCONN_TRY(getString(*range, "endDate", r.range.end_date, p));
            CALCONN_TRY(getInt(*range, "numberOfOccurrences", r.range.number_of_occurrences, p));
            CALCONN_TRY(getString(*range, "recurrenceTimeZone", r.range.recurrence_time_zone, p));
        }
        e.recurrence = std::move(r);
    }
    return e;
}

Result<object> rootObject(std::string_view json) {
    auto root = parse(json);
    if (!root) return root.error();
    object o;
    if (root->get_object().get(o))
        return makeError(ErrorCode::Protocol, "json root is not an object");
    return o;
}

std::string lowerCamel(std::string s) {
    if (!s.empty()) s[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[0])));
    return s;
}

}  // namespace

Result<Event> decodeEvent(std::string_view json) {
    auto o = rootObject(json);
    if (!o) return o.error();
    return decodeEventObject(*o, "");
}

Result<EventPage> decodeEventPage(std::string_view json) {
    auto o = rootObject(json);
    if (!o) return o.error();
    EventPage page;
    std::optional<array> value;
    CALCONN_TRY(getArray(*o, "value", value, ""));
    if (!value) return makeError(ErrorCode::Protocol, "collection page without value");
    std::size_t index = 0;
    for (element item : *value) {
        const std::string path = "value[" + std::to_string(index++) + "]";
        object eo;
        if (item.get_object().get(eo)) return typeError(path, "object");
        auto event = decodeEventObject(eo, path);
        if (!event) return event.error();
        page.events.push_back(std::move(*event));
    }
    CALCONN_TRY(getString(*o, "@odata.nextLink", page.next_link, ""));
    return page;
}

Result<DeltaPage> decodeDeltaPage(std::string_view json) {
    auto o = rootObject(json);
    if (!o) return o.error();
    DeltaPage page;
    std::optional<array> value;
    CALCONN_TRY(getArray(*o, "value", value, ""));
    if (!value) return makeError(ErrorCode::Protocol, "delta page without value");
    std::size_t index = 0;
    for (element item : *value) {
        const std::string path = "value[" + std::to_string(index++) + "]";
        object eo;
        if (item.get_object().get(eo)) return typeError(path, "object");
        DeltaEntry entry;
        element removed;
        if (present(eo, "@removed", removed)) {
            entry.removed = true;
            object ro;
            if (removed.get_object().get(ro)) return typeError(path + ".@removed", "object");
            CALCONN_TRY(getString(ro, "reason", entry.removed_reason, path + ".@removed"));
            CALCONN_TRY(getString(eo, "id", entry.event.id, path));
            if (entry.event.id.empty()) {
                return makeError(ErrorCode::Protocol, "tombstone without id", path);
            }
        } else {
            auto event = decodeEventObject(eo, path);
            if (!event) return event.error();
            entry.event = std::move(*event);
        }
        page.entries.push_back(std::move(entry));
    }
    CALCONN_TRY(getString(*o, "@odata.nextLink", page.next_link, ""));
    CALCONN_TRY(getString(*o, "@odata.deltaLink", page.delta_link, ""));
    if (page.next_link.empty() == page.delta_link.empty()) {
        return makeError(ErrorCode::Protocol, page.next_link.empty()
                                                  ? "delta page has neither nextLink nor deltaLink"
                                                  : "delta page has both nextLink and deltaLink");
    }
    return page;
}

Result<MailboxSettings> decodeMailboxSettings(std::string_view json) {
    auto o = rootObject(json);
    if (!o) return o.error();
    MailboxSettings settings;
    CALCONN_TRY(getString(*o, "timeZone", settings.time_zone, ""));
    std::optional<object> replies;
    CALCONN_TRY(getObject(*o, "automaticRepliesSetting", replies, ""));
    if (replies) {
        auto& r = settings.automatic_replies;
        const std::string p = "automaticRepliesSetting";
        CALCONN_TRY(getString(*replies, "status", r.status, p));
        CALCONN_TRY(getString(*replies, "externalAudience", r.external_audience, p));
        // The docs show both "scheduled" and "Scheduled"; normalise to the CSDL's lowerCamel.
        r.status = lowerCamel(r.status);
        r.external_audience = lowerCamel(r.external_audience);
        CALCONN_TRY(getDateTimeTimeZone(*replies, "scheduledStartDateTime", r.scheduled_start,
                                        &r.scheduled_start_time_zone, p, settings.time_zone));
        CALCONN_TRY(getDateTimeTimeZone(*replies, "scheduledEndDateTime", r.scheduled_end,
                                        &r.scheduled_end_time_zone, p, settings.time_zone));
        CALCONN_TRY(getString(*replies, "internalReplyMessage", r.internal_reply_message, p));
        CALCONN_TRY(getString(*replies, "externalReplyMessage", r.external_reply_message, p));
    }
    std::optional<object> language;
    CALCONN_TRY(getObject(*o, "language", language, ""));
    if (language) {
        CALCONN_TRY(getString(*language, "locale", settings.locale, "language"));
        CALCONN_TRY(
            getString(*language, "displayName", settings.language_display_name, "language"));
    }
    std::optional<object> purpose;
    CALCONN_TRY(getObject(*o, "userPurpose", purpose, ""));
    if (purpose) CALCONN_TRY(getString(*purpose, "value", settings.user_purpose, "userPurpose"));
    return settings;
}

Result<Subscription> decodeSubscription(std::string_view json) {
    auto o = rootObject(json);
    if (!o) return o.error();
    Subscription s;
    CALCONN_TRY(getString(*o, "id", s.id, ""));
    if (s.id.empty()) return makeError(ErrorCode::Protocol, "subscription without id");
    CALCONN_TRY(getString(*o, "resource", s.resource, ""));
    CALCONN_TRY(getString(*o, "changeType", s.change_type, ""));
    CALCONN_TRY(getString(*o, "clientState", s.client_state, ""));
    CALCONN_TRY(getString(*o, "notificationUrl", s.notification_url, ""));
    CALCONN_TRY(getString(*o, "lifecycleNotificationUrl", s.lifecycle_notification_url, ""));
    CALCONN_TRY(getTimestamp(*o, "expirationDateTime", s.expiration, ""));
    CALCONN_TRY(getString(*o, "applicationId", s.application_id, ""));
    CALCONN_TRY(getString(*o, "creatorId", s.creator_id, ""));
    return s;
}

Result<TokenResponse> decodeTokenResponse(std::string_view json) {
    auto o = rootObject(json);
    if (!o) return o.error();
    TokenResponse t;
    CALCONN_TRY(getString(*o, "access_token", t.access_token, ""));
    CALCONN_TRY(getString(*o, "token_type", t.token_type, ""));
    CALCONN_TRY(getString(*o, "refresh_token", t.refresh_token, ""));
    CALCONN_TRY(getString(*o, "scope", t.scope, ""));
    if (t.access_token.empty())
        return makeError(ErrorCode::Protocol, "token response without access_token");
    if (!t.token_type.empty() && !net::equalsIgnoreCase(t.token_type, "Bearer")) {
        return makeError(ErrorCode::Protocol, "token type is not bearer", t.token_type);
    }
    // v2.0 sends a number, the old v1 endpoint a string: accept both, nothing else.
    element value;
    if (!present(*o, "expires_in", value)) {
        return makeError(ErrorCode::Protocol, "token response without expires_in");
    }
    int64_t seconds = 0;
    std::string_view text;
    double real = 0;
    if (!value.get_int64().get(seconds)) {
    } else if (!value.get_double().get(real)) {
        seconds = static_cast<int64_t>(real);
    } else if (!value.get_string().get(text)) {
        auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
        if (ec != std::errc{} || ptr != text.data() + text.size())
            return typeError("expires_in", "number");
    } else {
        return typeError("expires_in", "number");
    }
    if (seconds <= 0 || seconds > 366LL * 24 * 3600) {
        return makeError(ErrorCode::Protocol, "token expires_in out of range");
    }
    t.expires_in = std::chrono::seconds(seconds);
    return t;
}

bool isResyncCode(std::string_view code) {
    for (const char* c : {"syncStateNotFound", "resyncRequired", "ErrorSyncStateNotFound",
                          "ErrorInvalidSyncStateData", "syncStateInvalid"}) {
        if (net::equalsIgnoreCase(code, c)) return true;
    }
    return false;
}

namespace {

void collectInner(object o, GraphError& out, int depth) {
    if (depth > 8) return;  // hostile nesting
    for (const char* key : {"innerError", "innererror"}) {
        element inner;
        if (!present(o, key, inner)) continue;
        object io;
        if (inner.get_object().get(io)) continue;
        std::string code;
        if (getString(io, "code", code, "") && !code.empty()) out.inner_codes.push_back(code);
        if (out.request_id.empty()) (void)getString(io, "request-id", out.request_id, "");
        if (out.client_request_id.empty()) {
            (void)getString(io, "client-request-id", out.client_request_id, "");
        }
        collectInner(io, out, depth + 1);
        return;
    }
}

bool anyCode(const GraphError& e, std::initializer_list<const char*> codes) {
    for (const char* c : codes) {
        if (net::equalsIgnoreCase(e.code, c)) return true;
        for (const auto& inner : e.inner_codes) {
            if (net::equalsIgnoreCase(inner, c)) return true;
        }
    }
    return false;
}

GraphErrorKind classify(const GraphError& e) {
    const int s = e.http_status;
    if (anyCode(e, {"MailboxNotEnabledForRESTAPI"})) return GraphErrorKind::MailboxNotEnabled;
    if (s == 410 || (s >= 400 && s < 500 && (isResyncCode(e.code) || [&] {
                         for (const auto& c : e.inner_codes) {
                             if (isResyncCode(c)) return true;
                         }
                         return false;
                     }()))) {
        return GraphErrorKind::SyncStateGone;
    }
    if (s == 401) return GraphErrorKind::TokenExpired;
    if (s == 403) {
        if (e.message.find("[RAOP]") != std::string::npos ||
            e.message.find("AccessPolicy") != std::string::npos) {
            return GraphErrorKind::OutOfPolicyScope;
        }
        return GraphErrorKind::AccessDenied;
    }
    if (s == 404) {
        if (anyCode(e, {"ErrorInvalidUser", "ResourceNotFound", "Request_ResourceNotFound",
                        "ErrorNonExistentMailbox"})) {
            return GraphErrorKind::UserNotFound;
        }
        return GraphErrorKind::ItemNotFound;
    }
    if (s == 409 || s == 412) return GraphErrorKind::Conflict;
    if (s == 429) return GraphErrorKind::Throttled;
    if (s >= 500) return GraphErrorKind::ServiceUnavailable;
    if (s >= 400) return GraphErrorKind::BadRequest;
    return GraphErrorKind::Other;
}

ErrorCode codeFor(GraphErrorKind kind, int status) {
    switch (kind) {
        case GraphErrorKind::TokenExpired:
        case GraphErrorKind::CredentialsInvalid:
        case GraphErrorKind::ReauthRequired:
            return ErrorCode::Unauthenticated;
        case GraphErrorKind::AccessDenied:
        case GraphErrorKind::OutOfPolicyScope:
        case GraphErrorKind::ConsentMissing:
            return ErrorCode::PermissionDenied;
        case GraphErrorKind::MailboxNotEnabled:
        case GraphErrorKind::UserNotFound:
        case GraphErrorKind::ItemNotFound:
        case GraphErrorKind::TenantNotFound:
            return ErrorCode::NotFound;
        case GraphErrorKind::SyncStateGone:
            return ErrorCode::Gone;
        case GraphErrorKind::Conflict:
            return ErrorCode::Conflict;
        case GraphErrorKind::Throttled:
            return ErrorCode::Throttled;
        case GraphErrorKind::ServiceUnavailable:
            return ErrorCode::Unavailable;
        case GraphErrorKind::BadRequest:
            return ErrorCode::InvalidArgument;
        case GraphErrorKind::None:
        case GraphErrorKind::Other:
            break;
    }
    if (status == 429) return ErrorCode::Throttled;
    if (status >= 500) return ErrorCode::Unavailable;
    return ErrorCode::Protocol;
}

}  // namespace

GraphError decodeGraphError(int http_status, std::string_view body,
                            const net::HttpHeaders& headers) {
    GraphError e;
    e.http_status = http_status;
    if (auto id = headers.get("request-id")) e.request_id = *id;
    if (auto id = headers.get("client-request-id")) e.client_request_id = *id;
    if (auto ra = headers.get("Retry-After")) {
        e.retry_after = net::parseRetryAfter(*ra, std::chrono::system_clock::now());
    }
    auto root = rootObject(body);
    if (root) {
        element error;
        object eo;
        if (present(*root, "error", error) && !error.get_object().get(eo)) {
            (void)getString(eo, "code", e.code, "");
            (void)getString(eo, "message", e.message, "");
            collectInner(eo, e, 0);
        }
    }
    e.kind = classify(e);
    return e;
}

TokenError decodeTokenError(int http_status, std::string_view body) {
    TokenError t;
    t.http_status = http_status;
    auto root = rootObject(body);
    if (root) {
        (void)getString(*root, "error", t.error, "");
        (void)getString(*root, "error_description", t.description, "");
        (void)getString(*root, "trace_id", t.trace_id, "");
        (void)getString(*root, "correlation_id", t.correlation_id, "");
        element codes;
        array arr;
        if (present(*root, "error_codes", codes) && !codes.get_array().get(arr)) {
            for (element c : arr) {
                int64_t n;
                if (!c.get_int64().get(n)) t.codes.push_back(n);
            }
        }
    }
    auto has = [&](std::initializer_list<long long> wanted) {
        for (long long w : wanted) {
            for (long long c : t.codes) {
                if (c == w) return true;
            }
            // Some proxies strip error_codes; the description still starts with AADSTSnnnn.
            if (t.description.find("AADSTS" + std::to_string(w) + ":") != std::string::npos) {
                return true;
            }
        }
        return false;
    };
    if (has({65001, 65004, 90094, 700016}) || t.error == "consent_required" ||
        t.error == "unauthorized_client") {
        t.kind = GraphErrorKind::ConsentMissing;
    } else if (has({90002})) {
        t.kind = GraphErrorKind::TenantNotFound;
    } else if (has({7000215, 7000222, 700027, 700024, 7000216}) || t.error == "invalid_client") {
        t.kind = GraphErrorKind::CredentialsInvalid;
    } else if (has({700082, 50173, 70008, 54005, 50076, 50079}) || t.error == "invalid_grant" ||
               t.error == "interaction_required") {
        t.kind = GraphErrorKind::ReauthRequired;
    } else if (http_status == 429) {
        t.kind = GraphErrorKind::Throttled;
    } else if (http_status >= 500) {
        t.kind = GraphErrorKind::ServiceUnavailable;
    } else if (http_status >= 400) {
        t.kind = GraphErrorKind::BadRequest;
    }
    return t;
}

Error toError(const GraphError& e) {
    std::string message = "graph answered " + std::to_string(e.http_status);
    if (!e.code.empty()) message += " " + e.code;
    if (e.kind == GraphErrorKind::OutOfPolicyScope)
        message += ": mailbox out of application access policy scope";
    else if (e.kind == GraphErrorKind::MailboxNotEnabled)
        message += ": mailbox not enabled for rest (unlicensed, inactive or on-premises)";
    else if (!e.message.empty())
        message += ": " + e.message.substr(0, 200);
    std::string context = "kind=" + std::string(errorKindName(e.kind));
    if (!e.code.empty()) context += " code=" + e.code;
    if (!e.request_id.empty()) context += " request-id=" + e.request_id;
    if (e.retry_after) context += " retry-after-ms=" + std::to_string(e.retry_after->count());
    return makeError(codeFor(e.kind, e.http_status), std::move(message), std::move(context));
}

Error toError(const TokenError& t) {
    std::string message = "token endpoint answered " + std::to_string(t.http_status);
    if (!t.error.empty()) message += " " + t.error;
    if (!t.codes.empty()) message += " AADSTS" + std::to_string(t.codes.front());
    std::string context = "kind=" + std::string(errorKindName(t.kind));
    if (!t.trace_id.empty()) context += " trace-id=" + t.trace_id;
    if (!t.correlation_id.empty()) context += " correlation-id=" + t.correlation_id;
    return makeError(codeFor(t.kind, t.http_status), std::move(message), std::move(context));
}

std::string graphCodeOf(const Error& error) {
    const std::string_view context = error.context;
    const auto start = context.find(" code=");
    if (start == std::string_view::npos) return {};
    const auto value = context.substr(start + 6);
    return std::string(value.substr(0, value.find(' ')));
}

std::optional<std::chrono::milliseconds> retryAfterOf(const Error& error) {
    const std::string_view context = error.context;
    const auto start = context.find(" retry-after-ms=");
    if (start == std::string_view::npos) return std::nullopt;
    const auto value = context.substr(start + 16);
    long long ms = 0;
    auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), ms);
    if (ec != std::errc{} || ms < 0) return std::nullopt;
    return std::chrono::milliseconds(ms);
}

GraphErrorKind errorKindOf(const Error& error) {
    const std::string_view context = error.context;
    if (context.rfind("kind=", 0) != 0) return GraphErrorKind::None;
    const auto end = context.find(' ');
    const auto name = context.substr(5, end == std::string_view::npos ? end : end - 5);
    for (int k = 0; k <= static_cast<int>(GraphErrorKind::Other); ++k) {
        if (errorKindName(static_cast<GraphErrorKind>(k)) == name) {
            return static_cast<GraphErrorKind>(k);
        }
    }
    return GraphErrorKind::Other;
}

std::string_view errorKindName(GraphErrorKind kind) {
    switch (kind) {
        case GraphErrorKind::None:
            return "none";
        case GraphErrorKind::TokenExpired:
            return "token_expired";
        case GraphErrorKind::AccessDenied:
            return "access_denied";
        case GraphErrorKind::OutOfPolicyScope:
            return "out_of_policy_scope";
        case GraphErrorKind::MailboxNotEnabled:
            return "mailbox_not_enabled";
        case GraphErrorKind::UserNotFound:
            return "user_not_found";
        case GraphErrorKind::ItemNotFound:
            return "item_not_found";
        case GraphErrorKind::SyncStateGone:
            return "sync_state_gone";
        case GraphErrorKind::Conflict:
            return "conflict";
        case GraphErrorKind::Throttled:
            return "throttled";
        case GraphErrorKind::ServiceUnavailable:
            return "service_unavailable";
        case GraphErrorKind::BadRequest:
            return "bad_request";
        case GraphErrorKind::ConsentMissing:
            return "consent_missing";
        case GraphErrorKind::CredentialsInvalid:
            return "credentials_invalid";
        case GraphErrorKind::ReauthRequired:
            return "reauth_required";
        case GraphErrorKind::TenantNotFound:
            return "tenant_not_found";
        case GraphErrorKind::Other:
            return "other";
    }
    return "other";
}

std::string_view eventTypeName(EventType type) {
    switch (type) {
        case EventType::SingleInstance:
            return "singleInstance";
        case EventType::Occurrence:
            return "occurrence";
        case EventType::Exception:
            return "exception";
        case EventType::SeriesMaster:
            return "seriesMaster";
        case EventType::Unknown:
            return "unknown";
    }
    return "unknown";
}

}  // namespace calconn::graph
