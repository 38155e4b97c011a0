// State evaluation: what a fetched automatic-replies setting means at a given instant, with
// the scheduled times as Graph sends them (Windows or IANA zone names, or none).
#include <gtest/gtest.h>

#include "common/IsoTime.h"
#include "graph/Decoders.h"
#include "presence/PresenceEvaluator.h"

namespace calconn::presence {
namespace {

using core::PresenceState;

common::TimePoint at(const char* iso) { return *common::parseIsoUtc(iso); }

// mailboxSettings as Graph answers it, with the schedule in the given zone(s).
graph::AutomaticReplies decode(const std::string& status, const std::string& start,
                               const std::string& start_zone, const std::string& end,
                               const std::string& end_zone,
                               const std::string& mailbox_zone = "UTC") {
    const std::string json =
        R"({"timeZone":")" + mailbox_zone + R"(","automaticRepliesSetting":{"status":")" + status +
        R"(","externalAudience":"all","scheduledStartDateTime":{"dateTime":")" + start +
        R"(","timeZone":")" + start_zone + R"("},"scheduledEndDateTime":{"dateTime":")" + end +
        R"(","timeZone":")" + end_zone +
        R"("},"internalReplyMessage":"","externalReplyMessage":"<p>Away</p>"}})";
    auto settings = graph::decodeMailboxSettings(json);
    EXPECT_TRUE(settings.ok()) << settings.error().toString();
    return settings.ok() ? settings->automatic_replies : graph::AutomaticReplies{};
}

PresenceState stateAt(const graph::AutomaticReplies& replies, const char* iso) {
    return evaluate(replies, at(iso)).state;
}

TEST(PresenceEvaluator, AlwaysEnabledIsOutOfOfficeWithoutEnd) {
    const auto replies =
        decode("alwaysEnabled", "2020-01-01T00:00:00", "UTC", "2020-01-02T00:00:00", "UTC");
    const auto e = evaluate(replies, at("2026-03-02T09:00:00Z"));
    EXPECT_EQ(e.state, PresenceState::OutOfOffice);
    EXPECT_FALSE(e.until);  // the scheduled times do not matter when always on
    EXPECT_FALSE(e.next_change);
}

TEST(PresenceEvaluator, DisabledIsAvailableEvenInsideTheScheduledTimes) {
    const auto replies =
        decode("disabled", "2026-03-02T08:00:00", "UTC", "2026-03-02T18:00:00", "UTC");
    EXPECT_EQ(stateAt(replies, "2026-03-02T09:00:00Z"), PresenceState::Available);
    EXPECT_FALSE(evaluate(replies, at("2026-03-02T09:00:00Z")).next_change);
}

TEST(PresenceEvaluator, ScheduledIsOutOfOfficeFromStartUntilEndExclusive) {
    const auto replies = decode("Scheduled", "2026-03-02T10:00:00.0000000", "Europe/Warsaw",
                                "2026-03-02T12:00:00.0000000", "Europe/Warsaw");
    // Warsaw is UTC+1 in March before the switch: 10:00-12:00 local is 09:00-11:00 UTC.
    auto before = evaluate(replies, at("2026-03-02T08:59:59Z"));
    EXPECT_EQ(before.state, PresenceState::Available);
    EXPECT_EQ(before.next_change, at("2026-03-02T09:00:00Z"));

    auto inside = evaluate(replies, at("2026-03-02T09:00:00Z"));
    EXPECT_EQ(inside.state, PresenceState::OutOfOffice);
    EXPECT_EQ(inside.since, at("2026-03-02T09:00:00Z"));
    EXPECT_EQ(inside.until, at("2026-03-02T11:00:00Z"));
    EXPECT_EQ(inside.next_change, at("2026-03-02T11:00:00Z"));

    EXPECT_EQ(stateAt(replies, "2026-03-02T10:59:59Z"), PresenceState::OutOfOffice);
    auto after = evaluate(replies, at("2026-03-02T11:00:00Z"));
    EXPECT_EQ(after.state, PresenceState::Available);
    EXPECT_EQ(after.since, at("2026-03-02T11:00:00Z"));
    EXPECT_FALSE(after.next_change);
}

TEST(PresenceEvaluator, WindowsAndIanaNamesOfTheSameZoneAgree) {
    const auto windows =
        decode("scheduled", "2026-07-01T10:00:00", "Central European Standard Time",
               "2026-07-01T12:00:00", "Central European Standard Time");
    const auto iana = decode("scheduled", "2026-07-01T10:00:00", "Europe/Warsaw",
                             "2026-07-01T12:00:00", "Europe/Warsaw");
    // Summer time: UTC+2.
    EXPECT_EQ(windows.scheduled_start, at("2026-07-01T08:00:00Z"));
    EXPECT_EQ(windows.scheduled_start, iana.scheduled_start);
    EXPECT_EQ(windows.scheduled_end, iana.scheduled_end);
    EXPECT_EQ(stateAt(windows, "2026-07-01T07:59:59Z"), PresenceState::Available);
    EXPECT_EQ(stateAt(windows, "2026-07-01T08:00:00Z"), PresenceState::OutOfOffice);
    EXPECT_EQ(stateAt(iana, "2026-07-01T09:59:59Z"), PresenceState::OutOfOffice);
    EXPECT_EQ(stateAt(iana, "2026-07-01T10:00:00Z"), PresenceState::Available);

    const auto pacific = decode("scheduled", "2026-12-01T09:00:00", "Pacific Standard Time",
                                "2026-12-01T17:00:00", "America/Los_Angeles");
    EXPECT_EQ(pacific.scheduled_start, at("2026-12-01T17:00:00Z"));  // PST, UTC-8
    EXPECT_EQ(pacific.scheduled_end, at("2026-12-02T01:00:00Z"));
}

