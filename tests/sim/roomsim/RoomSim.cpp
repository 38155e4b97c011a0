#include "RoomSim.h"

#include <Poco/Base64Decoder.h>
#include <Poco/DOM/AutoPtr.h>
#include <Poco/DOM/DOMParser.h>
#include <Poco/DOM/Document.h>
#include <Poco/DOM/Element.h>
#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>
#include <Poco/SAX/XMLReader.h>
#include <re2/re2.h>

#include <algorithm>
#include <cstdio>
#include <optional>
#include <set>
#include <sstream>

namespace calconn::roomsim {

namespace {

using common::ErrorCode;
using common::makeError;

std::string xmlEscape(const std::string& text) {
    std::string out;
    for (const char c : text) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            default:
                out += c;
        }
    }
    return out;
}

std::string jsonQuote(const std::string& text) {
    std::ostringstream out;
    Poco::JSON::Stringifier::formatString(text, out);
    return out.str();
}

SimResponse xmlAnswer(int status, std::string body) {
    SimResponse r;
    r.status = status;
    r.headers.emplace_back("Content-Type", "text/xml");
    r.body = "<?xml version=\"1.0\"?>\n" + std::move(body);
    return r;
}

SimResponse jsonAnswer(int status, std::string body) {
    SimResponse r;
    r.status = status;
    r.headers.emplace_back("Content-Type", "application/json");
    r.body = std::move(body);
    return r;
}

SimResponse commandResult(const std::string& result, const std::string& reason) {
    if (reason.empty())
        return xmlAnswer(200, "<Command><" + result + " status=\"OK\"/></Command>\n");
    return xmlAnswer(200, "<Command><" + result + " status=\"Error\"><Reason>" + xmlEscape(reason) +
                              "</Reason></" + result + "></Command>\n");
}

SimResponse unauthorized() {
    SimResponse r;
    r.status = 401;
    r.headers.emplace_back("WWW-Authenticate", "Basic realm=\"RoomOS\"");
    r.headers.emplace_back("Content-Type", "text/html");
    r.body = "<html><body>401 Unauthorized</body></html>\n";
    return r;
}

SimResponse serviceUnavailable() {
    SimResponse r;
    r.status = 503;
    r.headers.emplace_back("Content-Type", "text/html");
    r.body = "<html><body>503 Service Unavailable</body></html>\n";
    return r;
}

std::string header(const SimRequest& request, const std::string& lower_name) {
    auto it = request.headers.find(lower_name);
    return it == request.headers.end() ? std::string() : it->second;
}

bool decodeBasic(const std::string& value, std::string& user, std::string& password) {
    if (value.rfind("Basic ", 0) != 0) return false;
    std::istringstream in(value.substr(6));
    Poco::Base64Decoder decoder(in);
    std::string plain((std::istreambuf_iterator<char>(decoder)), std::istreambuf_iterator<char>());
    const auto colon = plain.find(':');
    if (colon == std::string::npos) return false;
    user = plain.substr(0, colon);
    password = plain.substr(colon + 1);
    return true;
}

std::string cookieValue(const std::string& cookies, const std::string& name) {
    std::size_t pos = 0;
    while (pos < cookies.size()) {
        std::size_t end = cookies.find(';', pos);
        if (end == std::string::npos) end = cookies.size();
        std::string pair = cookies.substr(pos, end - pos);
        pair.erase(0, pair.find_first_not_of(' '));
        const auto eq = pair.find('=');
        if (eq != std::string::npos && pair.substr(0, eq) == name) return pair.substr(eq + 1);
        pos = end + 1;
    }
    return {};
}

const std::set<std::string> kProtocols = {"SIP", "H323", "ISDN", "IP", "Spark", "WebRTC", "None"};
const std::set<std::string> kPlatforms = {"GoogleMeet", "MicrosoftTeams", "Zoom",
                                          "Webex",      "Other",          "None"};
