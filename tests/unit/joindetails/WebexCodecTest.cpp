#include <gtest/gtest.h>

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <filesystem>
#include <fstream>

#include <unistd.h>

#include "joindetails/WebexMeetingsClient.h"
#include "TestSupport.h"

namespace calconn::joindetails {
namespace {

using testing::readFixture;

TEST(WebexCodec, EncodesCreateMeetingAsResearchSays) {
    CreateMeetingRequest request{"Q3 planning", "", "2026-12-01T10:00:00Z", "2026-12-01T11:00:00Z",
                                 "Europe/Warsaw", "acme.webex.com", "", "", ""};
    Poco::JSON::Parser parser;
    auto o = parser.parse(encodeCreateMeeting(request)).extract<Poco::JSON::Object::Ptr>();
    EXPECT_EQ(o->getValue<std::string>("title"), "Q3 planning");
    EXPECT_EQ(o->getValue<std::string>("start"), "2026-12-01T10:00:00Z");
    EXPECT_EQ(o->getValue<std::string>("end"), "2026-12-01T11:00:00Z");
    EXPECT_EQ(o->getValue<std::string>("timezone"), "Europe/Warsaw");
    EXPECT_EQ(o->getValue<std::string>("siteUrl"), "acme.webex.com");
    EXPECT_FALSE(o->getValue<bool>("sendEmail"));
    EXPECT_FALSE(o->has("agenda"));
    EXPECT_FALSE(o->has("recurrence"));
    request.recurrence = "FREQ=WEEKLY;INTERVAL=1;BYDAY=TU";
    o = Poco::JSON::Parser().parse(encodeCreateMeeting(request)).extract<Poco::JSON::Object::Ptr>();
    EXPECT_EQ(o->getValue<std::string>("recurrence"), "FREQ=WEEKLY;INTERVAL=1;BYDAY=TU");
    EXPECT_FALSE(o->has("integrationTags"));
    request.integration_tag = "calconn-0123456789abcdef0123456789abcdef";
    o = Poco::JSON::Parser().parse(encodeCreateMeeting(request)).extract<Poco::JSON::Object::Ptr>();
    ASSERT_TRUE(o->isArray("integrationTags"));
    EXPECT_EQ(o->getArray("integrationTags")->size(), 1u);
    EXPECT_EQ(o->getArray("integrationTags")->getElement<std::string>(0),
              "calconn-0123456789abcdef0123456789abcdef");
}

TEST(WebexCodec, EncodesTheMeetingQueryPercentEncoded) {
    EXPECT_EQ(encodeMeetingQuery({}), "");
    EXPECT_EQ(encodeMeetingQuery({"calconn-ab", "o'neil+x@example.com", "acme.webex.com",
                                  "2026-12-01T10:00:00+01:00", ""}),
              "integrationTag=calconn-ab&hostEmail=o%27neil%2Bx%40example.com&siteUrl=acme.webex.com"
              "&from=2026-12-01T10%3A00%3A00%2B01%3A00");
}

TEST(WebexCodec, DecodesAMeetingList) {
    auto none = decodeMeetingList(R"({"items": []})");
    ASSERT_TRUE(none.ok());
    EXPECT_TRUE(none->empty());
    auto two = decodeMeetingList(R"({"items": [
        {"id": "a1", "webLink": "https://acme.webex.com/acme/j.php?MTID=a1", "unknown": {"x": 1}},
        {"id": "b2", "webLink": "https://acme.webex.com/acme/j.php?MTID=b2"}]})");
    ASSERT_TRUE(two.ok()) << two.error().toString();
    ASSERT_EQ(two->size(), 2u);
    EXPECT_EQ((*two)[1].webex_meeting_id, "b2");
    EXPECT_EQ(decodeMeetingList("{}").error().code, common::ErrorCode::Protocol);
    EXPECT_EQ(decodeMeetingList(R"({"items": {}})").error().code, common::ErrorCode::Protocol);
    EXPECT_EQ(decodeMeetingList(R"({"items": [1]})").error().code, common::ErrorCode::Protocol);
    EXPECT_EQ(decodeMeetingList(R"({"items": [{"id": "no-link"}]})").error().code,
              common::ErrorCode::Protocol);
}

TEST(WebexCodec, CutsTitleTo128CharactersWithoutBreakingUtf8) {
    std::string title;
    for (int i = 0; i < 200; ++i) title += "ż";
    CreateMeetingRequest request{title, "", "s", "e", "", "", "", "", ""};
    Poco::JSON::Parser parser;
    auto o = parser.parse(encodeCreateMeeting(request)).extract<Poco::JSON::Object::Ptr>();
    std::string sent = o->getValue<std::string>("title");
    EXPECT_EQ(sent.size(), 256u);
    EXPECT_EQ(truncateUtf8("abc", 2), "ab");
    EXPECT_EQ(truncateUtf8("a会b", 2), "a会");
    EXPECT_EQ(truncateUtf8("a\xE4\xBC", 5), "a");
    // An empty subject still gives Webex a title (it requires one).
    CreateMeetingRequest untitled{"", "", "s", "e", "", "", "", "", ""};
    auto u = parser.parse(encodeCreateMeeting(untitled)).extract<Poco::JSON::Object::Ptr>();
    EXPECT_FALSE(u->getValue<std::string>("title").empty());
}

