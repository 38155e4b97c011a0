#include <Poco/DOM/AutoPtr.h>
#include <Poco/DOM/DOMParser.h>
#include <Poco/DOM/Document.h>
#include <Poco/DOM/Element.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>

#include "RoomSim.h"
#include "devices/roomos/RoomOsCodec.h"

namespace calconn::devices::roomos {
namespace {

using namespace std::chrono_literals;

DeviceBooking sample(const std::string& title) {
    DeviceBooking b;
    b.id = "cc0123456789abcdef";
    b.title = title;
    b.organizer_name = "Ada \"The Countess\" Lovelace";
    b.organizer_email = "ada@example.com";
    b.start = std::chrono::sys_days{std::chrono::year{2026} / 3 / 2} + 9h;
    b.duration_minutes = 30;
    b.number = "123456789@example.webex.com";
    b.protocol = "SIP";
    b.meeting_platform = "Webex";
    return b;
}

// What a device (any XML parser) reads back out of <body>.
std::string bodyOf(const std::string& xml) {
    Poco::XML::DOMParser parser;
    Poco::XML::AutoPtr<Poco::XML::Document> doc = parser.parseString(xml);
    Poco::XML::Element* root = doc->documentElement();
    EXPECT_EQ(root->tagName(), "Command");
    return root->getChildElement("Bookings")
        ->getChildElement("Put")
        ->getChildElement("body")
        ->innerText();
}

TEST(RoomOsCodec, PutJsonHasTheDocumentedShape) {
    const std::string json = bookingsPutJson({sample("Weekly sync")});
    EXPECT_EQ(
        json,
        R"({"Bookings":[{"Id":"cc0123456789abcdef","Title":"Weekly sync","Privacy":"Public",)"
        R"("Protocol":"SIP","MeetingPlatform":"Webex","Number":"123456789@example.webex.com",)"
        R"("Organizer":{"Name":"Ada \"The Countess\" Lovelace","Email":"ada@example.com"},)"
        R"("Time":{"StartTime":"2026-03-02T09:00:00Z","Duration":30,"StartTimeBuffer":300,"EndTimeBuffer":0}}]})");
    EXPECT_TRUE(calconn::roomsim::RoomSim::validateBookingsJson(json).ok());
    EXPECT_EQ(bookingsPutJson({}), R"({"Bookings":[]})");
}

TEST(RoomOsCodec, PrivateBookingSaysPrivateAndOmitsEmail) {
    DeviceBooking b = sample("Private meeting");
    b.is_private = true;
    b.organizer_email.clear();
    const std::string json = bookingsPutJson({b});
    EXPECT_NE(json.find(R"("Privacy":"Private")"), std::string::npos);
    EXPECT_EQ(json.find("Email"), std::string::npos);
}

TEST(RoomOsCodec, HostileTitlesSurviveTheEnvelope) {
    for (const std::string& title :
         {std::string("</body><script>alert(1)</script>"), std::string("]]><![CDATA[x"),
          std::string("a & b < c > d \"q\" 'a'"), std::string("line\nbreak\ttab\x01"),
          std::string("Zo\xc3\xab's caf\xc3\xa9 \xe2\x98\x95")}) {
        const std::string xml = bookingsPutCommand({sample(title)});
        EXPECT_EQ(xml.find("</body><script>"), std::string::npos);
        EXPECT_EQ(xml.find("]]>"), std::string::npos);
        const std::string json = bodyOf(xml);
        EXPECT_EQ(json, bookingsPutJson({sample(title)}));
        Poco::JSON::Parser parser;
        auto root = parser.parse(json).extract<Poco::JSON::Object::Ptr>();
        EXPECT_EQ(root->getArray("Bookings")->getObject(0)->getValue<std::string>("Title"), title);
    }
}

TEST(RoomOsCodec, EscapesXmlMetacharacters) {
    EXPECT_EQ(xmlEscape("<a href=\"x\">&'</a>"),
              "&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;");
}

TEST(RoomOsCodec, ClearAndListCommands) {
    EXPECT_NE(
        bookingsClearCommand().find("<Command><Bookings><Clear></Clear></Bookings></Command>"),
        std::string::npos);
    EXPECT_NE(bookingsListCommand().find("<Command><Bookings><List></List></Bookings></Command>"),
              std::string::npos);
}

