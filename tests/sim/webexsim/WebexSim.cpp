#include "WebexSim.h"

#include <Poco/DateTime.h>
#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/DateTimeParser.h>
#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Timestamp.h>
#include <Poco/URI.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <map>
#include <optional>
#include <sstream>

#include "crypto/SecretString.h"

namespace calconn::webexsim {

namespace {

std::string stringify(const Poco::JSON::Object::Ptr& object) {
    std::ostringstream out;
    object->stringify(out);
    return out.str();
}

std::string hex32(std::uint64_t seed) {
    // Deterministic ids that look like Webex's 32 hex digits.
    std::uint64_t a = seed * 0x9E3779B97F4A7C15ULL + 0x6A09E667F3BCC909ULL;
    std::uint64_t b = (seed + 0x51) * 0xBF58476D1CE4E5B9ULL ^ 0x94D049BB133111EBULL;
    char buffer[33];
    std::snprintf(buffer, sizeof buffer, "%016llx%016llx", static_cast<unsigned long long>(a),
                  static_cast<unsigned long long>(b));
    return buffer;
}

bool parseIso(const std::string& text, Poco::DateTime& out, int& tzd) {
    if (text.size() < 16) return false;
    return Poco::DateTimeParser::tryParse(Poco::DateTimeFormat::ISO8601_FRAC_FORMAT, text, out,
                                          tzd) ||
           Poco::DateTimeParser::tryParse(Poco::DateTimeFormat::ISO8601_FORMAT, text, out, tzd);
}

std::string stringField(const Poco::JSON::Object::Ptr& object, const std::string& name) {
    if (!object->has(name) || object->get(name).isEmpty()) return {};
    try {
        return object->get(name).convert<std::string>();
    } catch (const Poco::Exception&) {
        return {};
    }
}

std::size_t utf8Length(const std::string& text) {
    std::size_t n = 0;
    for (char c : text) {
        if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
    }
    return n;
}

Poco::JSON::Object::Ptr telephony(const std::string& access_code) {
    Poco::JSON::Object::Ptr t = new Poco::JSON::Object;
    t->set("accessCode", access_code);
    Poco::JSON::Array::Ptr numbers = new Poco::JSON::Array;
    Poco::JSON::Object::Ptr toll = new Poco::JSON::Object;
    toll->set("label", "United States Toll");
    toll->set("callInNumber", "+1-415-655-0001");
    toll->set("tollType", "toll");
    numbers->add(toll);
    Poco::JSON::Object::Ptr free = new Poco::JSON::Object;
    free->set("label", "Germany Toll Free");
    free->set("callInNumber", "+49-800-000-0000");
    free->set("tollType", "tollFree");
    numbers->add(free);
    t->set("callInNumbers", numbers);
    return t;
}

bool startsWith(const std::string& s, const std::string& prefix) {
    return s.compare(0, prefix.size(), prefix) == 0;
}

// The decoded query parameters; a repeated name keeps its last value.
std::map<std::string, std::string> queryParameters(const std::string& query) {
    std::map<std::string, std::string> out;
    try {
        for (const auto& [name, value] : Poco::URI("/?" + query).getQueryParameters()) {
            out[name] = value;
        }
    } catch (const Poco::Exception&) {
        // A malformed query filters on nothing it could not read.
    }
    return out;
}

std::int64_t epochSeconds(const Poco::DateTime& time) { return time.timestamp().epochTime(); }

std::string lower(std::string text) {
    for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return text;
}

}  // namespace

WebexSimulator::WebexSimulator(SimOptions options) : options_(std::move(options)) {}

void WebexSimulator::addFault(Fault fault) {
    std::lock_guard lock(mutex_);
    faults_.push_back(std::move(fault));
}

void WebexSimulator::clearFaults() {
    std::lock_guard lock(mutex_);
    faults_.clear();
}

std::size_t WebexSimulator::meetingCount() const {
    std::lock_guard lock(mutex_);
    return meetings_.size();
}

std::uint64_t WebexSimulator::requestCount(const std::string& method,
                                           const std::string& path_prefix) const {
    std::lock_guard lock(mutex_);
    std::uint64_t n = 0;
    for (const auto& [m, p] : log_) {
        if ((method.empty() || m == method) && startsWith(p, path_prefix)) ++n;
    }
    return n;
}

std::string WebexSimulator::nextTrackingId() {
    return "WEBEXSIM_" + hex32(0x7000000 + ++tracking_counter_).substr(0, 12);
}

SimResponse WebexSimulator::error(int status, const std::string& message) {
    Poco::JSON::Object::Ptr body = new Poco::JSON::Object;
    body->set("message", message);
    Poco::JSON::Array::Ptr errors = new Poco::JSON::Array;
    Poco::JSON::Object::Ptr entry = new Poco::JSON::Object;
    entry->set("description", message);
    errors->add(entry);
    body->set("errors", errors);
    body->set("trackingId", nextTrackingId());
    SimResponse response;
    response.status = status;
    response.body = stringify(body);
    response.headers.emplace_back("TrackingID", stringField(body, "trackingId"));
    return response;
}

SimResponse WebexSimulator::handle(const SimRequest& request) {
    if (startsWith(request.path, "/_sim/")) return handleControl(request);
    std::lock_guard lock(mutex_);
    log_.emplace_back(request.method, request.path);
    if (!startsWith(request.path, "/v1/"))
        return error(404, "The requested resource could not be found.");

    auto auth = request.headers.find("authorization");
    std::string expected = "Bearer " + options_.token;
    if (auth == request.headers.end() || !crypto::constantTimeEquals(auth->second, expected)) {
        return error(
            401,
            "The request requires a valid access token set in the Authorization request header.");
    }
    for (auto it = faults_.begin(); it != faults_.end(); ++it) {
        if ((!it->method.empty() && it->method != request.method) ||
            (!it->path.empty() && !startsWith(request.path, it->path))) {
            continue;
        }
        Fault fault = *it;
        if (--it->count <= 0) faults_.erase(it);
        SimResponse response =
            error(fault.status, fault.status == 429 ? "Too Many Requests"
                                                    : "Service unavailable (injected fault)");
        if (fault.status == 429 || fault.status == 503) {
            response.headers.emplace_back("Retry-After", std::to_string(fault.retry_after));
        }
        return response;
    }
    return handleApi(request);
}

SimResponse WebexSimulator::handleApi(const SimRequest& request) {
    const std::string& path = request.path;
    if (path == "/v1/meetings" && request.method == "POST") return createMeeting(request);
    if (path == "/v1/meetings" && request.method == "GET") return listMeetings(request.query);
    if (path == "/v1/meetingPreferences/personalMeetingRoom" && request.method == "GET") {
        return personalRoom(request.query);
    }
    if (startsWith(path, "/v1/meetings/")) {
        std::string id = path.substr(std::string("/v1/meetings/").size());
        auto it = meetings_.find(id);
        if (request.method == "GET") {
            if (it == meetings_.end())
                return error(404, "The requested resource could not be found.");
            return {200, {}, it->second.json};
        }
        if (request.method == "DELETE") {
            if (it == meetings_.end())
                return error(404, "The requested resource could not be found.");
            meetings_.erase(it);
            std::erase(order_, id);
            return {204, {}, {}};
        }
        return error(405, "Method not allowed.");
    }
    return error(404, "The requested resource could not be found.");
}

SimResponse WebexSimulator::createMeeting(const SimRequest& request) {
    Poco::JSON::Object::Ptr in;
    try {
        Poco::JSON::Parser parser;
        in = parser.parse(request.body).extract<Poco::JSON::Object::Ptr>();
    } catch (const Poco::Exception&) {
        return error(400, "The request body is not valid JSON.");
    } catch (const std::exception&) {
        return error(400, "The request body is not a JSON object.");
    }
    if (!in) return error(400, "The request body is not a JSON object.");
    std::string title = stringField(in, "title");
    std::string start = stringField(in, "start");
    std::string end = stringField(in, "end");
    if (title.empty()) return error(400, "title: may not be empty");
    if (utf8Length(title) > 128) return error(400, "title: size must be between 1 and 128");
    if (utf8Length(stringField(in, "agenda")) > 1300)
        return error(400, "agenda: size must be between 0 and 1300");
    if (start.empty()) return error(400, "start: may not be null");
    if (end.empty()) return error(400, "end: may not be null");
    Poco::DateTime start_time;
    Poco::DateTime end_time;
    int start_tzd = 0;
    int end_tzd = 0;
    if (!parseIso(start, start_time, start_tzd))
        return error(400, "start: invalid ISO 8601 date-time");
    if (!parseIso(end, end_time, end_tzd)) return error(400, "end: invalid ISO 8601 date-time");
    start_time.makeUTC(start_tzd);
    end_time.makeUTC(end_tzd);
    Poco::Timespan span = end_time - start_time;
    if (span.totalMinutes() < 10)
        return error(400, "The meeting duration must be at least 10 minutes.");
    if (span.totalHours() > 24) return error(400, "The meeting duration must be at most 24 hours.");
    if (!options_.allow_past &&
        start_time.timestamp() + Poco::Timespan(60, 0) < Poco::Timestamp()) {
        return error(400, "start: must be in the future");
    }
    const std::string recurrence = stringField(in, "recurrence");
    if (!recurrence.empty() && recurrence.rfind("FREQ=", 0) != 0) {
        return error(400, "recurrence: must be an RFC 2445 RRULE starting with FREQ=");
    }
    std::string site_url = stringField(in, "siteUrl");
    std::string site = options_.site;
    if (!site_url.empty()) {
        if (site_url != options_.site + ".webex.com") {
            return error(400, "siteUrl: the user has no host account on site " + site_url);
        }
    }
    std::vector<std::string> tags;
    if (in->has("integrationTags")) {
        auto array = in->getArray("integrationTags");
        if (!array) return error(400, "integrationTags: must be an array of strings");
        for (std::size_t i = 0; i < array->size(); ++i) {
            const auto value = array->get(static_cast<unsigned>(i));
            if (!value.isString())
                return error(400, "integrationTags: must be an array of strings");
            tags.push_back(value.convert<std::string>());
        }
    }
    std::uint64_t n = ++counter_;
    std::string id = hex32(n);
    std::string number = std::to_string(2640000000ULL + n * 7919 % 100000000ULL);
    char video[9];
    std::snprintf(video, sizeof video, "%08llu",
                  static_cast<unsigned long long>((n * 48271) % 100000000ULL));
    char host_key[7];
    std::snprintf(host_key, sizeof host_key, "%06llu",
                  static_cast<unsigned long long>((n * 69621) % 1000000ULL));

    Poco::JSON::Object::Ptr out = new Poco::JSON::Object;
    out->set("id", id);
    out->set("meetingNumber", number);
    out->set("title", title);
    if (in->has("agenda")) out->set("agenda", stringField(in, "agenda"));
    out->set("password", stringField(in, "password").empty()
                             ? "Wx" + std::to_string(1000 + n) + "pR"
                             : stringField(in, "password"));
    out->set("phoneAndVideoSystemPassword", std::string(video));
    out->set("meetingType", "meetingSeries");
    out->set("state", "active");
    out->set("timezone", stringField(in, "timezone").empty() ? "UTC" : stringField(in, "timezone"));
    if (!recurrence.empty()) out->set("recurrence", recurrence);
    out->set("start", Poco::DateTimeFormatter::format(start_time, "%Y-%m-%dT%H:%M:00Z"));
    out->set("end", Poco::DateTimeFormatter::format(end_time, "%Y-%m-%dT%H:%M:00Z"));
    out->set("hostUserId", hex32(0xABCDEF));
    out->set("hostDisplayName", options_.user_name);
    std::string host_email = stringField(in, "hostEmail");
    out->set("hostEmail", host_email.empty() ? options_.user_email : host_email);
    out->set("hostKey", std::string(host_key));
    out->set("siteUrl", site + ".webex.com");
    out->set("webLink", "https://" + site + ".webex.com/" + site + "/j.php?MTID=m" + id);
    out->set("sipAddress", number + "@" + site + ".webex.com");
    out->set("dialInIpAddress", "192.0.2.10");
    out->set("enabledJoinBeforeHost", false);
    out->set("sendEmail", in->has("sendEmail") ? in->get("sendEmail") : Poco::Dynamic::Var(true));
    out->set("telephony", telephony(number));
    if (!tags.empty()) {
        Poco::JSON::Array::Ptr echoed = new Poco::JSON::Array;
        for (const auto& tag : tags) echoed->add(tag);
        out->set("integrationTags", echoed);
    }
    std::string json = stringify(out);
    meetings_[id] = Meeting{id,
                            json,
                            std::move(tags),
                            lower(host_email.empty() ? options_.user_email : host_email),
                            site + ".webex.com",
                            epochSeconds(start_time),
                            epochSeconds(end_time),
                            !recurrence.empty()};
    order_.push_back(id);
    return {200, {}, json};
}

SimResponse WebexSimulator::listMeetings(const std::string& query) {
    // The filters calconn uses: integrationTag, hostEmail, siteUrl, and from/to (a meeting, or a
    // series from its first occurrence on, overlapping the range).
    const auto parameters = queryParameters(query);
    auto parameter = [&](const std::string& name) {
        auto it = parameters.find(name);
        return it == parameters.end() ? std::string() : it->second;
    };
    std::optional<std::int64_t> from;
    std::optional<std::int64_t> to;
    for (const auto& [name, bound] : {std::pair{"from", &from}, std::pair{"to", &to}}) {
        const std::string text = parameter(name);
        if (text.empty()) continue;
        Poco::DateTime time;
        int tzd = 0;
        if (!parseIso(text, time, tzd))
            return error(400, std::string(name) + ": invalid ISO 8601 date-time");
        time.makeUTC(tzd);
        *bound = epochSeconds(time);
    }
    const std::string tag = parameter("integrationTag");
    const std::string host = lower(parameter("hostEmail"));
    const std::string site = lower(parameter("siteUrl"));
    Poco::JSON::Object::Ptr body = new Poco::JSON::Object;
    Poco::JSON::Array::Ptr items = new Poco::JSON::Array;
    Poco::JSON::Parser parser;
    for (const auto& id : order_) {
        const Meeting& m = meetings_.at(id);
        if (!tag.empty() && std::find(m.integration_tags.begin(), m.integration_tags.end(), tag) ==
                                m.integration_tags.end()) {
            continue;
        }
        if (!host.empty() && m.host_email != host) continue;
        if (!site.empty() && m.site_url != site) continue;
        if (to && m.start >= *to) continue;
        if (from && !m.recurring && m.end <= *from) continue;
        items->add(parser.parse(m.json));
        parser.reset();
    }
    body->set("items", items);
    return {200, {}, stringify(body)};
}

SimResponse WebexSimulator::personalRoom(const std::string& query) const {
    // ?userEmail=ADDR (admin tokens) picks another user's room; the token's user otherwise.
    std::string email = options_.user_email;
    const std::string key = "userEmail=";
    if (auto pos = query.find(key); pos != std::string::npos) {
        std::string encoded =
            query.substr(pos + key.size(), query.find('&', pos) - pos - key.size());
        email.clear();  // URI::decode appends
        Poco::URI::decode(encoded, email);
    }
    std::string user = email.substr(0, email.find('@'));
    Poco::JSON::Object::Ptr out = new Poco::JSON::Object;
    out->set("topic", options_.user_name + "'s Personal Room");
    out->set("hostPin", "4081");
    out->set("personalMeetingRoomLink", "https://" + options_.site + ".webex.com/meet/" + user);
    out->set("enabledAutoLock", false);
    out->set("autoLockMinutes", 0);
    out->set("enabledNotifyHost", true);
    out->set("supportCoHost", false);
    out->set("sipAddress", user + "@" + options_.site + ".webex.com");
    out->set("dialInIpAddress", "192.0.2.10");
    out->set("telephony", telephony("25500" + std::to_string(user.size())));
    return {200, {}, stringify(out)};
}

SimResponse WebexSimulator::handleControl(const SimRequest& request) {
    std::lock_guard lock(mutex_);
    if (request.path == "/_sim/meetings") {
        if (request.method == "DELETE") {
            meetings_.clear();
            order_.clear();
            return {204, {}, {}};
        }
        Poco::JSON::Object::Ptr body = new Poco::JSON::Object;
        Poco::JSON::Array::Ptr items = new Poco::JSON::Array;
        Poco::JSON::Parser parser;
        for (const auto& id : order_) {
            items->add(parser.parse(meetings_.at(id).json));
            parser.reset();
        }
        body->set("items", items);
        body->set("count", static_cast<int>(order_.size()));
        return {200, {}, stringify(body)};
    }
    if (request.path == "/_sim/faults") {
        if (request.method == "DELETE") {
            faults_.clear();
            return {204, {}, {}};
        }
        if (request.method != "POST") return error(405, "Method not allowed.");
        try {
            Poco::JSON::Parser parser;
            auto in = parser.parse(request.body).extract<Poco::JSON::Object::Ptr>();
            Fault fault;
            if (in->has("status")) fault.status = in->getValue<int>("status");
            if (in->has("retryAfter")) fault.retry_after = in->getValue<int>("retryAfter");
            if (in->has("count")) fault.count = in->getValue<int>("count");
            fault.method = stringField(in, "method");
            fault.path = stringField(in, "path");
            if (fault.status < 400 || fault.status > 599 || fault.count < 1) {
                return error(400, "fault: status must be 4xx/5xx and count at least 1");
            }
            faults_.push_back(fault);
        } catch (const std::exception&) {
            return error(400, "fault: expected {status, retryAfter, count, method, path}");
        }
        return {204, {}, {}};
    }
    return error(404, "The requested resource could not be found.");
}

}  // namespace calconn::webexsim
