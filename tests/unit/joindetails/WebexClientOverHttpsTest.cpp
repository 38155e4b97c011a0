// WebexMeetingsClient over real HTTPS against an in-process webexsim on 127.0.0.1:0.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>

#include "Server.h"
#include "WebexSim.h"
#include "joindetails/WebexMeetingsClient.h"
#include "joindetails/BodyBlock.h"
#include "joindetails/JoinDetailsService.h"
#include "net/PocoHttpClient.h"
#include "TestSupport.h"

namespace calconn::joindetails {
namespace {

std::string isoIn(std::chrono::minutes from_now) {
    auto t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now() + from_now);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buffer[32];
    std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buffer;
}

class WebexOverHttps : public ::testing::Test {
protected:
    void SetUp() override {
        webexsim::SimOptions options;
        options.token = "good-token";
        options.site = "acme";
        simulator = std::make_unique<webexsim::WebexSimulator>(options);
        server = std::make_unique<webexsim::Server>(
            *simulator, webexsim::ServerConfig{std::string(CALCONN_FIXTURES_DIR) + "/certs/server.pem",
                                               std::string(CALCONN_FIXTURES_DIR) + "/certs/server.key", 0, 4});
        ASSERT_TRUE(server->start().ok());
        net::PocoHttpClientOptions http_options;
        http_options.tls.ca_file = std::string(CALCONN_FIXTURES_DIR) + "/certs/test-ca.pem";
        http_options.connect_timeout = std::chrono::milliseconds(5000);
        http_options.read_timeout = std::chrono::milliseconds(5000);
        auto created = net::PocoHttpClient::create(http_options);
        ASSERT_TRUE(created.ok()) << created.error().toString();
        http = std::move(*created);
    }

    std::unique_ptr<WebexMeetingsClient> client(const char* token) {
        return std::make_unique<WebexMeetingsClient>(*http, server->baseUrl() + "/v1/",
                                                     crypto::SecretString(token));
    }

    std::unique_ptr<webexsim::WebexSimulator> simulator;
    std::unique_ptr<webexsim::Server> server;
    std::unique_ptr<net::PocoHttpClient> http;
};

TEST_F(WebexOverHttps, CreatesReadsAndDeletesAMeeting) {
    auto c = client("good-token");
    CreateMeetingRequest request{"Q3 planning ż", "", isoIn(std::chrono::minutes(60)),
                                 isoIn(std::chrono::minutes(120)), "Europe/Warsaw", "acme.webex.com", "", "", ""};
    auto meeting = c->createMeeting(request);
    ASSERT_TRUE(meeting.ok()) << meeting.error().toString();
    EXPECT_EQ(meeting->join_url.rfind("https://acme.webex.com/acme/j.php?MTID=m", 0), 0u);
    EXPECT_EQ(meeting->sip_address, meeting->meeting_number + "@acme.webex.com");
    EXPECT_FALSE(meeting->password.empty());
    EXPECT_EQ(meeting->video_password.size(), 8u);
    EXPECT_FALSE(meeting->call_in_numbers.empty());
    EXPECT_EQ(simulator->meetingCount(), 1u);

    auto again = c->getMeeting(meeting->webex_meeting_id);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->join_url, meeting->join_url);

    ASSERT_TRUE(c->deleteMeeting(meeting->webex_meeting_id).ok());
    EXPECT_EQ(simulator->meetingCount(), 0u);
    EXPECT_EQ(c->getMeeting(meeting->webex_meeting_id).error().code, common::ErrorCode::NotFound);
    EXPECT_EQ(c->deleteMeeting("../../_sim/meetings").error().code, common::ErrorCode::InvalidArgument);
}