const std::set<std::string> kBookingKeys = {
    "Id",       "MeetingId", "Agenda",    "Title",  "Privacy",  "Protocol",  "MeetingPlatform",
    "MetaInfo", "Time",      "Organizer", "Number", "CallType", "Encryption"};
const std::set<std::string> kTimeKeys = {"StartTime", "Duration", "StartTimeBuffer",
                                         "EndTimeBuffer"};
const std::set<std::string> kOrganizerKeys = {"Name", "Email", "Id"};

bool isUtcTime(const std::string& text) {
    static const RE2 kUtc(
        R"(\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,9})?Z)");
    return RE2::FullMatch(text, kUtc);
}

bool isInteger(const Poco::Dynamic::Var& v) { return v.isInteger() && !v.isString(); }

// Checks one booking; returns the Reason text of the first problem, or "".
std::string checkBooking(const Poco::JSON::Object::Ptr& b, const std::string& where) {
    for (const auto& [key, value] : *b) {
        if (!kBookingKeys.count(key)) return where + "." + key + ": unknown field";
    }
    auto requireString = [&](const Poco::JSON::Object::Ptr& obj, const std::string& key,
                             const std::string& path) -> std::string {
        if (!obj->has(key)) return path + ": required field missing";
        if (!obj->get(key).isString()) return path + ": must be a string";
        return {};
    };
    for (const char* key : {"Id", "Title", "Number", "Protocol"}) {
        if (auto e = requireString(b, key, where + "." + key); !e.empty()) return e;
    }
    const std::string id = b->getValue<std::string>("Id");
    if (id.empty() || id.size() > 128) return where + ".Id: must be 1..128 characters";
    const std::string protocol = b->getValue<std::string>("Protocol");
    if (!kProtocols.count(protocol)) return where + ".Protocol: invalid value '" + protocol + "'";
    std::string platform;
    if (b->has("MeetingPlatform")) {
        if (!b->get("MeetingPlatform").isString())
            return where + ".MeetingPlatform: must be a string";
        platform = b->getValue<std::string>("MeetingPlatform");
        if (!kPlatforms.count(platform))
            return where + ".MeetingPlatform: invalid value '" + platform + "'";
    }
    if (protocol == "WebRTC" && platform != "MicrosoftTeams" && platform != "GoogleMeet") {
        return where + ".Protocol: WebRTC is supported only for MicrosoftTeams and GoogleMeet";
    }
    auto checkEnum = [&](const std::string& key, std::set<std::string> allowed) -> std::string {
        if (!b->has(key)) return {};
        if (!b->get(key).isString() || !allowed.count(b->getValue<std::string>(key))) {
            return where + "." + key + ": invalid value";
        }
        return {};
    };
    if (auto e = checkEnum("Privacy", {"Private", "Public"}); !e.empty()) return e;
    if (auto e = checkEnum("CallType", {"Audio", "Video"}); !e.empty()) return e;
    if (auto e = checkEnum("Encryption", {"On", "Off"}); !e.empty()) return e;
    for (const char* key : {"MeetingId", "Agenda", "MetaInfo"}) {
        if (b->has(key) && !b->get(key).isString()) return where + "." + key + ": must be a string";
    }

    if (!b->has("Organizer")) return where + ".Organizer.Name: required field missing";
    Poco::JSON::Object::Ptr organizer = b->getObject("Organizer");
    if (!organizer) return where + ".Organizer: must be an object";
    for (const auto& [key, value] : *organizer) {
        if (!kOrganizerKeys.count(key)) return where + ".Organizer." + key + ": unknown field";
        if (!value.isString()) return where + ".Organizer." + key + ": must be a string";
    }
    if (!organizer->has("Name")) return where + ".Organizer.Name: required field missing";

    if (!b->has("Time")) return where + ".Time.StartTime: required field missing";
    Poco::JSON::Object::Ptr time = b->getObject("Time");
    if (!time) return where + ".Time: must be an object";
    for (const auto& [key, value] : *time) {
        if (!kTimeKeys.count(key)) return where + ".Time." + key + ": unknown field";
    }
    if (auto e = requireString(time, "StartTime", where + ".Time.StartTime"); !e.empty()) return e;
    if (!isUtcTime(time->getValue<std::string>("StartTime"))) {
        return where + ".Time.StartTime: must be UTC, like 2026-03-02T09:00:00Z";
    }
    if (!time->has("Duration")) return where + ".Time.Duration: required field missing";
    if (!isInteger(time->get("Duration")) || time->get("Duration").convert<long long>() < 1) {
        return where + ".Time.Duration: must be a positive integer (minutes)";
    }
    for (const char* key : {"StartTimeBuffer", "EndTimeBuffer"}) {
        if (!time->has(key)) continue;
        if (!isInteger(time->get(key)) || time->get(key).convert<long long>() < 0) {
            return where + ".Time." + key + ": must be a non-negative integer (seconds)";
        }
    }
    return {};
}

