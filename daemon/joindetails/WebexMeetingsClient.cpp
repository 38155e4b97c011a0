#include "joindetails/WebexMeetingsClient.h"

#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <cctype>
#include <fstream>
#include <sstream>

namespace calconn::joindetails {

using common::ErrorCode;
using common::makeError;

std::string truncateUtf8(std::string_view text, std::size_t max_chars) {
    std::size_t chars = 0;
    std::size_t i = 0;
    while (i < text.size()) {
        if (chars == max_chars) break;
        auto c = static_cast<unsigned char>(text[i]);
        std::size_t len = c < 0x80           ? 1
                          : (c >> 5) == 0x6  ? 2
                          : (c >> 4) == 0xE  ? 3
                          : (c >> 3) == 0x1E ? 4
                                             : 1;
        if (i + len > text.size()) break;
        i += len;
        ++chars;
    }
    return std::string(text.substr(0, i));
}

std::string encodeCreateMeeting(const CreateMeetingRequest& request) {
    Poco::JSON::Object body;
    body.set("title", truncateUtf8(request.title.empty() ? "Webex meeting" : request.title, 128));
    if (!request.agenda.empty()) body.set("agenda", truncateUtf8(request.agenda, 1300));
    body.set("start", request.start);
    body.set("end", request.end);
    if (!request.timezone.empty()) body.set("timezone", request.timezone);
    if (!request.recurrence.empty()) body.set("recurrence", request.recurrence);
    if (!request.site_url.empty()) body.set("siteUrl", request.site_url);
    if (!request.host_email.empty()) body.set("hostEmail", request.host_email);
    if (!request.integration_tag.empty()) {
        Poco::JSON::Array::Ptr tags = new Poco::JSON::Array;
        tags->add(request.integration_tag);
        body.set("integrationTags", tags);
    }
    // The connector writes the invitation itself; Webex must not mail the attendees as well.
    body.set("sendEmail", false);
    std::ostringstream out;
    body.stringify(out);
    return out.str();
}

namespace {

common::Result<Poco::JSON::Object::Ptr> parseObject(std::string_view json) {
    try {
        Poco::JSON::Parser parser;
        auto value = parser.parse(std::string(json));
        auto object = value.extract<Poco::JSON::Object::Ptr>();
        if (object) return object;
    } catch (const Poco::Exception& e) {
        return makeError(ErrorCode::Protocol, "webex answer is not json: " + e.message());
    } catch (const std::exception& e) {
        return makeError(ErrorCode::Protocol,
                         std::string("webex answer is not a json object: ") + e.what());
    }
    return makeError(ErrorCode::Protocol, "webex answer is not a json object");
}

std::string stringField(const Poco::JSON::Object::Ptr& object, const std::string& name) {
    if (!object || !object->has(name)) return {};
    auto value = object->get(name);
    // Objects and arrays where a string belongs are treated as absent, not stringified.
    if (value.isEmpty() || !(value.isString() || value.isNumeric())) return {};
    try {
        return value.convert<std::string>();
    } catch (const Poco::Exception&) {
        return {};
    }
}

std::string percentEncode(std::string_view text) {
    static const char* const kHex = "0123456789ABCDEF";
    std::string out;
    for (char c : text) {
        auto u = static_cast<unsigned char>(c);
        if (std::isalnum(u) != 0 || c == '-' || c == '.' || c == '_' || c == '~') {
            out += c;
        } else {
            out += '%';
            out += kHex[u >> 4];
            out += kHex[u & 0xF];
        }
    }
    return out;
}

// "acme.webex.com" -> "acme"
std::string siteFromUrl(std::string site_url) {
    if (auto pos = site_url.find("://"); pos != std::string::npos) site_url.erase(0, pos + 3);
    if (auto dot = site_url.find('.'); dot != std::string::npos) site_url.erase(dot);
    return site_url;
}

void readTelephony(const Poco::JSON::Object::Ptr& object, JoinDetails& details) {
    if (!object->has("telephony")) return;
    auto telephony = object->getObject("telephony");
    if (!telephony) return;
    details.access_code = stringField(telephony, "accessCode");
    auto numbers = telephony->getArray("callInNumbers");
    if (!numbers) return;
    for (std::size_t i = 0; i < numbers->size(); ++i) {
        auto entry = numbers->getObject(static_cast<unsigned>(i));
        if (!entry) continue;
        CallInNumber number{stringField(entry, "label"), stringField(entry, "callInNumber"),
                            stringField(entry, "tollType")};
        if (!number.number.empty()) details.call_in_numbers.push_back(std::move(number));
    }
}

}  // namespace

common::Result<JoinDetails> decodeMeeting(std::string_view json) {
    auto object = parseObject(json);
    if (!object) return object.error();
    const auto& o = *object;
    JoinDetails details;
    details.action = JoinAction::WebexMeeting;
    details.webex_meeting_id = stringField(o, "id");
    details.join_url = stringField(o, "webLink");
    details.sip_address = stringField(o, "sipAddress");
    details.meeting_number = stringField(o, "meetingNumber");
    details.password = stringField(o, "password");
    details.video_password = stringField(o, "phoneAndVideoSystemPassword");
    details.host_name = stringField(o, "hostDisplayName");
    details.site = siteFromUrl(stringField(o, "siteUrl"));
    readTelephony(o, details);
    if (details.webex_meeting_id.empty() || details.join_url.empty()) {
        return makeError(ErrorCode::Protocol, "webex meeting answer lacks id or webLink");
    }
    return details;
}

common::Result<std::vector<JoinDetails>> decodeMeetingList(std::string_view json) {
    auto object = parseObject(json);
    if (!object) return object.error();
    if (!(*object)->has("items") || !(*object)->isArray("items")) {
        return makeError(ErrorCode::Protocol, "webex meeting list lacks its items array");
    }
    auto items = (*object)->getArray("items");
    std::vector<JoinDetails> meetings;
    for (std::size_t i = 0; i < items->size(); ++i) {
        auto item = items->getObject(static_cast<unsigned>(i));
        if (!item) return makeError(ErrorCode::Protocol, "webex meeting list holds a non-object");
        std::ostringstream text;
        item->stringify(text);
        auto meeting = decodeMeeting(text.str());
        if (!meeting) return meeting.error();
        meetings.push_back(std::move(*meeting));
    }
    return meetings;
}

std::string encodeMeetingQuery(const MeetingQuery& query) {
    std::string out;
    auto add = [&out](const char* name, const std::string& value) {
        if (value.empty()) return;
        if (!out.empty()) out += '&';
        out += name;
        out += '=';
        out += percentEncode(value);
    };
    add("integrationTag", query.integration_tag);
    add("hostEmail", query.host_email);
    add("siteUrl", query.site_url);
    add("from", query.from);
    add("to", query.to);
    return out;
}

common::Result<JoinDetails> decodePersonalRoom(std::string_view json) {
    auto object = parseObject(json);
    if (!object) return object.error();
    const auto& o = *object;
    JoinDetails details;
    details.action = JoinAction::PersonalRoom;
    details.join_url = stringField(o, "personalMeetingRoomLink");
    details.sip_address = stringField(o, "sipAddress");
    readTelephony(o, details);
    if (details.join_url.empty()) {
        return makeError(ErrorCode::Protocol, "personal room answer lacks personalMeetingRoomLink");
    }
    // "https://acme.webex.com/meet/alice" -> "acme"
    details.site = siteFromUrl(details.join_url);
    return details;
}

common::Error decodeWebexError(int status, std::string_view body, std::string_view retry_after) {
    ErrorCode code = ErrorCode::Protocol;
    if (status == 400)
        code = ErrorCode::InvalidArgument;
    else if (status == 401)
        code = ErrorCode::Unauthenticated;
    else if (status == 403)
        code = ErrorCode::PermissionDenied;
    else if (status == 404)
        code = ErrorCode::NotFound;
    else if (status == 409 || status == 412)
        code = ErrorCode::Conflict;
    else if (status == 429)
        code = ErrorCode::Throttled;
    else if (status >= 500)
        code = ErrorCode::Unavailable;
    std::string message = "webex answered " + std::to_string(status);
    std::string context;
    if (auto object = parseObject(body); object) {
        std::string text = stringField(*object, "message");
        auto errors = (*object)->getArray("errors");
        if (text.empty() && errors && errors->size() > 0) {
            text = stringField(errors->getObject(0), "description");
        }
        if (!text.empty()) message += ": " + text;
        std::string tracking = stringField(*object, "trackingId");
        if (!tracking.empty()) context = "trackingId=" + tracking;
    }
    if (status == 429 && !retry_after.empty()) {
        if (!context.empty()) context += " ";
        context += "retry-after=" + std::string(retry_after);
    }
    return makeError(code, message, context);
}

common::Result<crypto::SecretString> readTokenFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return makeError(ErrorCode::Io, "cannot read webex token file", path);
    std::string line;
    std::getline(in, line);
    std::size_t begin = 0;
    std::size_t end = line.size();
    while (begin < end && std::isspace(static_cast<unsigned char>(line[begin])) != 0) ++begin;
    while (end > begin && std::isspace(static_cast<unsigned char>(line[end - 1])) != 0) --end;
    crypto::SecretString token(std::string_view(line).substr(begin, end - begin));
    crypto::secureWipe({reinterpret_cast<std::uint8_t*>(line.data()), line.size()});
    if (token.empty()) return makeError(ErrorCode::Config, "webex token file is empty", path);
    return token;
}

