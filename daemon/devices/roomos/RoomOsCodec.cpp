#include "devices/roomos/RoomOsCodec.h"

#include <Poco/DOM/AutoPtr.h>
#include <Poco/DOM/DOMParser.h>
#include <Poco/DOM/Document.h>
#include <Poco/DOM/Element.h>
#include <Poco/DOM/NodeList.h>
#include <Poco/Exception.h>
#include <Poco/SAX/InputSource.h>
#include <Poco/SAX/XMLReader.h>
#include <openssl/evp.h>

#include <sstream>

#include "devices/JsonText.h"

namespace calconn::devices::roomos {

namespace {

using common::ErrorCode;
using common::makeError;

void appendBooking(std::string& out, const DeviceBooking& b) {
    out += "{\"Id\":" + jsonString(b.id);
    out += ",\"Title\":" + jsonString(b.title);
    out += ",\"Privacy\":" + jsonString(b.is_private ? "Private" : "Public");
    out += ",\"Protocol\":" + jsonString(b.protocol);
    out += ",\"MeetingPlatform\":" + jsonString(b.meeting_platform);
    out += ",\"Number\":" + jsonString(b.number);
    out += ",\"Organizer\":{\"Name\":" + jsonString(b.organizer_name);
    if (!b.organizer_email.empty()) out += ",\"Email\":" + jsonString(b.organizer_email);
    out += "},\"Time\":{\"StartTime\":" + jsonString(formatUtc(b.start));
    out += ",\"Duration\":" + std::to_string(b.duration_minutes);
    out += ",\"StartTimeBuffer\":" + std::to_string(b.start_time_buffer_seconds);
    out += ",\"EndTimeBuffer\":" + std::to_string(b.end_time_buffer_seconds);
    out += "}}";
}

std::string command(std::string_view verb, std::string_view inner) {
    std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Command><Bookings><";
    out += verb;
    out += ">";
    out += inner;
    out += "</";
    out += verb;
    out += "></Bookings></Command>";
    return out;
}

std::string shorten(std::string_view text) {
    constexpr std::size_t kMax = 200;
    std::string out(text.substr(0, kMax));
    if (text.size() > kMax) out += "...";
    return out;
}

// The first element carrying a status attribute: <BookingsPutResult status="...">, or the
// generic <Result status="Error"> an unknown command gets.
Poco::XML::Element* findResult(Poco::XML::Element* element) {
    if (!element) return nullptr;
    if (element->hasAttribute("status")) return element;
    for (Poco::XML::Node* child = element->firstChild(); child; child = child->nextSibling()) {
        if (child->nodeType() != Poco::XML::Node::ELEMENT_NODE) continue;
        if (auto* found = findResult(static_cast<Poco::XML::Element*>(child))) return found;
    }
    return nullptr;
}

}  // namespace

std::string bookingsPutJson(const std::vector<DeviceBooking>& bookings) {
    std::string out = "{\"Bookings\":[";
    for (std::size_t i = 0; i < bookings.size(); ++i) {
        if (i) out += ',';
        appendBooking(out, bookings[i]);
    }
    out += "]}";
    return out;
}

std::string xmlEscape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
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
            case '\'':
                out += "&apos;";
                break;
            default:
                out += c;
        }
    }
    return out;
}

std::string bookingsPutCommand(std::string_view json) {
    return command("Put", "<body>" + xmlEscape(json) + "</body>");
}

std::string bookingsPutCommand(const std::vector<DeviceBooking>& bookings) {
    return bookingsPutCommand(bookingsPutJson(bookings));
}

std::string bookingsClearCommand() { return command("Clear", ""); }
std::string bookingsListCommand() { return command("List", ""); }

std::string legacyBookingsXml(const std::vector<DeviceBooking>& bookings) {
    std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Bookings status=\"OK\">";
    for (const DeviceBooking& b : bookings) {
        const auto space = b.organizer_name.rfind(' ');
        const std::string first =
            space == std::string::npos ? b.organizer_name : b.organizer_name.substr(0, space);
        const std::string last =
            space == std::string::npos ? "" : b.organizer_name.substr(space + 1);
        out += "<Booking><Id>" + xmlEscape(b.id) + "</Id><Title>" + xmlEscape(b.title) +
               "</Title><Agenda/><Privacy>" + (b.is_private ? "Private" : "Public") + "</Privacy>";
        out += "<Organizer><FirstName>" + xmlEscape(first) + "</FirstName><LastName>" +
               xmlEscape(last) + "</LastName><Email>" + xmlEscape(b.organizer_email) +
               "</Email></Organizer>";
        out += "<Time><StartTime>" + formatUtc(b.start) + "</StartTime><StartTimeBuffer>" +
               std::to_string(b.start_time_buffer_seconds) + "</StartTimeBuffer><EndTime>" +
               formatUtc(b.start + std::chrono::minutes(b.duration_minutes)) +
               "</EndTime><EndTimeBuffer>" + std::to_string(b.end_time_buffer_seconds) +
               "</EndTimeBuffer></Time>";
        out +=
            "<MaximumMeetingExtension>5</MaximumMeetingExtension><BookingStatus>OK</BookingStatus>"
            "<BookingStatusMessage/><Webex><Enabled>False</Enabled><MeetingNumber/><Password/></"
            "Webex>"
            "<Encryption>BestEffort</Encryption><Role>Master</Role><Recording>Disabled</Recording>";
        out += "<DialInfo><Calls>";
        if (!b.number.empty()) {
            out += "<Call><Number>" + xmlEscape(b.number) + "</Number><Protocol>" +
                   xmlEscape(b.protocol) +
                   "</Protocol><CallRate>6000</CallRate><CallType>Video</CallType></Call>";
        }
        out += "</Calls><ConnectMode>";
        out += b.number.empty() ? "Manual" : "OBTP";
        out += "</ConnectMode></DialInfo></Booking>";
    }
    out += "</Bookings>";
    return out;
}