std::string formatTime(common::TimePoint t) {
    const auto secs = std::chrono::time_point_cast<std::chrono::seconds>(t);
    const auto days = std::chrono::floor<std::chrono::days>(secs);
    const std::chrono::year_month_day ymd{days};
    const std::chrono::hh_mm_ss hms{secs - days};
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02uT%02d:%02d:%02dZ",
                  static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                  static_cast<unsigned>(ymd.day()), static_cast<int>(hms.hours().count()),
                  static_cast<int>(hms.minutes().count()), static_cast<int>(hms.seconds().count()));
    return buffer;
}

}  // namespace

common::Result<SimUser> parseUser(const std::string& spec) {
    const auto first = spec.find(':');
    const auto last = spec.rfind(':');
    if (first == std::string::npos || first == last) {
        return makeError(ErrorCode::InvalidArgument, "user must be NAME:PASSWORD:ROLE", spec);
    }
    SimUser user{spec.substr(0, first), spec.substr(first + 1, last - first - 1),
                 spec.substr(last + 1)};
    if (user.name.empty() || user.role.empty()) {
        return makeError(ErrorCode::InvalidArgument, "user must be NAME:PASSWORD:ROLE", spec);
    }
    return user;
}

RoomSim::RoomSim(RoomSimOptions options, const common::Clock& clock)
    : options_(std::move(options)), clock_(clock), random_(std::random_device{}()) {}

common::Result<std::size_t> RoomSim::validateBookingsJson(const std::string& json) {
    Poco::Dynamic::Var parsed;
    try {
        Poco::JSON::Parser parser;
        parsed = parser.parse(json);
    } catch (const Poco::Exception& e) {
        return makeError(ErrorCode::InvalidArgument, "Invalid JSON: " + e.message());
    }
    Poco::JSON::Object::Ptr root;
    if (parsed.type() == typeid(Poco::JSON::Object::Ptr))
        root = parsed.extract<Poco::JSON::Object::Ptr>();
    if (!root) return makeError(ErrorCode::InvalidArgument, "Payload must be a JSON object");
    if (!root->has("Bookings"))
        return makeError(ErrorCode::InvalidArgument, "Bookings: required field missing");
    Poco::JSON::Array::Ptr list = root->getArray("Bookings");
    if (!list) return makeError(ErrorCode::InvalidArgument, "Bookings: must be an array");
    std::set<std::string> ids;
    for (std::size_t i = 0; i < list->size(); ++i) {
        const std::string where = "Bookings[" + std::to_string(i) + "]";
        Poco::JSON::Object::Ptr booking = list->getObject(static_cast<unsigned>(i));
        if (!booking) return makeError(ErrorCode::InvalidArgument, where + ": must be an object");
        if (auto reason = checkBooking(booking, where); !reason.empty()) {
            return makeError(ErrorCode::InvalidArgument, reason);
        }
        if (!ids.insert(booking->getValue<std::string>("Id")).second) {
            return makeError(ErrorCode::InvalidArgument, where + ".Id: duplicate Id");
        }
    }
    return list->size();
}

