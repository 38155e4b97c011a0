#include <gtest/gtest.h>

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include "joindetails/BodyBlock.h"
#include "joindetails/Planner.h"

namespace calconn::joindetails {
namespace {

const std::vector<KeywordRule>& rules() {
    static const auto r = defaultKeywordRules("acme");
    return r;
}

const std::string kPlain = "<html><body><p>Agenda</p></body></html>";
const std::string kWithBlock = insertBlock(kPlain, BodyType::Html, "<p>details</p>");
const std::string kRoomRecord = encodeProperty({JoinAction::PersonalRoom, "acme", ""});
const std::string kMeetingRecord = encodeProperty({JoinAction::WebexMeeting, "acme", "abc123"});

struct Row {
    const char* name;
    const char* location;
    bool block;
    std::optional<std::string> property;
    EventKind kind;
    PlanAction expected;
    const char* obsolete_meeting;
};

class PlannerTable : public ::testing::TestWithParam<Row> {};

TEST_P(PlannerTable, Decides) {
    const Row& row = GetParam();
    MeetingState state;
    state.location = row.location;
    state.body = row.block ? kWithBlock : kPlain;
    state.property = row.property;
    state.kind = row.kind;
    Plan plan = planJoinDetails(state, rules());
    EXPECT_EQ(plan.action, row.expected) << row.name << ": " << plan.reason;
    EXPECT_EQ(plan.obsolete_meeting_id, row.obsolete_meeting) << row.name;
    EXPECT_FALSE(plan.reason.empty());
}

INSTANTIATE_TEST_SUITE_P(
    Planner, PlannerTable,
    ::testing::Values(
        Row{"fresh keyword", "@webex", false, std::nullopt, EventKind::SingleInstance, PlanAction::Insert, ""},
        Row{"fresh keyword on a series master", "@meet", false, std::nullopt, EventKind::SeriesMaster, PlanAction::Insert, ""},
        Row{"already done", "@webex", true, kRoomRecord, EventKind::SingleInstance, PlanAction::Nothing, ""},
        Row{"already done meeting", "@meet", true, kMeetingRecord, EventKind::SingleInstance, PlanAction::Nothing, ""},
        Row{"keyword removed", "Room 1", true, kRoomRecord, EventKind::SingleInstance, PlanAction::Remove, ""},
        Row{"keyword removed, meeting to delete", "", true, kMeetingRecord, EventKind::SingleInstance, PlanAction::Remove, "abc123"},
        Row{"nothing asked", "Room 1", false, std::nullopt, EventKind::SingleInstance, PlanAction::Nothing, ""},
        Row{"removed earlier, still no keyword", "Room 1", false, std::string(kPropertyRemoved), EventKind::SingleInstance, PlanAction::Nothing, ""},
        Row{"keyword back after removal", "@webex", false, std::string(kPropertyRemoved), EventKind::SingleInstance, PlanAction::Insert, ""},
        Row{"user deleted our block", "@webex", false, kRoomRecord, EventKind::SingleInstance, PlanAction::Nothing, ""},
        Row{"action switched room->meeting", "@meet", true, kRoomRecord, EventKind::SingleInstance, PlanAction::Replace, ""},
        Row{"action switched meeting->room", "@webex:myroom", true, kMeetingRecord, EventKind::SingleInstance, PlanAction::Replace, "abc123"},
        Row{"block copied from another event", "@webex", true, std::nullopt, EventKind::SingleInstance, PlanAction::Replace, ""},
        Row{"block deleted and action switched", "@meet", false, kRoomRecord, EventKind::SingleInstance, PlanAction::Insert, ""},
        Row{"occurrence", "@webex", false, std::nullopt, EventKind::Occurrence, PlanAction::Nothing, ""},
        Row{"exception", "@webex", false, std::nullopt, EventKind::Exception, PlanAction::Nothing, ""},
        Row{"exception, keyword removed", "Room", true, kRoomRecord, EventKind::Exception, PlanAction::Nothing, ""},
        Row{"garbage property", "@webex", false, std::string("v9;zzz"), EventKind::SingleInstance, PlanAction::Insert, ""}),
    [](const ::testing::TestParamInfo<Row>& info) {
        std::string name;
        for (const char* p = info.param.name; *p != '\0'; ++p) {
            name += std::isalnum(static_cast<unsigned char>(*p)) ? *p : '_';
        }
        return name;
    });

TEST(Planner, IgnoresMeetingsOfOthersAndCancelledOnes) {
    MeetingState state;
    state.location = "@webex";
    state.organizer_is_configured_user = false;
    EXPECT_EQ(planJoinDetails(state, rules()).action, PlanAction::Nothing);
    state.organizer_is_configured_user = true;
    state.cancelled = true;
    EXPECT_EQ(planJoinDetails(state, rules()).action, PlanAction::Nothing);
}

TEST(Planner, OccurrenceReasonSaysWhetherTheMasterHasTheBlock) {
    MeetingState state;
    state.location = "@webex";
    state.kind = EventKind::Occurrence;
    state.series_master_has_block = true;
    EXPECT_NE(planJoinDetails(state, rules()).reason.find("master carries"), std::string::npos);
}

TEST(Planner, ExpandQueryAsksGraphForOurPropertyOnly) {
    EXPECT_EQ(extendedPropertyExpandQuery(),
              "$expand=singleValueExtendedProperties($filter=id%20eq%20'String%20"
              "%7B6f1c8a52-3f0e-4a8e-9d3c-7b1f0c2a9e41%7D%20Name%20calconn-join-details')");
}

TEST(Planner, PropertyRoundTrips) {
    auto record = decodeProperty(kMeetingRecord);
    ASSERT_TRUE(record);
    EXPECT_EQ(record->action, JoinAction::WebexMeeting);
    EXPECT_EQ(record->site, "acme");
    EXPECT_EQ(record->meeting_id, "abc123");
    EXPECT_FALSE(decodeProperty("removed"));
    EXPECT_FALSE(decodeProperty("v1;action=zoom"));
    EXPECT_FALSE(decodeProperty(""));
}

TEST(Planner, PatchCarriesBodyAndExtendedProperty) {
    std::string json = buildEventPatch("<p>ż \"x\"</p>", BodyType::Html, kRoomRecord);
    Poco::JSON::Parser parser;
    auto object = parser.parse(json).extract<Poco::JSON::Object::Ptr>();
    EXPECT_EQ(object->getObject("body")->getValue<std::string>("contentType"), "html");
    EXPECT_EQ(object->getObject("body")->getValue<std::string>("content"), "<p>ż \"x\"</p>");
    auto props = object->getArray("singleValueExtendedProperties");
    ASSERT_EQ(props->size(), 1u);
    EXPECT_EQ(props->getObject(0)->getValue<std::string>("id"), std::string(kJoinDetailsPropertyId));
    EXPECT_EQ(props->getObject(0)->getValue<std::string>("value"), kRoomRecord);
    EXPECT_EQ(std::string(kJoinDetailsPropertyId).rfind("String {", 0), 0u);
    EXPECT_NE(std::string(kJoinDetailsPropertyId).find("} Name calconn-join-details"), std::string::npos);
}

}  // namespace
}  // namespace calconn::joindetails