TEST(RoomOsCodec, BasicAuthorization) {
    EXPECT_EQ(basicAuthorization("Aladdin", "open sesame"), "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
}

TEST(RoomOsCodec, SessionCookiePrefersSecureSessionId) {
    net::HttpHeaders h;
    h.add("Set-Cookie", "SessionId=abc; Path=/; HttpOnly");
    EXPECT_EQ(sessionCookie(h).value_or(""), "SessionId=abc");
    h.add("Set-Cookie", "SecureSessionId=xyz; Path=/; Secure");
    EXPECT_EQ(sessionCookie(h).value_or(""), "SecureSessionId=xyz");
    EXPECT_FALSE(sessionCookie(net::HttpHeaders{{"Set-Cookie", "Other=1"}}).has_value());
    EXPECT_FALSE(
        sessionCookie(net::HttpHeaders{{"Set-Cookie", "SessionId=; Max-Age=0"}}).has_value());
}

TEST(RoomOsCodec, ParsesSuccessAndErrorAnswers) {
    EXPECT_TRUE(
        parseCommandResponse(
            200, R"(<?xml version="1.0"?><Command><BookingsPutResult status="OK"/></Command>)")
            .ok());
    auto error = parseCommandResponse(
        200,
        R"(<Command><BookingsPutResult status="Error"><Reason>Bookings[0].Protocol: invalid</Reason></BookingsPutResult></Command>)");
    ASSERT_FALSE(error.ok());
    EXPECT_EQ(error.error().code, common::ErrorCode::InvalidArgument);
    EXPECT_NE(error.error().message.find("Bookings[0].Protocol: invalid"), std::string::npos);
    EXPECT_EQ(error.error().context, "BookingsPutResult");
    auto denied = parseCommandResponse(
        200,
        R"(<Command><BookingsPutResult status="Error"><Reason>Permission denied</Reason></BookingsPutResult></Command>)");
    EXPECT_EQ(denied.error().code, common::ErrorCode::PermissionDenied);
    auto unknown = parseCommandResponse(
        200,
        R"(<Command><Result status="Error"><Reason>Unknown command</Reason></Result></Command>)");
    EXPECT_EQ(unknown.error().code, common::ErrorCode::InvalidArgument);
}

TEST(RoomOsCodec, MapsHttpStatusesAndGarbage) {
    EXPECT_EQ(parseCommandResponse(401, "").error().code, common::ErrorCode::Unauthenticated);
    EXPECT_EQ(parseCommandResponse(403, "").error().code, common::ErrorCode::PermissionDenied);
    EXPECT_EQ(parseCommandResponse(503, "").error().code, common::ErrorCode::Throttled);
    EXPECT_EQ(parseCommandResponse(500, "").error().code, common::ErrorCode::Unavailable);
    EXPECT_EQ(parseCommandResponse(404, "").error().code, common::ErrorCode::NotFound);
    EXPECT_EQ(parseCommandResponse(400, "<XmlDoc/>").error().code, common::ErrorCode::Protocol);
    EXPECT_EQ(parseCommandResponse(200, "not xml <").error().code, common::ErrorCode::Protocol);
    EXPECT_EQ(parseCommandResponse(200, "<Command/>").error().code, common::ErrorCode::Protocol);
    EXPECT_EQ(parseCommandResponse(200, "").error().code, common::ErrorCode::Protocol);
    // An entity expansion bomb or external entity must not be fetched or expanded silently.
    EXPECT_FALSE(
        parseCommandResponse(
            200,
            R"(<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><Command><R status="&e;"/></Command>)")
            .ok());
    EXPECT_TRUE(parseSessionResponse(204, "").ok());
    EXPECT_EQ(parseSessionResponse(401, "").error().code, common::ErrorCode::Unauthenticated);
}

}  // namespace
}  // namespace calconn::devices::roomos

namespace calconn::devices::roomos {
namespace {

TEST(RoomOsCodecLegacy, TmsFormatCarriesTheSameBooking) {
    DeviceBooking b = sample("R&D <sync>");
    const std::string xml = legacyBookingsXml({b});
    Poco::XML::DOMParser parser;
    Poco::XML::AutoPtr<Poco::XML::Document> doc = parser.parseString(xml);
    Poco::XML::Element* booking = doc->documentElement()->getChildElement("Booking");
    ASSERT_NE(booking, nullptr);
    EXPECT_EQ(booking->getChildElement("Title")->innerText(), "R&D <sync>");
    EXPECT_EQ(booking->getChildElement("Organizer")->getChildElement("FirstName")->innerText(),
              "Ada \"The Countess\"");
    EXPECT_EQ(booking->getChildElement("Organizer")->getChildElement("LastName")->innerText(),
              "Lovelace");
    auto* time = booking->getChildElement("Time");
    EXPECT_EQ(time->getChildElement("StartTime")->innerText(), "2026-03-02T09:00:00Z");
    EXPECT_EQ(time->getChildElement("EndTime")->innerText(), "2026-03-02T09:30:00Z");
    auto* call =
        booking->getChildElement("DialInfo")->getChildElement("Calls")->getChildElement("Call");
    EXPECT_EQ(call->getChildElement("Number")->innerText(), "123456789@example.webex.com");
    EXPECT_EQ(call->getChildElement("Protocol")->innerText(), "SIP");
}

TEST(RoomOsCodecLegacy, FallbackOnlyForMissingBookingsPut) {
    EXPECT_TRUE(wantsLegacyFallback(parseCommandResponse(404, "").error()));
    EXPECT_TRUE(wantsLegacyFallback(
        parseCommandResponse(
            200,
            R"(<Command><Result status="Error"><Reason>Unknown command</Reason></Result></Command>)")
            .error()));
    EXPECT_TRUE(wantsLegacyFallback(
        parseCommandResponse(
            200,
            R"(<Command><BookingsPutResult status="Error"><Reason>Device not entitled</Reason></BookingsPutResult></Command>)")
            .error()));
    EXPECT_FALSE(wantsLegacyFallback(
        parseCommandResponse(
            200,
            R"(<Command><BookingsPutResult status="Error"><Reason>Bookings[0].Id: duplicate Id</Reason></BookingsPutResult></Command>)")
            .error()));
    EXPECT_FALSE(wantsLegacyFallback(parseCommandResponse(401, "").error()));
    EXPECT_TRUE(parseLegacyResponse(200, "").ok());
    EXPECT_EQ(parseLegacyResponse(403, "").error().code, common::ErrorCode::PermissionDenied);
}

}  // namespace
}  // namespace calconn::devices::roomos