bool RoomSim::rateAllows(std::deque<common::TimePoint>& window, int per_second) {
    const common::TimePoint now = clock_.now();
    while (!window.empty() && window.front() + std::chrono::seconds(1) <= now) window.pop_front();
    if (static_cast<int>(window.size()) >= per_second) return false;
    window.push_back(now);
    return true;
}

std::string RoomSim::newSessionId() {
    char buffer[40];
    std::snprintf(buffer, sizeof buffer, "%016llx%016llx",
                  static_cast<unsigned long long>(random_()),
                  static_cast<unsigned long long>(random_()));
    return buffer;
}

bool RoomSim::authenticate(const SimRequest& request, Auth& auth, SimResponse& refusal) {
    const std::string session_id = cookieValue(header(request, "cookie"), options_.cookie_name);
    if (!session_id.empty()) {
        auto it = sessions_.find(session_id);
        if (it == sessions_.end()) {
            ++counters_.unauthorized;
            refusal = unauthorized();
            return false;
        }
        ++counters_.session_requests;
        if (!rateAllows(session_window_, options_.session_per_second)) {
            ++counters_.rate_limited;
            refusal = serviceUnavailable();
            return false;
        }
        auth = Auth{true, true, it->second.user, it->second.role};
        return true;
    }
    std::string user, password;
    if (!decodeBasic(header(request, "authorization"), user, password)) {
        ++counters_.unauthorized;
        refusal = unauthorized();
        return false;
    }
    ++counters_.basic_requests;
    // Stricter than the device, which queues up to 30 requests before answering 503: a
    // client that keeps to 1 request/s never sees the difference, one that does not is caught.
    if (!rateAllows(basic_window_, options_.basic_per_second)) {
        ++counters_.rate_limited;
        refusal = serviceUnavailable();
        return false;
    }
    for (const SimUser& u : options_.users) {
        if (u.name == user && u.password == password) {
            auth = Auth{true, false, u.name, u.role};
            return true;
        }
    }
    ++counters_.unauthorized;
    refusal = unauthorized();
    return false;
}

SimResponse RoomSim::handle(const SimRequest& request) {
    std::lock_guard lock(mutex_);
    if (request.path.rfind("/_sim/", 0) == 0) return handleControl(request);
    ++counters_.requests;
    std::chrono::milliseconds latency{0};
    if (fault_active_) {
        if (fault_.remaining > 0) --fault_.remaining;
        if (fault_.remaining == 0) fault_active_ = false;
        ++counters_.faults_injected;
        if (fault_.reset) {
            SimResponse r;
            r.reset_connection = true;
            r.latency = fault_.latency;
            return r;
        }
        if (fault_.status != 0) {
            SimResponse r = fault_.status == 503 ? serviceUnavailable()
                                                 : xmlAnswer(fault_.status, "<Error/>\n");
            r.status = fault_.status;
            r.latency = fault_.latency;
            return r;
        }
        latency = fault_.latency;
    }
    SimResponse r;
    if (request.path == "/xmlapi/session/begin" || request.path == "/xmlapi/session/end") {
        if (!options_.session_api) {
            r = xmlAnswer(404, "<Error>Not found</Error>\n");
        } else if (request.method != "POST") {
            r = xmlAnswer(405, "<Error>Method not allowed</Error>\n");
        } else if (request.path == "/xmlapi/session/begin") {
            r = handleSessionBegin(request);
        } else {
            r = handleSessionEnd(request);
        }
    } else if (request.path == "/putxml") {
        Auth auth;
        if (request.method != "POST") {
            r = xmlAnswer(405, "<Error>Method not allowed</Error>\n");
        } else if (authenticate(request, auth, r)) {
            r = handlePutXml(request, auth);
        }
    } else if (request.path == "/bookingsputxml" && options_.legacy_endpoint) {
        Auth auth;
        if (request.method != "POST") {
            r = xmlAnswer(405, "<Error>Method not allowed</Error>\n");
        } else if (authenticate(request, auth, r)) {
            r = handleLegacyPut(request, auth);
        }
    } else {
        r = xmlAnswer(404, "<Error>Not found</Error>\n");
    }
    r.latency = latency;
    return r;
}

