#include <gtest/gtest.h>

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <functional>

#include "joindetails/BodyBlock.h"
#include "joindetails/JoinDetailsService.h"
#include "TestSupport.h"

namespace calconn::joindetails {
namespace {

using testing::countOccurrences;
using testing::readFixture;

using testing::FakeCalendar;

// Webex holding the meetings it booked, found again by their integration tag and site.
class FakeWebex : public WebexMeetings {
public:
    int created = 0;
    int lookups = 0;
    std::vector<std::string> deleted;
    std::optional<common::Error> fail_create;
    std::optional<common::Error> fail_find;

    common::Result<JoinDetails> createMeeting(const CreateMeetingRequest& request) override {
        if (fail_create) return *fail_create;
        last_request = request;
        JoinDetails d;
        d.action = JoinAction::WebexMeeting;
        d.webex_meeting_id = "m" + std::to_string(++created);
        d.meeting_number = "264000000" + std::to_string(created);
        d.join_url = "https://acme.webex.com/acme/j.php?MTID=" + d.webex_meeting_id;
        d.sip_address = d.meeting_number + "@acme.webex.com";
        d.password = "pw" + std::to_string(created);
        booked.push_back({request.integration_tag, request.site_url, d});
        return d;
    }
    common::Result<JoinDetails> getMeeting(const std::string&) override {
        return common::makeError(common::ErrorCode::NotFound, "unused");
    }
    common::Status deleteMeeting(const std::string& id) override {
        deleted.push_back(id);
        std::erase_if(booked, [&](const Booked& b) { return b.details.webex_meeting_id == id; });
        return {};
    }
    common::Result<std::vector<JoinDetails>> findMeetings(const MeetingQuery& query) override {
        ++lookups;
        last_query = query;
        if (fail_find) return *fail_find;
        std::vector<JoinDetails> out;
        for (const auto& b : booked) {
            if (b.tag == query.integration_tag && b.site_url == query.site_url) out.push_back(b.details);
        }
        return out;
    }
    common::Result<JoinDetails> personalRoom(const std::string&) override {
        return common::makeError(common::ErrorCode::NotFound, "unused");
    }
    CreateMeetingRequest last_request;
    MeetingQuery last_query;

private:
    struct Booked {
        std::string tag;
        std::string site_url;
        JoinDetails details;
    };
    std::vector<Booked> booked;
};

class ServiceTest : public ::testing::Test {
protected:
    void SetUp() override {
        calendar.event.id = "AAMkAD-1";
        calendar.event.etag = "W/\"v1\"";
        calendar.event.subject = "Q3 planning";
        calendar.event.start = "2026-12-01T10:00:00Z";
        calendar.event.end = "2026-12-01T11:00:00Z";
        calendar.event.organizer_email = "alice@example.com";
        calendar.event.organizer_name = "Alice Example";
        calendar.event.state.location = "Room 4.12; @webex";
        calendar.event.state.body = readFixture("outlook-event.html");
        calendar.event.state.body_type = BodyType::Html;
    }

    common::Result<Outcome> run(const std::string& locale = "en-US") {
        JoinDetailsService service(templates, calendar, &webex, {defaultKeywordRules("acme"), 3, false});
        return service.process("alice@example.com", calendar.event, locale);
    }