TEST(PresenceEvaluator, WindowAcrossTheSpringForwardIsAnHourShorter) {
    // 29 March 2026, 02:00 CET becomes 03:00 CEST (01:00 UTC). Local 01:00-04:00 is two hours.
    const auto replies =
        decode("scheduled", "2026-03-29T01:00:00", "Central European Standard Time",
               "2026-03-29T04:00:00", "Central European Standard Time");
    EXPECT_EQ(replies.scheduled_start, at("2026-03-29T00:00:00Z"));
    EXPECT_EQ(replies.scheduled_end, at("2026-03-29T02:00:00Z"));
    EXPECT_EQ(stateAt(replies, "2026-03-29T01:59:59Z"), PresenceState::OutOfOffice);
    EXPECT_EQ(stateAt(replies, "2026-03-29T02:00:00Z"), PresenceState::Available);
}

TEST(PresenceEvaluator, WallTimeInTheSpringForwardGapReadsAsStandardTime) {
    // 02:30 does not exist in Warsaw on 29 March 2026; it is taken as 02:30 CET = 01:30 UTC,
    // so the window does not silently stretch to 03:30 CEST.
    const auto replies = decode("scheduled", "2026-03-28T18:00:00", "Europe/Warsaw",
                                "2026-03-29T02:30:00", "Europe/Warsaw");
    EXPECT_EQ(replies.scheduled_end, at("2026-03-29T01:30:00Z"));
    EXPECT_EQ(stateAt(replies, "2026-03-29T01:29:59Z"), PresenceState::OutOfOffice);
    EXPECT_EQ(stateAt(replies, "2026-03-29T01:30:00Z"), PresenceState::Available);
}

TEST(PresenceEvaluator, AmbiguousFallBackTimeTakesTheFirstOccurrence) {
    // 25 October 2026: 03:00 CEST becomes 02:00 CET; 02:30 happens twice. The first (CEST,
    // 00:30 UTC) is the one meant, as Outlook does.
    const auto replies =
        decode("scheduled", "2026-10-25T02:30:00", "Central European Standard Time",
               "2026-10-25T09:00:00", "Central European Standard Time");
    EXPECT_EQ(replies.scheduled_start, at("2026-10-25T00:30:00Z"));
    EXPECT_EQ(replies.scheduled_end, at("2026-10-25T08:00:00Z"));  // CET after the switch
    EXPECT_EQ(stateAt(replies, "2026-10-25T00:29:59Z"), PresenceState::Available);
    EXPECT_EQ(stateAt(replies, "2026-10-25T00:30:00Z"), PresenceState::OutOfOffice);
}

TEST(PresenceEvaluator, ScheduleWithoutZoneUsesTheMailboxTimeZone) {
    const auto replies = decode("scheduled", "2026-03-02T10:00:00", "", "2026-03-02T12:00:00", "",
                                "Tokyo Standard Time");
    EXPECT_EQ(replies.scheduled_start, at("2026-03-02T01:00:00Z"));
    EXPECT_EQ(replies.scheduled_end, at("2026-03-02T03:00:00Z"));
    EXPECT_EQ(replies.scheduled_start_time_zone, "Tokyo Standard Time");
    // A zone on the value wins over the mailbox's.
    const auto utc = decode("scheduled", "2026-03-02T10:00:00", "UTC", "2026-03-02T12:00:00", "",
                            "Tokyo Standard Time");
    EXPECT_EQ(utc.scheduled_start, at("2026-03-02T10:00:00Z"));
    EXPECT_EQ(utc.scheduled_end, at("2026-03-02T03:00:00Z"));
}

TEST(PresenceEvaluator, UnknownZoneIsAnErrorNotAGuess) {
    const std::string json =
        R"({"timeZone":"UTC","automaticRepliesSetting":{"status":"scheduled",)"
        R"("scheduledStartDateTime":{"dateTime":"2026-03-02T10:00:00","timeZone":"Mars/Olympus"},)"
        R"("scheduledEndDateTime":{"dateTime":"2026-03-02T12:00:00","timeZone":"UTC"}}})";
    auto settings = graph::decodeMailboxSettings(json);
    ASSERT_FALSE(settings.ok());
    EXPECT_EQ(settings.error().code, common::ErrorCode::InvalidArgument);
}

TEST(PresenceEvaluator, EmptyOrOpenWindows) {
    graph::AutomaticReplies replies;
    replies.status = "scheduled";
    replies.scheduled_start = at("2026-03-02T12:00:00Z");
    replies.scheduled_end = at("2026-03-02T12:00:00Z");
    EXPECT_EQ(stateAt(replies, "2026-03-02T12:00:00Z"), PresenceState::Available);
    EXPECT_FALSE(evaluate(replies, at("2026-03-02T11:00:00Z")).next_change);

    replies.scheduled_end.reset();  // no end: out of office from the start on
    EXPECT_EQ(stateAt(replies, "2026-03-02T11:59:59Z"), PresenceState::Available);
    EXPECT_EQ(stateAt(replies, "2030-01-01T00:00:00Z"), PresenceState::OutOfOffice);
}

TEST(PresenceEvaluator, StateNamesRoundTrip) {
    EXPECT_EQ(presenceStateName(PresenceState::OutOfOffice), "out_of_office");
    EXPECT_EQ(parsePresenceState("available"), PresenceState::Available);
    EXPECT_FALSE(parsePresenceState("busy"));
}

}  // namespace
}  // namespace calconn::presence