SimResponse RoomSim::handleSessionBegin(const SimRequest& request) {
    if (!cookieValue(header(request, "cookie"), options_.cookie_name).empty()) {
        // Beginning a session needs the password, never a cookie.
        SimRequest basic_only = request;
        basic_only.headers.erase("cookie");
        return handleSessionBegin(basic_only);
    }
    Auth auth;
    SimResponse refusal;
    if (!authenticate(request, auth, refusal)) return refusal;
    std::size_t mine = 0;
    for (const auto& [id, s] : sessions_) mine += s.user == auth.user ? 1 : 0;
    if (mine >= options_.max_sessions_per_user || sessions_.size() >= options_.max_total_sessions) {
        // (inferred) the device refuses further sessions; the status is not documented.
        return serviceUnavailable();
    }
    const std::string id = newSessionId();
    sessions_[id] = Session{auth.user, auth.role};
    ++counters_.sessions_begun;
    SimResponse r;
    r.status = 204;
    r.headers.emplace_back("Set-Cookie",
                           options_.cookie_name + "=" + id + "; Path=/; Secure; HttpOnly");
    return r;
}

SimResponse RoomSim::handleSessionEnd(const SimRequest& request) {
    const std::string id = cookieValue(header(request, "cookie"), options_.cookie_name);
    auto it = sessions_.find(id);
    if (id.empty() || it == sessions_.end()) {
        ++counters_.unauthorized;
        return unauthorized();
    }
    sessions_.erase(it);
    ++counters_.sessions_ended;
    SimResponse r;
    r.status = 204;
    r.headers.emplace_back("Set-Cookie", options_.cookie_name + "=; Path=/; Max-Age=0");
    return r;
}

