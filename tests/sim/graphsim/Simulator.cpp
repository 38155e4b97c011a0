// Request entry point: request ids, fault injection, routing, and the helpers shared by the
// Graph and control APIs.
#include "Simulator.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>

#include <chrono>
#include <thread>

#include "Json.h"
#include "SimInternal.h"

namespace calconn::graphsim {

namespace internal {

SimResponse jsonResponse(int status, std::string body) {
    SimResponse r;
    r.status = status;
    if (!body.empty() || status != 204) r.headers["Content-Type"] = "application/json";
    r.body = std::move(body);
    return r;
}

Poco::JSON::Object::Ptr parseObject(const std::string& body) {
    try {
        Poco::JSON::Parser parser;
        auto v = parser.parse(body.empty() ? std::string("{}") : body);
        if (v.type() != typeid(Poco::JSON::Object::Ptr)) return nullptr;
        return v.extract<Poco::JSON::Object::Ptr>();
    } catch (const Poco::Exception&) {
        return nullptr;
    } catch (const std::exception&) {
        return nullptr;
    }
}

std::vector<std::string> splitPath(const std::string& path) {
    std::vector<std::string> parts;
    size_t pos = 0;
    while (pos < path.size()) {
        size_t slash = path.find('/', pos);
        if (slash == std::string::npos) slash = path.size();
        if (slash > pos) parts.push_back(urlDecode(path.substr(pos, slash - pos)));
        pos = slash + 1;
    }
    return parts;
}

Preferences parsePrefer(const SimRequest& request) {
    Preferences p;
    // Several Prefer headers arrive comma-joined (the transport merges them).
    const std::string header = request.header("Prefer");
    size_t pos = 0;
    std::vector<std::string> applied;
    while (pos < header.size()) {
        size_t comma = header.find(',', pos);
        if (comma == std::string::npos) comma = header.size();
        std::string item = header.substr(pos, comma - pos);
        pos = comma + 1;
        while (!item.empty() && item.front() == ' ') item.erase(0, 1);
        while (!item.empty() && item.back() == ' ') item.pop_back();
        size_t eq = item.find('=');
        if (eq == std::string::npos) continue;
        std::string name = toLower(item.substr(0, eq));
        std::string value = item.substr(eq + 1);
        if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
            value = value.substr(1, value.size() - 2);
        if (name == "outlook.timezone") {
            const TimeZoneInfo* zone = findTimeZone(value);
            if (!zone) {
                p.bad_timezone = true;
                continue;
            }
            p.render.zone = zone;
            p.render.zone_name = value;
            applied.push_back("outlook.timezone=\"" + value + "\"");
        } else if (name == "outlook.body-content-type") {
            p.render.body_text = toLower(value) == "text";
            applied.push_back("outlook.body-content-type=\"" + toLower(value) + "\"");
        } else if (name == "odata.maxpagesize") {
            try {
                p.max_page_size = std::stoi(value);
                applied.push_back("odata.maxpagesize=" + std::to_string(p.max_page_size));
            } catch (const std::exception&) {
                p.max_page_size = 0;
            }
        } else if (name == "idtype") {
            applied.push_back("IdType=\"" + value + "\"");
        }
    }
    for (size_t i = 0; i < applied.size(); ++i) {
        if (i) p.applied += ", ";
        p.applied += applied[i];
    }
    return p;
}

bool parseDateTimeTimeZone(const Poco::JSON::Object::Ptr& obj, Seconds& out, std::string& error) {
    if (!obj) {
        error = "dateTimeTimeZone value expected.";
        return false;
    }
    const std::string dt = obj->optValue<std::string>("dateTime", "");
    const std::string tz = obj->optValue<std::string>("timeZone", "UTC");
    bool has_offset = false;
    auto v = parseDateTime(dt, &has_offset);
    if (!v) {
        error = "Cannot convert the literal '" + dt + "' to the expected type 'Edm.DateTime'.";
        return false;
    }
    if (has_offset) {
        out = *v;
        return true;
    }
    const TimeZoneInfo* zone = findTimeZone(tz);
    if (!zone) {
        error = "A valid TimeZone value must be specified. The following TimeZone value is not supported: '" + tz + "'.";
        return false;
    }
    out = localToUtc(*zone, *v);
    return true;
}

namespace {

Location parseLocation(const Poco::JSON::Object::Ptr& o) {
    Location l;
    l.display_name = o->optValue<std::string>("displayName", "");
    l.location_type = o->optValue<std::string>("locationType", "default");
    l.email = o->optValue<std::string>("locationEmailAddress", "");
    l.unique_id = o->optValue<std::string>("uniqueId", "");
    if (auto a = o->getObject("address")) {
        l.address.street = a->optValue<std::string>("street", "");
        l.address.city = a->optValue<std::string>("city", "");
        l.address.state = a->optValue<std::string>("state", "");
        l.address.country = a->optValue<std::string>("countryOrRegion", "");
        l.address.postal_code = a->optValue<std::string>("postalCode", "");
    }
    return l;
}

int dayNumber(const std::string& name) {
    static const char* kNames[] = {"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"};
    for (int i = 0; i < 7; ++i)
        if (toLower(name) == kNames[i]) return i;
    return -1;
}

}  // namespace

bool parseRecurrence(Recurrence& r, const Poco::JSON::Object::Ptr& obj, std::string& error) {
    auto pattern = obj->getObject("pattern");
    auto range = obj->getObject("range");
    if (!pattern || !range) {
        error = "Recurrence needs pattern and range.";
        return false;
    }
    r.pattern_type = pattern->optValue<std::string>("type", "weekly");
    static const char* kTypes[] = {"daily", "weekly", "absoluteMonthly", "relativeMonthly",
                                   "absoluteYearly", "relativeYearly"};
    bool known = false;
    for (auto* t : kTypes) known = known || r.pattern_type == t;
    if (!known) {
        error = "Unsupported recurrence pattern type '" + r.pattern_type + "'.";
        return false;
    }
    r.interval = std::max(1, pattern->optValue<int>("interval", 1));
    r.day_of_month = pattern->optValue<int>("dayOfMonth", 0);
    r.month = pattern->optValue<int>("month", 0);
    r.index = pattern->optValue<std::string>("index", "first");
    r.first_day_of_week = pattern->optValue<std::string>("firstDayOfWeek", "sunday");
    r.days_of_week.clear();
    if (auto days = pattern->getArray("daysOfWeek")) {
        for (size_t i = 0; i < days->size(); ++i) {
            int d = dayNumber(days->getElement<std::string>(static_cast<unsigned>(i)));
            if (d < 0) {
                error = "Invalid daysOfWeek value.";
                return false;
            }
            r.days_of_week.push_back(d);
        }
    }
    if ((r.pattern_type == "weekly" || r.pattern_type == "relativeMonthly") && r.days_of_week.empty()) {
        error = "daysOfWeek is required for a " + r.pattern_type + " pattern.";
        return false;
    }
    r.range_type = range->optValue<std::string>("type", "noEnd");
    auto start = parseDate(range->optValue<std::string>("startDate", ""));
    if (!start) {
        error = "range.startDate is required.";
        return false;
    }
    r.start_date = *start;
    if (r.range_type == "endDate") {
        auto end = parseDate(range->optValue<std::string>("endDate", ""));
        if (!end || *end < r.start_date) {
            error = "range.endDate must not be before startDate.";
            return false;
        }
        r.end_date = *end;
    }
    r.number_of_occurrences = range->optValue<int>("numberOfOccurrences", 0);
    if (r.range_type == "numbered" && r.number_of_occurrences <= 0) {
        error = "numberOfOccurrences must be positive.";
        return false;
    }
    r.time_zone = range->optValue<std::string>("recurrenceTimeZone", "");
    return true;
}

bool applyEventJson(EventFields& f, const Poco::JSON::Object::Ptr& obj, std::string& error) {
    if (obj->has("subject")) f.subject = obj->optValue<std::string>("subject", "");
    if (auto body = obj->getObject("body")) {
        f.body.content = body->optValue<std::string>("content", "");
        f.body.content_type = toLower(body->optValue<std::string>("contentType", "text")) == "html" ? "html" : "text";
    }
    Seconds start = f.start, end = f.end;
    if (obj->has("start") && !parseDateTimeTimeZone(obj->getObject("start"), start, error)) return false;
    if (obj->has("end") && !parseDateTimeTimeZone(obj->getObject("end"), end, error)) return false;
    if (auto s = obj->getObject("start")) f.time_zone = s->optValue<std::string>("timeZone", f.time_zone);
    if (end < start) {
        error = "The end time must not be before the start time.";
        return false;
    }
    f.start = start;
    f.end = end;
    if (obj->has("isAllDay")) f.is_all_day = obj->optValue<bool>("isAllDay", false);
    if (f.is_all_day && (f.start % kDay != 0 || f.end % kDay != 0)) {
        error = "Your request can't be completed. If the event is an all-day event, the start and end "
                "times must be at midnight.";
        return false;
    }
    if (auto locs = obj->getArray("locations")) {
        f.locations.clear();
        for (size_t i = 0; i < locs->size(); ++i)
            if (auto o = locs->getObject(static_cast<unsigned>(i))) f.locations.push_back(parseLocation(o));
    } else if (auto loc = obj->getObject("location")) {
        // Updating location replaces locations (graph.md §3).
        f.locations.clear();
        Location l = parseLocation(loc);
        if (!l.display_name.empty()) f.locations.push_back(l);
    }
    if (auto atts = obj->getArray("attendees")) {
        if (atts->size() > 500) {
            error = "An event can have at most 500 attendees.";
            return false;
        }
        f.attendees.clear();
        for (size_t i = 0; i < atts->size(); ++i) {
            auto a = atts->getObject(static_cast<unsigned>(i));
            if (!a) continue;
            Attendee att;
            att.type = a->optValue<std::string>("type", "required");
            if (auto e = a->getObject("emailAddress")) {
                att.email.name = e->optValue<std::string>("name", "");
                att.email.address = e->optValue<std::string>("address", "");
            }
            if (auto st = a->getObject("status")) att.response = st->optValue<std::string>("response", "none");
            f.attendees.push_back(att);
        }
    }
    if (auto org = obj->getObject("organizer")) {
        if (auto e = org->getObject("emailAddress")) {
            f.organizer.name = e->optValue<std::string>("name", f.organizer.name);
            f.organizer.address = e->optValue<std::string>("address", f.organizer.address);
        }
    }
    if (obj->has("showAs")) f.show_as = obj->optValue<std::string>("showAs", f.show_as);
    if (obj->has("sensitivity")) f.sensitivity = obj->optValue<std::string>("sensitivity", f.sensitivity);
    if (obj->has("importance")) f.importance = obj->optValue<std::string>("importance", f.importance);
    if (obj->has("isReminderOn")) f.is_reminder_on = obj->optValue<bool>("isReminderOn", true);
    if (obj->has("reminderMinutesBeforeStart")) f.reminder_minutes = obj->optValue<int>("reminderMinutesBeforeStart", 15);
    if (obj->has("allowNewTimeProposals")) f.allow_new_time_proposals = obj->optValue<bool>("allowNewTimeProposals", true);
    if (obj->has("isCancelled")) f.is_cancelled = obj->optValue<bool>("isCancelled", false);
    if (auto cats = obj->getArray("categories")) {
        f.categories.clear();
        for (size_t i = 0; i < cats->size(); ++i) f.categories.push_back(cats->getElement<std::string>(static_cast<unsigned>(i)));
    }
    if (obj->has("onlineMeetingProvider")) f.online_meeting_provider = obj->optValue<std::string>("onlineMeetingProvider", "unknown");
    if (obj->has("isOnlineMeeting")) f.is_online_meeting = obj->optValue<bool>("isOnlineMeeting", false);
    if (auto om = obj->getObject("onlineMeeting")) f.join_url = om->optValue<std::string>("joinUrl", f.join_url);
    if (f.is_online_meeting && f.online_meeting_provider == "unknown") f.online_meeting_provider = "teamsForBusiness";
    if (f.is_online_meeting && f.online_meeting_provider == "teamsForBusiness" && f.join_url.empty()) {
        Prng prng(static_cast<std::uint64_t>(f.start) ^ std::hash<std::string>{}(f.subject));
        f.join_url = inviteJoinUrl(InviteKind::TeamsHtml, prng.next());
        if (f.locations.empty()) f.locations.push_back(Location{"Microsoft Teams Meeting", "default", "", "", {}});
    }
    return true;
}

}  // namespace internal

using internal::jsonResponse;

Simulator::Simulator(SimulatorConfig config, const common::Clock& clock)
    : config_(std::move(config)), clock_(clock), faults_(config_.generator.seed),
      id_prng_(config_.generator.seed ^ 0x1d5eedULL) {
    if (config_.generator.base_day == 0) config_.generator.base_day = now() / kDay;
    generateTenant(tenant_, config_.generator);
    Prng secret(config_.generator.seed ^ 0xde17aULL);
    delta_secret_ = secret.guid();
    AuthConfig ac;
    ac.tenant_id = config_.generator.tenant_id;
    ac.client_id = config_.client_id;
    ac.client_secret = config_.client_secret;
    ac.client_cert_pem = config_.client_cert_pem;
    ac.seed = config_.generator.seed;
    for (const auto& m : tenant_.mailboxes)
        if (m->kind == MailboxKind::User) ac.users.push_back(m->upn);
    auth_ = std::make_unique<Auth>(std::move(ac), clock_);
    SubscriptionConfig sc;
    sc.tenant_id = config_.generator.tenant_id;
    sc.max_minutes = config_.max_subscription_minutes;
    sc.ca_file = config_.notification_ca_file;
    sc.allow_http = config_.allow_http_notifications;
    sc.now = [this] { return now(); };
    sc.resolve_user = [this](const std::string& user) {
        Mailbox* m = tenant_.find(user);
        return m ? m->id : std::string();
    };
    subscriptions_ = std::make_unique<SubscriptionManager>(std::move(sc));
}

Simulator::~Simulator() = default;

void Simulator::setBaseUrl(const std::string& base_url) {
    {
        std::lock_guard lock(mutex_);
        base_url_ = base_url;
    }
    auth_->setBaseUrl(base_url);
}

std::string Simulator::baseUrl() const {
    std::lock_guard lock(mutex_);
    return base_url_;
}

Seconds Simulator::now() const {
    return std::chrono::duration_cast<std::chrono::seconds>(clock_.now().time_since_epoch()).count();
}

std::string Simulator::newRequestId() {
    std::lock_guard lock(mutex_);
    return id_prng_.guid();
}

void Simulator::count(const std::string& endpoint) {
    std::lock_guard lock(mutex_);
    ++endpoint_counters_[endpoint];
}

bool Simulator::inPolicy(const Mailbox& mailbox) const {
    std::lock_guard lock(mutex_);
    return !policy_ || policy_->count(mailbox.index) > 0;
}

SimResponse Simulator::graphError(const SimRequest& request, int status, const std::string& code,
                                  const std::string& message) const {
    JsonWriter w;
    std::string date = formatIsoUtc(now());
    date.pop_back();
    w.beginObject().key("error").beginObject().field("code", code).field("message", message);
    w.key("innerError").beginObject().field("date", date)
        .field("request-id", request.header("x-graphsim-request-id"))
        .field("client-request-id", request.header("client-request-id").empty()
                                        ? request.header("x-graphsim-request-id")
                                        : request.header("client-request-id"))
        .endObject();
    w.endObject().endObject();
    return jsonResponse(status, w.take());
}

std::string Simulator::deltaEncode(const std::string& payload) const {
    std::uint64_t h = 1469598103934665603ULL;
    for (char c : delta_secret_ + payload) {
        h ^= static_cast<unsigned char>(c);
        h *= 1099511628211ULL;
    }
    std::string raw = payload + "|" + std::to_string(h);
    static const char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string out;
    size_t i = 0;
    for (; i + 2 < raw.size(); i += 3) {
        unsigned v = (static_cast<unsigned char>(raw[i]) << 16) | (static_cast<unsigned char>(raw[i + 1]) << 8) |
                     static_cast<unsigned char>(raw[i + 2]);
        out.push_back(kAlphabet[(v >> 18) & 63]);
        out.push_back(kAlphabet[(v >> 12) & 63]);
        out.push_back(kAlphabet[(v >> 6) & 63]);
        out.push_back(kAlphabet[v & 63]);
    }
    if (i < raw.size()) {
        unsigned v = static_cast<unsigned char>(raw[i]) << 16;
        if (i + 1 < raw.size()) v |= static_cast<unsigned char>(raw[i + 1]) << 8;
        out.push_back(kAlphabet[(v >> 18) & 63]);
        out.push_back(kAlphabet[(v >> 12) & 63]);
        if (i + 1 < raw.size()) out.push_back(kAlphabet[(v >> 6) & 63]);
    }
    return out;
}

std::optional<std::string> Simulator::deltaDecode(const std::string& token) const {
    auto value = [](char c) -> int {
        if (c >= 'A' && c <= 'Z') return c - 'A';
        if (c >= 'a' && c <= 'z') return c - 'a' + 26;
        if (c >= '0' && c <= '9') return c - '0' + 52;
        if (c == '-') return 62;
        if (c == '_') return 63;
        return -1;
    };
    std::string raw;
    unsigned buffer = 0;
    int bits = 0;
    for (char c : token) {
        int v = value(c);
        if (v < 0) return std::nullopt;
        buffer = (buffer << 6) | static_cast<unsigned>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            raw.push_back(static_cast<char>((buffer >> bits) & 0xff));
        }
    }
    size_t bar = raw.rfind('|');
    if (bar == std::string::npos) return std::nullopt;
    std::string payload = raw.substr(0, bar);
    if (deltaEncode(payload) != token) return std::nullopt;
    return payload;
}