    TemplateStore templates = TemplateStore::shipped();
    FakeCalendar calendar;
    FakeWebex webex;
};

TEST_F(ServiceTest, PersonalRoomKeywordGetsOneLocalizedBlock) {
    auto outcome = run("pl-PL");
    ASSERT_TRUE(outcome.ok()) << outcome.error().toString();
    EXPECT_EQ(outcome->action, PlanAction::Insert);
    EXPECT_EQ(outcome->locale, "pl-PL");
    const std::string& body = calendar.event.state.body;
    EXPECT_EQ(countOccurrences(body, "calconn:join-details:begin"), 1u);
    EXPECT_NE(body.find("Dołącz do mojego osobistego pokoju Webex"), std::string::npos);
    EXPECT_NE(body.find("https://acme.webex.com/meet/alice"), std::string::npos);
    EXPECT_NE(body.find("Budget &amp; headcount"), std::string::npos);
    ASSERT_TRUE(calendar.event.state.property);
    EXPECT_EQ(*calendar.event.state.property, "v1;action=personal_room;site=acme");
    EXPECT_EQ(webex.created, 0);
}

TEST_F(ServiceTest, ReplaysAndRestartsAreNoOps) {
    ASSERT_TRUE(run().ok());
    std::string after_first = calendar.event.state.body;
    for (int i = 0; i < 20; ++i) {
        // A restart builds a new service; a replayed notification re-reads the same event.
        auto outcome = run();
        ASSERT_TRUE(outcome.ok());
        EXPECT_EQ(outcome->action, PlanAction::Nothing);
    }
    EXPECT_EQ(calendar.patches, 1);
    EXPECT_EQ(calendar.event.state.body, after_first);
    EXPECT_EQ(countOccurrences(after_first, "calconn:join-details:begin"), 1u);
}

TEST_F(ServiceTest, ConcurrentEditIsNeverOverwritten) {
    calendar.before_patch = [](FakeCalendar& c) {
        c.userEdit([](EventSnapshot& e) {
            e.state.body.insert(e.state.body.find("</body>"), "<p>Added by Bob meanwhile</p>\n");
        });
    };
    auto outcome = run();
    ASSERT_TRUE(outcome.ok()) << outcome.error().toString();
    EXPECT_EQ(outcome->conflicts, 1);
    EXPECT_EQ(calendar.conflicts, 1);
    EXPECT_EQ(calendar.patches, 1);
    const std::string& body = calendar.event.state.body;
    EXPECT_NE(body.find("Added by Bob meanwhile"), std::string::npos);
    EXPECT_EQ(countOccurrences(body, "calconn:join-details:begin"), 1u);
}

TEST_F(ServiceTest, ConcurrentRemovalOfTheKeywordWinsOverOurInsert) {
    webex.created = 0;
    calendar.event.state.location = "@meet";
    calendar.before_patch = [](FakeCalendar& c) {
        c.userEdit([](EventSnapshot& e) { e.state.location = "Room 4.12"; });
    };
    auto outcome = run();
    ASSERT_TRUE(outcome.ok());
    EXPECT_EQ(outcome->action, PlanAction::Nothing);
    EXPECT_EQ(calendar.patches, 0);
    EXPECT_FALSE(hasBlock(calendar.event.state.body, BodyType::Html));
    // The meeting booked for the lost attempt is not left behind.
    ASSERT_EQ(webex.deleted.size(), 1u);
    EXPECT_EQ(webex.deleted[0], "m1");
}

TEST_F(ServiceTest, GivesUpAfterRepeatedConflicts) {
    std::function<void(FakeCalendar&)> keep_editing = [&](FakeCalendar& c) {
        c.userEdit([](EventSnapshot& e) { e.state.body += " "; });
        c.before_patch = keep_editing;
    };
    calendar.before_patch = keep_editing;
    auto outcome = run();
    ASSERT_FALSE(outcome.ok());
    EXPECT_EQ(outcome.error().code, common::ErrorCode::Conflict);
    EXPECT_EQ(calendar.patches, 0);
    calendar.before_patch = nullptr;
}

TEST_F(ServiceTest, WebexMeetingIsCreatedOnceAcrossConflictRetries) {
    calendar.event.state.location = "@meet";
    calendar.before_patch = [](FakeCalendar& c) {
        c.userEdit([](EventSnapshot& e) { e.subject = "Q3 planning (moved)"; });
    };
    auto outcome = run("de-AT");
    ASSERT_TRUE(outcome.ok()) << outcome.error().toString();
    EXPECT_EQ(webex.created, 1);
    EXPECT_EQ(webex.last_request.title, "Q3 planning");
    EXPECT_EQ(webex.last_request.site_url, "acme.webex.com");
    EXPECT_EQ(webex.last_request.host_email, "alice@example.com");
    EXPECT_EQ(outcome->locale, "de-DE");
    const std::string& body = calendar.event.state.body;
    EXPECT_NE(body.find("Am Webex-Meeting teilnehmen"), std::string::npos);
    EXPECT_NE(body.find("MTID=m1"), std::string::npos);
    EXPECT_EQ(*calendar.event.state.property, "v1;action=webex_meeting;site=acme;meeting=m1");
    EXPECT_TRUE(webex.deleted.empty());
    ASSERT_TRUE(run().ok());
    EXPECT_EQ(webex.created, 1);
}

TEST_F(ServiceTest, AMeetingBookedByAnAttemptThatDiedIsUsedNotBookedAgain) {
    calendar.event.state.location = "@meet";
    // Booked, then the invitation could not be written (Graph down; a crash is the same).
    calendar.fail_next_patch = common::makeError(common::ErrorCode::Unavailable, "graph answered 503");
    auto first = run();
    ASSERT_FALSE(first.ok());
    EXPECT_EQ(webex.created, 1);
    EXPECT_EQ(calendar.patches, 0);
    EXPECT_EQ(webex.last_request.integration_tag, webexMeetingTag("alice@example.com", "AAMkAD-1"));
    EXPECT_EQ(webex.last_query.host_email, "alice@example.com");
    EXPECT_EQ(webex.last_query.site_url, "acme.webex.com");
    EXPECT_EQ(webex.last_query.from, calendar.event.start);
    EXPECT_EQ(webex.last_query.to, calendar.event.end);

    // The retry (or calconnd after a restart) finds that meeting by its tag and writes it.
    auto second = run();
    ASSERT_TRUE(second.ok()) << second.error().toString();
    EXPECT_EQ(webex.created, 1);
    EXPECT_NE(calendar.event.state.body.find("MTID=m1"), std::string::npos);
    EXPECT_EQ(*calendar.event.state.property, "v1;action=webex_meeting;site=acme;meeting=m1");
    EXPECT_TRUE(webex.deleted.empty());
}

TEST_F(ServiceTest, TagsAreStablePerEventAndRevealNothing) {
    const std::string tag = webexMeetingTag("Alice@Example.com", "AAMkAD-1");
    EXPECT_EQ(tag, webexMeetingTag("alice@example.com", "AAMkAD-1"));
    EXPECT_NE(tag, webexMeetingTag("alice@example.com", "AAMkAD-2"));
    EXPECT_NE(tag, webexMeetingTag("bob@example.com", "AAMkAD-1"));
    EXPECT_EQ(tag.rfind("calconn-", 0), 0u);
    EXPECT_EQ(tag.size(), 40u);
    EXPECT_EQ(tag.find("alice"), std::string::npos);
}

TEST_F(ServiceTest, ATokenThatMayNotListMeetingsStillBooks) {
    calendar.event.state.location = "@meet";
    webex.fail_find = common::makeError(common::ErrorCode::PermissionDenied, "webex answered 403");
    auto outcome = run();
    ASSERT_TRUE(outcome.ok()) << outcome.error().toString();
    EXPECT_EQ(webex.created, 1);
    EXPECT_EQ(calendar.patches, 1);
}

TEST_F(ServiceTest, AFailedLookupBooksNothingAndIsRetriedLater) {
    calendar.event.state.location = "@meet";
    webex.fail_find = common::makeError(common::ErrorCode::Unavailable, "webex answered 503");
    auto outcome = run();
    ASSERT_FALSE(outcome.ok());
    EXPECT_EQ(outcome.error().code, common::ErrorCode::Unavailable);
    EXPECT_EQ(webex.created, 0);
    EXPECT_EQ(calendar.patches, 0);
}

TEST_F(ServiceTest, ASeriesBooksOneRecurringWebexMeeting) {
    calendar.event.state.location = "@meet";
    calendar.event.state.kind = EventKind::SeriesMaster;
    calendar.event.recurrence = "FREQ=WEEKLY;INTERVAL=1;BYDAY=TU;COUNT=5";
    ASSERT_TRUE(run().ok());
    EXPECT_EQ(webex.created, 1);
    EXPECT_EQ(webex.last_request.recurrence, "FREQ=WEEKLY;INTERVAL=1;BYDAY=TU;COUNT=5");
    EXPECT_EQ(countOccurrences(calendar.event.state.body, "calconn:join-details:begin"), 1u);
}

TEST_F(ServiceTest, RemovingTheKeywordRemovesTheBlockAndTheMeeting) {
    calendar.event.state.location = "@meet";
    ASSERT_TRUE(run().ok());
    calendar.userEdit([](EventSnapshot& e) {
        e.state.location = "Room 4.12";
        e.state.body.insert(e.state.body.find("</body>"), "<p>New agenda item</p>\n");
    });
    auto outcome = run();
    ASSERT_TRUE(outcome.ok());
    EXPECT_EQ(outcome->action, PlanAction::Remove);
    EXPECT_FALSE(hasBlock(calendar.event.state.body, BodyType::Html));
    EXPECT_NE(calendar.event.state.body.find("New agenda item"), std::string::npos);
    EXPECT_EQ(*calendar.event.state.property, "removed");
    EXPECT_EQ(webex.deleted, std::vector<std::string>{"m1"});
    // And once more: nothing left to do.
    EXPECT_EQ(run()->action, PlanAction::Nothing);
}

TEST_F(ServiceTest, SwitchingActionReplacesTheBlock) {
    ASSERT_TRUE(run().ok());
    calendar.userEdit([](EventSnapshot& e) { e.state.location = "@webex:meeting"; });
    auto outcome = run();
    ASSERT_TRUE(outcome.ok());
    EXPECT_EQ(outcome->action, PlanAction::Replace);
    const std::string& body = calendar.event.state.body;
    EXPECT_EQ(countOccurrences(body, "calconn:join-details:begin"), 1u);
    EXPECT_EQ(body.find("meet/alice"), std::string::npos);
    EXPECT_NE(body.find("MTID=m1"), std::string::npos);
}

TEST_F(ServiceTest, OutlookReformattedBodyKeepsItsSingleBlock) {
    calendar.event.state.body = readFixture("outlook-reformatted.html");
    calendar.event.state.property = "v1;action=personal_room;site=acme";
    EXPECT_EQ(run()->action, PlanAction::Nothing);
    EXPECT_EQ(calendar.patches, 0);
    calendar.userEdit([](EventSnapshot& e) { e.state.location = "Room 4.12"; });
    EXPECT_EQ(run()->action, PlanAction::Remove);
    const std::string& body = calendar.event.state.body;
    EXPECT_EQ(body.find("meet/alice"), std::string::npos);
    EXPECT_NE(body.find("P.S. bring the slides"), std::string::npos);
    EXPECT_NE(body.find("edited by Alice"), std::string::npos);
}

TEST_F(ServiceTest, TextBodiesGetATextBlock) {
    calendar.event.state.body = readFixture("event-body.txt");
    calendar.event.state.body_type = BodyType::Text;
    ASSERT_TRUE(run("fr-FR").ok());
    const std::string& body = calendar.event.state.body;
    EXPECT_EQ(body.rfind(readFixture("event-body.txt"), 0), 0u);
    EXPECT_NE(body.find("=== calconn:join-details:begin ===\nRejoindre ma salle personnelle Webex\n"),
              std::string::npos);
    EXPECT_EQ(body.find("<p"), std::string::npos);
}

TEST_F(ServiceTest, SeriesOccurrencesAreLeftToTheMaster) {
    calendar.event.state.kind = EventKind::Occurrence;
    EXPECT_EQ(run()->action, PlanAction::Nothing);
    calendar.event.state.kind = EventKind::SeriesMaster;
    EXPECT_EQ(run()->action, PlanAction::Insert);
    EXPECT_EQ(calendar.patches, 1);
}

TEST_F(ServiceTest, WebexFailureLeavesTheEventUntouched) {
    calendar.event.state.location = "@meet";
    webex.fail_create = common::makeError(common::ErrorCode::Throttled, "webex answered 429", "retry-after=2");
    auto outcome = run();
    ASSERT_FALSE(outcome.ok());
    EXPECT_EQ(outcome.error().code, common::ErrorCode::Throttled);
    EXPECT_EQ(calendar.patches, 0);
}

TEST_F(ServiceTest, WebexMeetingWithoutTokenIsAConfigError) {
    calendar.event.state.location = "@meet";
    JoinDetailsService service(templates, calendar, nullptr, {defaultKeywordRules("acme"), 3, false});
    auto outcome = service.process("alice@example.com", calendar.event, "en-US");
    ASSERT_FALSE(outcome.ok());
    EXPECT_EQ(outcome.error().code, common::ErrorCode::Config);
}

}  // namespace
}  // namespace calconn::joindetails