WebexMeetingsClient::WebexMeetingsClient(net::HttpClient& http, std::string api_endpoint,
                                         crypto::SecretString token)
    : http_(http), endpoint_(std::move(api_endpoint)), token_(std::move(token)) {
    while (!endpoint_.empty() && endpoint_.back() == '/') endpoint_.pop_back();
}

common::Result<net::HttpResponse> WebexMeetingsClient::call(const std::string& method,
                                                            const std::string& path,
                                                            std::string body) {
    net::HttpRequest request;
    request.method = method;
    request.url = endpoint_ + path;
    request.headers.set("Authorization", "Bearer " + std::string(token_.view()));
    request.headers.set("Accept", "application/json");
    if (!body.empty()) request.headers.set("Content-Type", "application/json");
    request.body = std::move(body);
    auto response = http_.send(request);
    if (!response) return response.error();
    if (response->status < 200 || response->status >= 300) {
        return decodeWebexError(response->status, response->body,
                                response->headers.get("Retry-After").value_or(""));
    }
    return response;
}

common::Result<JoinDetails> WebexMeetingsClient::createMeeting(
    const CreateMeetingRequest& request) {
    // POST is not idempotent: a retry after an exchange failure could create two meetings, so
    // the request is not marked retry-safe and the caller decides.
    auto response = call("POST", "/meetings", encodeCreateMeeting(request));
    if (!response) return response.error();
    return decodeMeeting(response->body);
}