void Simulator::notifyChange(const Mailbox& mailbox, const std::string& event_id,
                             const std::string& etag, const char* change_type) {
    subscriptions_->notifyChange(mailbox.id, event_id, etag, change_type);
}

SimResponse Simulator::handle(const SimRequest& incoming) {
    SimRequest request = incoming;
    // x-graphsim-* headers carry decisions between layers; never accept them from a client.
    for (auto it = request.headers.begin(); it != request.headers.end();) {
        if (toLower(it->first).rfind("x-graphsim-", 0) == 0) it = request.headers.erase(it);
        else ++it;
    }
    const std::string request_id = newRequestId();
    request.headers["x-graphsim-request-id"] = request_id;
    std::string client_request_id = request.header("client-request-id");
    if (client_request_id.empty()) client_request_id = request_id;

    const bool is_control = request.path.rfind("/_sim/", 0) == 0 || request.path == "/_sim";
    std::optional<FaultAction> fault;
    if (!is_control) {
        std::string subject = request.method + " " + request.path;
        if (!request.query.empty()) subject += "?" + request.query;
        fault = faults_.match(subject);
    }
    // Latency is simulated service time: Graph calls spend it inside the throttling gate (so
    // it holds a concurrency slot, as a slow mailbox does); other calls spend it here.
    int delay_ms = (fault ? fault->rule.latency_ms : 0) + (is_control ? 0 : config_.latency_ms);
    if (delay_ms > 0) {
        if (request.path.rfind("/v1.0/", 0) == 0) request.headers["x-graphsim-delay-ms"] = std::to_string(delay_ms);
        else std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    }

    if (fault && fault->rule.stall_next_link) request.headers["x-graphsim-stall"] = "1";
    SimResponse response;
    if (fault && fault->rule.reset) {
        response.reset_connection = true;
        return response;
    }
    if (fault && fault->rule.status > 0) {
        const int status = fault->rule.status;
        std::string code = fault->rule.code;
        std::string message;
        if (code.empty()) {
            switch (status) {
                case 429: code = "TooManyRequests"; message = "Please retry again later."; break;
                case 503: code = "ServiceUnavailable"; message = "Service Unavailable"; break;
                case 504: code = "UnknownError"; message = ""; break;
                case 500: code = "InternalServerError"; message = "An internal server error occurred."; break;
                case 410: code = "SyncStateNotFound"; message = "The sync state generation is not found."; break;
                case 401: code = "InvalidAuthenticationToken"; message = "Access token has expired or is not yet valid."; break;
                default: code = "UnknownError"; message = "";
            }
        }
        response = graphError(request, status, code, message);
        const std::string& ra = fault->rule.retry_after;
        if (ra == "present") response.headers["Retry-After"] = "2";
        else if (ra == "fractional") response.headers["Retry-After"] = "2.128";
        else if (ra == "zero") response.headers["Retry-After"] = "0";
        else if (ra != "absent" && !ra.empty()) response.headers["Retry-After"] = ra;
    } else {
        try {
            response = route(request);
        } catch (const Poco::Exception& e) {
            response = graphError(request, 500, "InternalServerError", e.displayText());
        } catch (const std::exception& e) {
            response = graphError(request, 500, "InternalServerError", e.what());
        }
    }
    if (fault && fault->rule.invalid_json) {
        response.body = response.body.substr(0, response.body.size() / 2) + "{\"value\":[,}";
    }
    if (fault && fault->rule.truncate) response.truncate = true;
    if (!is_control) {
        response.headers["request-id"] = request_id;
        response.headers["client-request-id"] = client_request_id;
        response.headers["x-ms-ags-diagnostic"] =
            "{\"ServerInfo\":{\"DataCenter\":\"Local\",\"Slice\":\"E\",\"Ring\":\"5\",\"ScaleUnit\":\"000\","
            "\"RoleInstance\":\"graphsim\"}}";
    }
    return response;
}

SimResponse Simulator::route(const SimRequest& request) {
    if (request.path.rfind("/_sim/", 0) == 0 || request.path == "/_sim") return handleControl(request);
    if (request.path.rfind("/v1.0/", 0) == 0) return handleGraph(request);
    if (auth_->handlesIdentity(request.method, request.path)) {
        count("identity");
        return auth_->handleIdentity(request);
    }
    if (request.path.rfind("/beta/", 0) == 0)
        return graphError(request, 400, "BadRequest", "graphsim serves only the v1.0 endpoint.");
    return graphError(request, 404, "UnknownError", "No route for " + request.path);
}

}  // namespace calconn::graphsim