SimResponse RoomSim::handlePutXml(const SimRequest& request, const Auth& auth) {
    Poco::XML::AutoPtr<Poco::XML::Document> doc;
    try {
        Poco::XML::DOMParser parser;
        parser.setFeature(Poco::XML::XMLReader::FEATURE_EXTERNAL_GENERAL_ENTITIES, false);
        parser.setFeature(Poco::XML::XMLReader::FEATURE_EXTERNAL_PARAMETER_ENTITIES, false);
        doc = parser.parseString(request.body);
    } catch (const Poco::Exception& e) {
        return xmlAnswer(
            400, "<XmlDoc><ParsingError>" + xmlEscape(e.message()) + "</ParsingError></XmlDoc>\n");
    }
    Poco::XML::Element* root = doc->documentElement();
    if (!root || root->tagName() != "Command") {
        return xmlAnswer(
            400, "<XmlDoc><ParsingError>expected a Command document</ParsingError></XmlDoc>\n");
    }
    Poco::XML::Element* group = nullptr;
    for (Poco::XML::Node* n = root->firstChild(); n; n = n->nextSibling()) {
        if (n->nodeType() == Poco::XML::Node::ELEMENT_NODE) {
            group = static_cast<Poco::XML::Element*>(n);
            break;
        }
    }
    Poco::XML::Element* verb = nullptr;
    if (group) {
        for (Poco::XML::Node* n = group->firstChild(); n; n = n->nextSibling()) {
            if (n->nodeType() == Poco::XML::Node::ELEMENT_NODE) {
                verb = static_cast<Poco::XML::Element*>(n);
                break;
            }
        }
    }
    const std::string path =
        (group ? "/" + group->tagName() : std::string()) + (verb ? "/" + verb->tagName() : "");
    if (!group || group->tagName() != "Bookings" || !verb) {
        return xmlAnswer(
            200, "<Command><Result status=\"Error\"><Reason>Unknown command</Reason><XPath>" +
                     xmlEscape(path) + "</XPath></Result></Command>\n");
    }
    const std::string name = verb->tagName();
    if (name == "Put") {
        if (!options_.put_refusal.empty()) {
            ++counters_.puts_rejected;
            if (options_.put_refusal == "Unknown command") {
                return xmlAnswer(
                    200,
                    "<Command><Result status=\"Error\"><Reason>Unknown command</Reason><XPath>" +
                        xmlEscape(path) + "</XPath></Result></Command>\n");
            }
            return commandResult("BookingsPutResult", options_.put_refusal);
        }
        if (auth.role != "Admin") {
            ++counters_.puts_rejected;
            return commandResult("BookingsPutResult", "Permission denied");
        }
        Poco::XML::Element* body = verb->getChildElement("body");
        if (!body) {
            ++counters_.puts_rejected;
            return commandResult("BookingsPutResult", "Missing multiline body");
        }
        const std::string json = body->innerText();
        auto valid = validateBookingsJson(json);
        if (!valid) {
            ++counters_.puts_rejected;
            return commandResult("BookingsPutResult", valid.error().message);
        }
        Poco::JSON::Parser parser;
        auto list = parser.parse(json).extract<Poco::JSON::Object::Ptr>()->getArray("Bookings");
        bookings_.clear();
        for (std::size_t i = 0; i < list->size(); ++i) {
            std::ostringstream out;
            Poco::JSON::Stringifier::stringify(list->getObject(static_cast<unsigned>(i)), out);
            bookings_.push_back(out.str());
        }
        ++put_generation_;
        last_put_at_ = formatTime(clock_.now());
        ++counters_.puts_ok;
        return commandResult("BookingsPutResult", "");
    }
    if (name == "Clear") {
        bookings_.clear();
        ++counters_.clears;
        return commandResult("BookingsClearResult", "");
    }
    if (name == "List") {
        ++counters_.lists;
        std::string out = "<Command><BookingsListResult status=\"OK\"><ResultInfo><TotalRows>" +
                          std::to_string(bookings_.size()) + "</TotalRows></ResultInfo>";
        Poco::JSON::Parser parser;
        for (std::size_t i = 0; i < bookings_.size(); ++i) {
            auto b = parser.parse(bookings_[i]).extract<Poco::JSON::Object::Ptr>();
            out += "<Booking item=\"" + std::to_string(i + 1) + "\"><Id>" +
                   xmlEscape(b->getValue<std::string>("Id")) + "</Id><Title>" +
                   xmlEscape(b->getValue<std::string>("Title")) + "</Title><Time><StartTime>" +
                   xmlEscape(b->getObject("Time")->getValue<std::string>("StartTime")) +
                   "</StartTime></Time></Booking>";
        }
        out += "</BookingsListResult></Command>\n";
        return xmlAnswer(200, out);
    }
    return xmlAnswer(200,
                     "<Command><Result status=\"Error\"><Reason>Unknown command</Reason><XPath>" +
                         xmlEscape(path) + "</XPath></Result></Command>\n");
}

namespace {

std::optional<std::int64_t> parseUtc(const std::string& text) {
    if (!isUtcTime(text)) return std::nullopt;
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, se = 0;
    if (std::sscanf(text.c_str(), "%d-%d-%dT%d:%d:%d", &y, &mo, &d, &h, &mi, &se) != 6)
        return std::nullopt;
    const auto days = std::chrono::sys_days{std::chrono::year{y} / mo / d};
    return days.time_since_epoch().count() * 86400LL + h * 3600 + mi * 60 + se;
}

std::string childText(Poco::XML::Element* parent, const std::string& path) {
    Poco::XML::Element* e = parent;
    std::size_t pos = 0;
    while (e && pos <= path.size()) {
        const auto slash = path.find('/', pos);
        const std::string part =
            path.substr(pos, slash == std::string::npos ? std::string::npos : slash - pos);
        e = e->getChildElement(part);
        if (slash == std::string::npos) break;
        pos = slash + 1;
    }
    return e ? e->innerText() : std::string();
}

}  // namespace