common::Status parseLegacyResponse(int http_status, std::string_view body) {
    if (http_status >= 200 && http_status < 300) return {};
    return parseCommandResponse(http_status, body);
}

bool wantsLegacyFallback(const common::Error& error) {
    if (error.code == ErrorCode::NotFound) return true;
    if (error.code != ErrorCode::InvalidArgument) return false;
    return error.message.find("Unknown command") != std::string::npos ||
           error.message.find("not entitled") != std::string::npos;
}

std::string basicAuthorization(std::string_view username, std::string_view password) {
    std::string plain(username);
    plain += ':';
    plain += password;
    std::string encoded(4 * ((plain.size() + 2) / 3) + 1, '\0');
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(encoded.data()),
                                  reinterpret_cast<const unsigned char*>(plain.data()),
                                  static_cast<int>(plain.size()));
    encoded.resize(static_cast<std::size_t>(n));
    return "Basic " + encoded;
}

std::optional<std::string> sessionCookie(const net::HttpHeaders& headers) {
    std::optional<std::string> plain;
    for (const std::string& value : headers.getAll("Set-Cookie")) {
        const std::string pair = value.substr(0, value.find(';'));
        const auto eq = pair.find('=');
        if (eq == std::string::npos || eq + 1 == pair.size()) continue;
        const std::string name = pair.substr(0, eq);
        if (name == "SecureSessionId") return pair;
        if (name == "SessionId") plain = pair;
    }
    return plain;
}

common::Status parseCommandResponse(int http_status, std::string_view body) {
    if (http_status == 401)
        return makeError(ErrorCode::Unauthenticated, "device refused the credentials");
    if (http_status == 403)
        return makeError(ErrorCode::PermissionDenied, "device refused the request");
    if (http_status == 503 || http_status == 429) {
        return makeError(ErrorCode::Throttled, "device is rate limiting requests",
                         "http " + std::to_string(http_status));
    }
    if (http_status == 404 || http_status == 405) {
        return makeError(ErrorCode::NotFound, "device does not offer this api",
                         "http " + std::to_string(http_status));
    }
    if (http_status >= 500) {
        return makeError(ErrorCode::Unavailable, "device answered a server error",
                         "http " + std::to_string(http_status));
    }
    if (http_status < 200 || http_status >= 300) {
        return makeError(ErrorCode::Protocol, "unexpected device answer",
                         "http " + std::to_string(http_status) + ": " + shorten(body));
    }
    try {
        Poco::XML::DOMParser parser;
        // Device answers never need entities from outside the document.
        parser.setFeature(Poco::XML::XMLReader::FEATURE_EXTERNAL_GENERAL_ENTITIES, false);
        parser.setFeature(Poco::XML::XMLReader::FEATURE_EXTERNAL_PARAMETER_ENTITIES, false);
        Poco::XML::AutoPtr<Poco::XML::Document> doc = parser.parseMemory(body.data(), body.size());
        Poco::XML::Element* result = findResult(doc->documentElement());
        if (!result) {
            return makeError(ErrorCode::Protocol, "device answer holds no command result",
                             shorten(body));
        }
        const std::string status = result->getAttribute("status");
        if (status == "OK") return {};
        std::string reason;
        if (Poco::XML::Element* r = result->getChildElement("Reason")) reason = r->innerText();
        if (reason.empty()) reason = "command failed";
        const ErrorCode code = reason.find("ermission") != std::string::npos
                                   ? ErrorCode::PermissionDenied
                                   : ErrorCode::InvalidArgument;
        return makeError(code, "device refused the command: " + shorten(reason), result->tagName());
    } catch (const Poco::Exception& e) {
        return makeError(ErrorCode::Protocol, "device answer is not xml: " + e.displayText(),
                         shorten(body));
    }
}

common::Status parseSessionResponse(int http_status, std::string_view body) {
    if (http_status == 204 || http_status == 200) return {};
    return parseCommandResponse(http_status, body).ok()
               ? common::Status(makeError(ErrorCode::Protocol, "unexpected session answer",
                                          "http " + std::to_string(http_status)))
               : parseCommandResponse(http_status, body);
}

}  // namespace calconn::devices::roomos