namespace {
// Meeting ids go into the request path; anything but an opaque id token is refused.
bool isSafeMeetingId(const std::string& id) {
    if (id.empty() || id.size() > 256) return false;
    for (char c : id) {
        if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '_' && c != '-') return false;
    }
    return true;
}
}  // namespace

common::Result<JoinDetails> WebexMeetingsClient::getMeeting(const std::string& meeting_id) {
    if (!isSafeMeetingId(meeting_id)) {
        return makeError(ErrorCode::InvalidArgument, "malformed webex meeting id", meeting_id);
    }
    auto response = call("GET", "/meetings/" + meeting_id, {});
    if (!response) return response.error();
    return decodeMeeting(response->body);
}

common::Status WebexMeetingsClient::deleteMeeting(const std::string& meeting_id) {
    if (!isSafeMeetingId(meeting_id)) {
        return makeError(ErrorCode::InvalidArgument, "malformed webex meeting id", meeting_id);
    }
    auto response = call("DELETE", "/meetings/" + meeting_id, {});
    if (!response) return response.error();
    return {};
}

common::Result<std::vector<JoinDetails>> WebexMeetingsClient::findMeetings(
    const MeetingQuery& query) {
    const std::string parameters = encodeMeetingQuery(query);
    auto response = call("GET", parameters.empty() ? "/meetings" : "/meetings?" + parameters, {});
    if (!response) return response.error();
    return decodeMeetingList(response->body);
}

common::Result<JoinDetails> WebexMeetingsClient::personalRoom(const std::string& user_email) {
    std::string path = "/meetingPreferences/personalMeetingRoom";
    if (!user_email.empty()) path += "?userEmail=" + percentEncode(user_email);
    auto response = call("GET", path, {});
    if (!response) return response.error();
    return decodePersonalRoom(response->body);
}

}  // namespace calconn::joindetails