// The older TMS push format (research §1.4), stored in the same JSON shape as Bookings Put so
// /_sim/bookings reads the same either way. Validation covers what a push needs to show.
SimResponse RoomSim::handleLegacyPut(const SimRequest& request, const Auth& auth) {
    if (auth.role != "Admin") {
        ++counters_.puts_rejected;
        SimResponse r = xmlAnswer(403, "<Error>Forbidden</Error>\n");
        return r;
    }
    Poco::XML::AutoPtr<Poco::XML::Document> doc;
    try {
        Poco::XML::DOMParser parser;
        parser.setFeature(Poco::XML::XMLReader::FEATURE_EXTERNAL_GENERAL_ENTITIES, false);
        parser.setFeature(Poco::XML::XMLReader::FEATURE_EXTERNAL_PARAMETER_ENTITIES, false);
        doc = parser.parseString(request.body);
    } catch (const Poco::Exception& e) {
        ++counters_.puts_rejected;
        return xmlAnswer(
            400, "<XmlDoc><ParsingError>" + xmlEscape(e.message()) + "</ParsingError></XmlDoc>\n");
    }
    Poco::XML::Element* root = doc->documentElement();
    if (!root || root->tagName() != "Bookings") {
        ++counters_.puts_rejected;
        return xmlAnswer(400, "<Error>expected Bookings</Error>\n");
    }
    std::vector<std::string> stored;
    int index = 0;
    for (Poco::XML::Node* n = root->firstChild(); n; n = n->nextSibling()) {
        if (n->nodeType() != Poco::XML::Node::ELEMENT_NODE) continue;
        auto* booking = static_cast<Poco::XML::Element*>(n);
        if (booking->tagName() != "Booking") continue;
        const std::string where = "Booking[" + std::to_string(index++) + "]";
        const std::string id = childText(booking, "Id");
        const auto start = parseUtc(childText(booking, "Time/StartTime"));
        const auto end = parseUtc(childText(booking, "Time/EndTime"));
        if (id.empty() || !start || !end || *end <= *start) {
            ++counters_.puts_rejected;
            return xmlAnswer(
                400,
                "<Error>" + where +
                    ": Id, Time/StartTime and a later Time/EndTime (UTC) are required</Error>\n");
        }
        Poco::JSON::Object::Ptr out = new Poco::JSON::Object();
        out->set("Id", id);
        out->set("Title", childText(booking, "Title"));
        out->set("Privacy", childText(booking, "Privacy"));
        out->set("Number", childText(booking, "DialInfo/Calls/Call/Number"));
        const std::string protocol = childText(booking, "DialInfo/Calls/Call/Protocol");
        out->set("Protocol", protocol.empty() ? "None" : protocol);
        Poco::JSON::Object::Ptr organizer = new Poco::JSON::Object();
        std::string name = childText(booking, "Organizer/FirstName");
        const std::string last = childText(booking, "Organizer/LastName");
        if (!last.empty()) name += (name.empty() ? "" : " ") + last;
        organizer->set("Name", name);
        const std::string email = childText(booking, "Organizer/Email");
        if (!email.empty()) organizer->set("Email", email);
        out->set("Organizer", organizer);
        Poco::JSON::Object::Ptr time = new Poco::JSON::Object();
        time->set("StartTime", childText(booking, "Time/StartTime"));
        time->set("Duration", static_cast<int>((*end - *start + 59) / 60));
        out->set("Time", time);
        std::ostringstream text;
        Poco::JSON::Stringifier::stringify(out, text);
        stored.push_back(text.str());
    }
    bookings_ = std::move(stored);
    ++put_generation_;
    last_put_at_ = formatTime(clock_.now());
    ++counters_.legacy_puts_ok;
    return xmlAnswer(200, "<Bookings status=\"OK\"/>\n");
}