TEST_F(WebexOverHttps, FindsAMeetingByItsIntegrationTagHostSiteAndTime) {
    auto c = client("good-token");
    const std::string start = isoIn(std::chrono::minutes(60));
    const std::string end = isoIn(std::chrono::minutes(120));
    CreateMeetingRequest request{"Q3 planning", "", start, end, "", "acme.webex.com",
                                 "alice@example.com", "", "calconn-tag-1"};
    auto booked = c->createMeeting(request);
    ASSERT_TRUE(booked.ok()) << booked.error().toString();
    request.integration_tag = "calconn-tag-2";
    ASSERT_TRUE(c->createMeeting(request).ok());

    auto found = c->findMeetings({"calconn-tag-1", "alice@example.com", "acme.webex.com", start, end});
    ASSERT_TRUE(found.ok()) << found.error().toString();
    ASSERT_EQ(found->size(), 1u);
    EXPECT_EQ((*found)[0].webex_meeting_id, booked->webex_meeting_id);
    EXPECT_EQ((*found)[0].join_url, booked->join_url);

    for (const MeetingQuery& miss : {MeetingQuery{"calconn-tag-3", "", "", "", ""},
                                     MeetingQuery{"calconn-tag-1", "bob@example.com", "", "", ""},
                                     MeetingQuery{"calconn-tag-1", "", "other.webex.com", "", ""},
                                     MeetingQuery{"calconn-tag-1", "", "", end, ""}}) {
        auto none = c->findMeetings(miss);
        ASSERT_TRUE(none.ok()) << none.error().toString();
        EXPECT_TRUE(none->empty()) << encodeMeetingQuery(miss);
    }
    auto all = c->findMeetings({});
    ASSERT_TRUE(all.ok());
    EXPECT_EQ(all->size(), 2u);
    EXPECT_EQ(c->findMeetings({"", "", "", "yesterday", ""}).error().code,
              common::ErrorCode::InvalidArgument);
}

TEST_F(WebexOverHttps, ReadsThePersonalRoom) {
    auto room = client("good-token")->personalRoom("");
    ASSERT_TRUE(room.ok()) << room.error().toString();
    EXPECT_EQ(room->join_url, "https://acme.webex.com/meet/alice");
    EXPECT_EQ(room->sip_address, "alice@acme.webex.com");
}

TEST_F(WebexOverHttps, WrongTokenIsUnauthenticated) {
    auto result = client("stolen")->personalRoom("");
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().code, common::ErrorCode::Unauthenticated);
    EXPECT_NE(result.error().context.find("trackingId="), std::string::npos);
}

TEST_F(WebexOverHttps, InvalidMeetingsAreRefusedWithWebexErrors) {
    auto c = client("good-token");
    auto too_short = c->createMeeting({"t", "", isoIn(std::chrono::minutes(60)),
                                       isoIn(std::chrono::minutes(65)), "", "", "", "", ""});
    ASSERT_FALSE(too_short.ok());
    EXPECT_EQ(too_short.error().code, common::ErrorCode::InvalidArgument);
    EXPECT_NE(too_short.error().message.find("at least 10 minutes"), std::string::npos);
    auto past = c->createMeeting({"t", "", isoIn(std::chrono::minutes(-120)),
                                  isoIn(std::chrono::minutes(-60)), "", "", "", "", ""});
    ASSERT_FALSE(past.ok());
    EXPECT_NE(past.error().message.find("future"), std::string::npos);
    EXPECT_EQ(simulator->meetingCount(), 0u);
}

TEST_F(WebexOverHttps, ThrottlingCarriesRetryAfter) {
    simulator->addFault({429, 3, 1, "POST", "/v1/meetings"});
    auto c = client("good-token");
    CreateMeetingRequest request{"t", "", isoIn(std::chrono::minutes(60)),
                                 isoIn(std::chrono::minutes(90)), "", "", "", "", ""};
    auto first = c->createMeeting(request);
    ASSERT_FALSE(first.ok());
    EXPECT_EQ(first.error().code, common::ErrorCode::Throttled);
    EXPECT_NE(first.error().context.find("retry-after=3"), std::string::npos);
    EXPECT_TRUE(c->createMeeting(request).ok());
    EXPECT_EQ(simulator->meetingCount(), 1u);
}

