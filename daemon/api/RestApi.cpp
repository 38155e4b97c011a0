#include "api/RestApi.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/ParseHandler.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Logger.h>

#include <algorithm>
#include <charconv>
#include <sstream>

#include "api/ETag.h"
#include "api/MeetingJson.h"
#include "api/OpenApi.h"
#include "common/IsoTime.h"
#include "common/Metrics.h"
#include "platform/Logging.h"

namespace calconn::api {

namespace {

using common::ErrorCode;
using std::chrono::seconds;

constexpr const char* kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";
// What the event stream says first: reconnect after 5 s, and a comment so that clients (and
// tests) see the stream is open before any event.
constexpr const char* kStreamPreamble = "retry: 5000\n\n: connected\n\n";

ApiResponse notConfigured(const std::string& what) {
    return jsonError(503, ErrorCode::Unavailable, what + " is not configured");
}

// 400 with a message, or the window [from, to) of a list request.
struct Window {
    core::UtcSeconds from{};
    core::UtcSeconds to{};
};

// Sets `into` from the query parameter `name` when it is given; `example` shows the format.
common::Status readTimeParameter(const ApiRequest& request, const std::string& name,
                                 const std::string& example, core::UtcSeconds& into) {
    const auto it = request.query.find(name);
    if (it == request.query.end()) return {};
    const auto time = common::parseIsoUtc(it->second);
    if (!time) {
        return common::makeError(ErrorCode::InvalidArgument,
                                 name + " must be an ISO 8601 time, e.g. " + example);
    }
    into = *time;
    return {};
}

common::Result<Window> requestWindow(const ApiRequest& request, common::TimePoint now,
                                     seconds default_length) {
    Window window;
    // Rounded to the minute, so that a client polling without from/to gets the same body (and
    // ETag) for a minute while nothing changes.
    window.from = std::chrono::floor<std::chrono::minutes>(now);
    if (auto status = readTimeParameter(request, "from", "2026-03-02T09:00:00Z", window.from);
        !status) {
        return status.error();
    }
    window.to = window.from + default_length;
    if (auto status = readTimeParameter(request, "to", "2026-03-09T09:00:00Z", window.to); !status) {
        return status.error();
    }
    if (window.to <= window.from) {
        return common::makeError(ErrorCode::InvalidArgument, "to must be later than from");
    }
    if (window.to - window.from > kMaxWindow) {
        return common::makeError(ErrorCode::InvalidArgument,
                                 "the window from..to may span at most 92 days");
    }
    return window;
}

std::optional<std::uint64_t> lastEventId(const ApiRequest& request) {
    const auto it = request.headers.find("last-event-id");
    if (it == request.headers.end()) return std::nullopt;
    std::uint64_t value = 0;
    const char* begin = it->second.data();
    const char* end = begin + it->second.size();
    const auto [ptr, ec] = std::from_chars(begin, end, value);
    if (ec != std::errc() || ptr != end) return std::nullopt;
    return value;
}

Poco::JSON::Array::Ptr devicesArray(const std::vector<DeviceRow>& rows) {
    Poco::JSON::Array::Ptr array = new Poco::JSON::Array;
    for (const DeviceRow& row : rows) {
        Poco::JSON::Object::Ptr object = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
        object->set("room", row.room);
        object->set("device", row.device);
        object->set("state", row.state);
        if (row.last_push) {
            object->set("last_push", common::formatIsoUtc(*row.last_push));
        } else {
            object->set("last_push", Poco::Dynamic::Var());
        }
        object->set("bookings", static_cast<Poco::UInt64>(row.bookings));
        object->set("last_error", row.last_error);
        array->add(object);
    }
    return array;
}

}  // namespace

RestApi::RestApi(ApiSources sources, TokenStore& tokens, MeetingNotifier& notifier,
                 const common::Clock& wall_clock, RestApiSettings settings)
    : sources_(std::move(sources)),
      tokens_(tokens),
      notifier_(notifier),
      clock_(wall_clock),
      settings_(std::move(settings)) {
    common::metrics().describe("calconn_api_requests_total", common::MetricType::Counter,
                               "REST API requests, by route and HTTP status");
    add("GET", "/healthz", Access::Public, [](const ApiRequest&) {
        return ApiResponse{200, "application/json", R"({"status":"ok"})"};
    });
    add("GET", "/readyz", Access::Public, [this](const ApiRequest& r) { return readiness(r); });
    add("GET", "/metrics", Access::Admin, [this](const ApiRequest& r) { return metrics(r); });
    add("GET", "/api/v1/openapi.json", Access::Public, [](const ApiRequest&) {
        return ApiResponse{200, "application/json", std::string(openApiDocument())};
    });
    add("GET", "/api/v1/status", Access::Admin, [this](const ApiRequest& r) { return status(r); });
    add("GET", "/api/v1/users/{upn}/meetings", Access::User,
        [this](const ApiRequest& r) { return meetings(r); });
    add("GET", "/api/v1/users/{upn}/presence", Access::User,
        [this](const ApiRequest& r) { return presence(r); });
    add("GET", "/api/v1/users/{upn}/notifications", Access::User,
        [this](const ApiRequest& r) { return notifications(r); });
    add("GET", "/api/v1/rooms/{mailbox}/bookings", Access::Room,
        [this](const ApiRequest& r) { return bookings(r); });
    add("POST", "/graph/notifications", Access::Public,
        [this](const ApiRequest& r) { return graphNotifications(r); });
}

void RestApi::setSettings(RestApiSettings settings) {
    std::lock_guard lock(settings_mutex_);
    settings_ = std::move(settings);
}

RestApiSettings RestApi::settings() const {
    std::lock_guard lock(settings_mutex_);
    return settings_;
}

void RestApi::add(const std::string& method, const std::string& pattern, Access access,
                  Handler handler) {
    router_.add(method, pattern,
                [this, pattern, access, handler = std::move(handler)](const ApiRequest& request) {
                    std::string token_name;
                    ApiResponse response;
                    if (auto refused = refuse(request, access, token_name)) {
                        response = std::move(*refused);
                    } else {
                        response = handler(request);
                    }
                    // The pattern, not the path: paths hold addresses, which are not logged.
                    Poco::Logger& logger = platform::moduleLogger("api");
                    if (logger.debug()) {
                        logger.debug("api " + request.method + " " + pattern + " -> " +
                                     std::to_string(response.status) +
                                     (token_name.empty() ? "" : " (token " + token_name + ")"));
                    }
                    return response;
                });
}

std::optional<ApiResponse> RestApi::refuse(const ApiRequest& request, Access access,
                                           std::string& token_name) const {
    if (access == Access::Public) return std::nullopt;
    std::optional<Principal> principal;
    bool presented = false;
    if (auto header = request.headers.find("authorization"); header != request.headers.end()) {
        if (auto token = bearerToken(header->second)) {
            presented = true;
            principal = tokens_.authenticate(*token);
        }
    }
    if (!principal) {
        ApiResponse response =
            jsonError(401, ErrorCode::Unauthenticated, "a valid bearer token is required");
        response.headers.emplace_back("WWW-Authenticate",
                                      presented ? R"(Bearer realm="calconn", error="invalid_token")"
                                                : R"(Bearer realm="calconn")");
        return response;
    }
    token_name = principal->name;
    Resource resource;
    switch (access) {
        case Access::Admin:
            resource = {ScopeKind::Admin, {}};
            break;
        case Access::User:
            resource = {ScopeKind::User, request.params.at("upn")};
            break;
        case Access::Room:
            resource = {ScopeKind::Room, request.params.at("mailbox")};
            break;
        case Access::Public:
            break;
    }
    if (!permits(principal->scope, resource)) {
        // The same answer for every refused path: it tells nothing about what exists there.
        return jsonError(403, ErrorCode::PermissionDenied,
                         "the token's scope does not cover this resource");
    }
    return std::nullopt;
}

std::optional<ApiResponse> RestApi::requireMailbox(const std::string& mailbox,
                                                   core::MailboxKind kind) const {
    if (!sources_.meetings || !sources_.mailbox_kind) return notConfigured("calendar sync");
    const auto found = sources_.mailbox_kind(mailbox);
    if (!found || *found != kind) {
        return jsonError(404, ErrorCode::NotFound,
                         kind == core::MailboxKind::User
                             ? "calconn syncs no user mailbox by this name"
                             : "calconn syncs no room mailbox by this name");
    }
    return std::nullopt;
}

ApiResponse RestApi::meetings(const ApiRequest& request) const {
    const std::string& upn = request.params.at("upn");
    auto window = requestWindow(request, clock_.now(), kDefaultMeetingsWindow);
    if (!window) return jsonError(400, window.error().code, window.error().message);
    if (auto missing = requireMailbox(upn, core::MailboxKind::User)) return *missing;
    auto records = sources_.meetings(upn, window->from, window->to);
    if (!records) return jsonError(500, records.error().code, "cannot read the cached meetings");
    ApiResponse response{200, "application/json",
                         meetingListToJson("meetings", upn, window->from, window->to, *records,
                                           settings().private_title)};
    applyEtag(request, response);
    return response;
}

ApiResponse RestApi::bookings(const ApiRequest& request) const {
    const std::string& room = request.params.at("mailbox");
    const RestApiSettings current = settings();
    auto window = requestWindow(request, clock_.now(), current.bookings_horizon);
    if (!window) return jsonError(400, window.error().code, window.error().message);
    if (auto missing = requireMailbox(room, core::MailboxKind::Room)) return *missing;
    auto records = sources_.meetings(room, window->from, window->to);
    if (!records) return jsonError(500, records.error().code, "cannot read the cached meetings");
    // What the room's devices show: no cancelled meetings, declined and tentative per config.
    std::erase_if(*records, [&](const MeetingRecord& record) {
        const core::Meeting& m = record.meeting;
        if (m.is_cancelled) return true;
        if (m.response == core::ResponseType::Declined) return !current.show_declined;
        if (m.response == core::ResponseType::TentativelyAccepted) return !current.show_tentative;
        return false;
    });
    const std::string title =
        sources_.room_private_title ? sources_.room_private_title(room) : current.private_title;
    ApiResponse response{
        200, "application/json",
        meetingListToJson("bookings", room, window->from, window->to, *records, title)};
    applyEtag(request, response);
    return response;
}

ApiResponse RestApi::presence(const ApiRequest& request) const {
    const std::string& upn = request.params.at("upn");
    if (!sources_.presence) return notConfigured("presence");
    if (sources_.mailbox_kind) {
        const auto kind = sources_.mailbox_kind(upn);
        if (!kind || *kind != core::MailboxKind::User) {
            return jsonError(404, ErrorCode::NotFound,
                             "calconn syncs no user mailbox by this name");
        }
    }
    const auto current = sources_.presence(upn);
    if (!current) {
        return jsonError(404, ErrorCode::NotFound, "the user's presence is not known yet");
    }
    return ApiResponse{200, "application/json", presenceToJson(*current)};
}

ApiResponse RestApi::notifications(const ApiRequest& request) const {
    const std::string& upn = request.params.at("upn");
    if (auto missing = requireMailbox(upn, core::MailboxKind::User)) return *missing;
    auto stream = notifier_.subscribe(upn, lastEventId(request));
    if (!stream) {
        ApiResponse response = jsonError(503, ErrorCode::Unavailable,
                                         "too many notification streams are open; retry later");
        response.headers.emplace_back("Retry-After", "30");
        return response;
    }
    ApiResponse response{200, "text/event-stream", kStreamPreamble};
    response.headers.emplace_back("Cache-Control", "no-store");
    response.headers.emplace_back("X-Accel-Buffering", "no");  // reverse proxies: do not buffer
    response.stream = std::move(stream);
    return response;
}

ApiResponse RestApi::status(const ApiRequest&) const {
    StatusReport report;
    if (sources_.status) report = sources_.status();
    // statusToJson's object, with the devices added.
    Poco::JSON::Parser parser(new Poco::JSON::ParseHandler(true));
    auto root = parser.parse(statusToJson(report)).extract<Poco::JSON::Object::Ptr>();
    root->set("devices",
              devicesArray(sources_.devices ? sources_.devices() : std::vector<DeviceRow>{}));
    std::ostringstream out;
    root->stringify(out);
    return ApiResponse{200, "application/json", out.str()};
}

ApiResponse RestApi::metrics(const ApiRequest&) const {
    return ApiResponse{200, kMetricsContentType, common::metrics().render()};
}

ApiResponse RestApi::readiness(const ApiRequest&) const {
    if (sources_.ready && !sources_.ready()) {
        return ApiResponse{503, "application/json", R"({"status":"not_ready"})"};
    }
    return ApiResponse{200, "application/json", R"({"status":"ready"})"};
}

ApiResponse RestApi::graphNotifications(const ApiRequest& request) const {
    if (!sources_.graph_notifications) {
        return jsonError(404, ErrorCode::NotFound, "change notifications are not configured");
    }
    return sources_.graph_notifications(request);
}

ApiResponse RestApi::handle(const ApiRequest& request) const {
    // Unmatched paths are counted under one label: paths may hold addresses.
    const std::string route =
        router_.matchedPattern(request.method, request.path).value_or("unmatched");
    ApiResponse response = router_.dispatch(request);
    common::metrics().add("calconn_api_requests_total",
                          {{"route", route}, {"code", std::to_string(response.status)}});
    return response;
}

}  // namespace calconn::api