std::string RoomSim::countersJson() const {
    const SimCounters& c = counters_;
    std::string out = "{";
    auto field = [&out](const char* name, std::uint64_t value) {
        if (out.size() > 1) out += ',';
        out += "\"";
        out += name;
        out += "\":" + std::to_string(value);
    };
    field("requests", c.requests);
    field("puts_ok", c.puts_ok);
    field("puts_rejected", c.puts_rejected);
    field("legacy_puts_ok", c.legacy_puts_ok);
    field("clears", c.clears);
    field("lists", c.lists);
    field("sessions_begun", c.sessions_begun);
    field("sessions_ended", c.sessions_ended);
    field("sessions_open", sessions_.size());
    field("unauthorized", c.unauthorized);
    field("rate_limited", c.rate_limited);
    field("faults_injected", c.faults_injected);
    field("basic_requests", c.basic_requests);
    field("session_requests", c.session_requests);
    out += "}";
    return out;
}

SimResponse RoomSim::handleControl(const SimRequest& request) {
    if (request.path == "/_sim/bookings") {
        if (request.method == "GET") {
            std::string out = "{\"generation\":" + std::to_string(put_generation_) +
                              ",\"last_put_at\":" + jsonQuote(last_put_at_) + ",\"bookings\":[";
            for (std::size_t i = 0; i < bookings_.size(); ++i) out += (i ? "," : "") + bookings_[i];
            return jsonAnswer(200, out + "]}");
        }
        if (request.method == "DELETE") {
            bookings_.clear();
            return jsonAnswer(200, "{}");
        }
    }
    if (request.path == "/_sim/counters" && request.method == "GET")
        return jsonAnswer(200, countersJson());
    if (request.path == "/_sim/faults") {
        if (request.method == "DELETE") {
            fault_active_ = false;
            fault_ = {};
            return jsonAnswer(200, "{}");
        }
        if (request.method == "POST") {
            try {
                Poco::JSON::Parser parser;
                auto obj = parser.parse(request.body).extract<Poco::JSON::Object::Ptr>();
                SimFault f;
                f.status = obj->optValue<int>("status", 0);
                f.latency = std::chrono::milliseconds(obj->optValue<int>("latency_ms", 0));
                f.reset = obj->optValue<bool>("reset", false) || obj->optValue<bool>("down", false);
                f.remaining = obj->optValue<int>("count", -1);
                if (f.remaining == 0)
                    return jsonAnswer(400, "{\"error\":\"count must be positive or absent\"}");
                fault_ = f;
                fault_active_ = true;
                return jsonAnswer(200, "{}");
            } catch (const Poco::Exception& e) {
                return jsonAnswer(400, "{\"error\":" + jsonQuote(e.message()) + "}");
            }
        }
    }
    return jsonAnswer(404, "{\"error\":\"no such control endpoint\"}");
}

std::string RoomSim::bookingsJson() const {
    std::lock_guard lock(mutex_);
    std::string out = "[";
    for (std::size_t i = 0; i < bookings_.size(); ++i) out += (i ? "," : "") + bookings_[i];
    return out + "]";
}

std::size_t RoomSim::bookingCount() const {
    std::lock_guard lock(mutex_);
    return bookings_.size();
}

SimCounters RoomSim::counters() const {
    std::lock_guard lock(mutex_);
    return counters_;
}

std::size_t RoomSim::openSessions() const {
    std::lock_guard lock(mutex_);
    return sessions_.size();
}

void RoomSim::setFault(SimFault fault) {
    std::lock_guard lock(mutex_);
    fault_ = fault;
    fault_active_ = true;
}

void RoomSim::clearFault() {
    std::lock_guard lock(mutex_);
    fault_ = {};
    fault_active_ = false;
}

}  // namespace calconn::roomsim