TEST_F(WebexOverHttps, MeetKeywordBooksOneWebexMeetingAndWritesItsDetails) {
    auto webex = client("good-token");
    auto templates = TemplateStore::shipped();
    testing::FakeCalendar calendar;
    calendar.event.id = "AAMkAD-2";
    calendar.event.etag = "W/\"v1\"";
    calendar.event.subject = "Kick-off <Phase 2>";
    calendar.event.start = isoIn(std::chrono::minutes(24 * 60));
    calendar.event.end = isoIn(std::chrono::minutes(24 * 60 + 45));
    calendar.event.timezone = "Europe/Warsaw";
    calendar.event.organizer_email = "alice@example.com";
    calendar.event.state.location = "@meet";
    calendar.event.state.body = testing::readFixture("outlook-event.html");
    // Bob edits the body while the meeting is being booked: the first PATCH gets a 412.
    calendar.before_patch = [](testing::FakeCalendar& c) {
        c.userEdit([](EventSnapshot& e) {
            e.state.body.insert(e.state.body.find("</body>"), "<p>Bob was here</p>\n");
        });
    };
    for (int round = 0; round < 5; ++round) {
        JoinDetailsService service(templates, calendar, webex.get(),
                                   {defaultKeywordRules("acme"), 3, false});
        auto outcome = service.process("alice@example.com", calendar.event, "ja-JP");
        ASSERT_TRUE(outcome.ok()) << outcome.error().toString();
    }
    EXPECT_EQ(simulator->meetingCount(), 1u);
    EXPECT_EQ(simulator->requestCount("POST", "/v1/meetings"), 1u);
    EXPECT_EQ(calendar.patches, 1);
    const std::string& body = calendar.event.state.body;
    EXPECT_EQ(testing::countOccurrences(body, "calconn:join-details:begin"), 1u);
    EXPECT_NE(body.find("Bob was here"), std::string::npos);
    EXPECT_NE(body.find("Webex ミーティングに参加"), std::string::npos);
    EXPECT_NE(body.find("https://acme.webex.com/acme/j.php?MTID=m"), std::string::npos);
    EXPECT_NE(body.find("@acme.webex.com"), std::string::npos);

    // The keyword goes away: block removed, the Webex meeting deleted.
    calendar.userEdit([](EventSnapshot& e) { e.state.location = "Room 4.12"; });
    JoinDetailsService service(templates, calendar, webex.get(), {defaultKeywordRules("acme"), 3, false});
    auto removed = service.process("alice@example.com", calendar.event, "ja-JP");
    ASSERT_TRUE(removed.ok());
    EXPECT_EQ(removed->action, PlanAction::Remove);
    EXPECT_FALSE(hasBlock(calendar.event.state.body, BodyType::Html));
    EXPECT_EQ(simulator->meetingCount(), 0u);
}

TEST_F(WebexOverHttps, PersonalRoomCanComeFromTheApi) {
    auto webex = client("good-token");
    auto templates = TemplateStore::shipped();
    testing::FakeCalendar calendar;
    calendar.event.id = "AAMkAD-3";
    calendar.event.etag = "W/\"v1\"";
    calendar.event.organizer_email = "someone.else@example.com";
    calendar.event.state.location = "@webex";
    calendar.event.state.body = "Agenda\n";
    calendar.event.state.body_type = BodyType::Text;
    JoinDetailsService service(templates, calendar, webex.get(), {defaultKeywordRules("acme"), 3, true});
    auto outcome = service.process("alice@example.com", calendar.event, "en-US");
    ASSERT_TRUE(outcome.ok()) << outcome.error().toString();
    // The organizer's room, asked for by userEmail, not the token owner's.
    EXPECT_NE(calendar.event.state.body.find("https://acme.webex.com/meet/someone.else\n"), std::string::npos);
    EXPECT_EQ(simulator->requestCount("GET", "/v1/meetingPreferences/personalMeetingRoom"), 1u);
}

}  // namespace
}  // namespace calconn::joindetails