TEST(WebexCodec, DecodesAMeeting) {
    auto d = decodeMeeting(readFixture("webex-meeting.json"));
    ASSERT_TRUE(d.ok()) << d.error().toString();
    EXPECT_EQ(d->webex_meeting_id, "870f51ff287b41be84648412901e0402");
    EXPECT_EQ(d->meeting_number, "2552244433");
    EXPECT_EQ(d->join_url, "https://site4-example.webex.com/site4/j.php?MTID=m94bc3ab3d7f2c4cd5e08b7b6b3f0e4a2");
    EXPECT_EQ(d->sip_address, "2552244433@site4-example.webex.com");
    EXPECT_EQ(d->password, "BgJep@43");
    EXPECT_EQ(d->video_password, "12345678");
    EXPECT_EQ(d->access_code, "2552244433");
    EXPECT_EQ(d->site, "site4-example");
    ASSERT_EQ(d->call_in_numbers.size(), 2u);
    EXPECT_EQ(d->call_in_numbers[1].label, "Poland Toll");
    EXPECT_EQ(d->call_in_numbers[1].number, "+48-22-000-0000");
    EXPECT_EQ(d->action, JoinAction::WebexMeeting);
}

TEST(WebexCodec, DecodesThePersonalRoom) {
    auto d = decodePersonalRoom(readFixture("personal-room.json"));
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(d->join_url, "https://site4-example.webex.com/meet/john");
    EXPECT_EQ(d->sip_address, "john.andersen@example.com");
    EXPECT_EQ(d->site, "site4-example");
    EXPECT_EQ(d->action, JoinAction::PersonalRoom);
}

TEST(WebexCodec, RejectsAnswersItCannotUse) {
    EXPECT_EQ(decodeMeeting("not json").error().code, common::ErrorCode::Protocol);
    EXPECT_EQ(decodeMeeting("[1,2]").error().code, common::ErrorCode::Protocol);
    EXPECT_EQ(decodeMeeting("{\"id\":\"x\"}").error().code, common::ErrorCode::Protocol);
    EXPECT_EQ(decodePersonalRoom("{}").error().code, common::ErrorCode::Protocol);
    // Wrong types are tolerated as missing, not crashes.
    EXPECT_FALSE(decodeMeeting("{\"id\":{},\"webLink\":[]}").ok());
}

TEST(WebexCodec, MapsWebexErrors) {
    auto e = decodeWebexError(400, readFixture("webex-error-400.json"), "");
    EXPECT_EQ(e.code, common::ErrorCode::InvalidArgument);
    EXPECT_NE(e.message.find("The server could not process the request."), std::string::npos);
    EXPECT_NE(e.context.find("trackingId=ROUTER_5F2B0C1A"), std::string::npos);
    EXPECT_EQ(decodeWebexError(401, "", "").code, common::ErrorCode::Unauthenticated);
    EXPECT_EQ(decodeWebexError(403, "{}", "").code, common::ErrorCode::PermissionDenied);
    EXPECT_EQ(decodeWebexError(404, "{}", "").code, common::ErrorCode::NotFound);
    auto throttled = decodeWebexError(429, "{\"message\":\"Too Many Requests\"}", "7");
    EXPECT_EQ(throttled.code, common::ErrorCode::Throttled);
    EXPECT_NE(throttled.context.find("retry-after=7"), std::string::npos);
    EXPECT_EQ(decodeWebexError(502, "<html>", "").code, common::ErrorCode::Unavailable);
    auto only_errors = decodeWebexError(400, "{\"errors\":[{\"description\":\"title: may not be empty\"}]}", "");
    EXPECT_NE(only_errors.message.find("title: may not be empty"), std::string::npos);
}

TEST(WebexToken, ReadsTheFirstLineTrimmed) {
    auto path = std::filesystem::temp_directory_path() / ("calconn-jd-token-" + std::to_string(::getpid()));
    std::ofstream(path) << "  secret-token-value \nsecond line\n";
    auto token = readTokenFile(path.string());
    ASSERT_TRUE(token.ok());
    EXPECT_EQ(token->view(), "secret-token-value");
    std::ofstream(path) << "\n";
    EXPECT_EQ(readTokenFile(path.string()).error().code, common::ErrorCode::Config);
    std::filesystem::remove(path);
    EXPECT_EQ(readTokenFile(path.string()).error().code, common::ErrorCode::Io);
}

}  // namespace
}  // namespace calconn::joindetails
