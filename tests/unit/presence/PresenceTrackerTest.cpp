// Transitions only: the tracker announces a change once, never a state that goes on, and
// remembers across restarts what it announced.
#include <gtest/gtest.h>

#include "common/IsoTime.h"
#include "presence/PresenceTracker.h"

namespace calconn::presence {
namespace {

using core::PresenceState;

common::TimePoint at(const char* iso) { return *common::parseIsoUtc(iso); }
std::chrono::sys_seconds sec(const char* iso) { return *common::parseIsoUtc(iso); }

graph::MailboxSettings scheduled(const char* start, const char* end,
                                 const std::string& message = "<p>On leave</p>") {
    graph::MailboxSettings s;
    s.automatic_replies.status = "scheduled";
    s.automatic_replies.scheduled_start = at(start);
    s.automatic_replies.scheduled_end = at(end);
    s.automatic_replies.external_reply_message = message;
    return s;
}

graph::MailboxSettings withStatus(const std::string& status) {
    graph::MailboxSettings s;
    s.automatic_replies.status = status;
    s.automatic_replies.external_reply_message = "<p>Away</p>";
    return s;
}

TEST(PresenceTracker, ScheduledWindowAnnouncesEachEdgeOnce) {
    PresenceTracker tracker;
    tracker.setUsers({"Ada@Contoso.com"});
    const auto s = scheduled("2026-03-02T09:00:00Z", "2026-03-02T11:00:00Z");

    EXPECT_FALSE(tracker.applySettings("ada@contoso.com", s, at("2026-03-02T08:00:00Z")));
    EXPECT_EQ(tracker.nextChange(), at("2026-03-02T09:00:00Z"));
    EXPECT_TRUE(tracker.advance(at("2026-03-02T08:59:59Z")).empty());

    auto on = tracker.advance(at("2026-03-02T09:00:00Z"));
    ASSERT_EQ(on.size(), 1u);
    EXPECT_EQ(on[0].upn, "Ada@Contoso.com");  // as listed
    EXPECT_EQ(on[0].record.state, PresenceState::OutOfOffice);
    EXPECT_EQ(on[0].record.since, sec("2026-03-02T09:00:00Z"));
    EXPECT_EQ(on[0].record.until, sec("2026-03-02T11:00:00Z"));
    EXPECT_TRUE(on[0].message.empty());  // not allowed by default

    // Re-reading the same setting, ticking on: nothing new.
    EXPECT_FALSE(tracker.applySettings("ada@contoso.com", s, at("2026-03-02T09:30:00Z")));
    EXPECT_TRUE(tracker.advance(at("2026-03-02T10:00:00Z")).empty());

    auto off = tracker.advance(at("2026-03-02T11:00:00Z"));
    ASSERT_EQ(off.size(), 1u);
    EXPECT_EQ(off[0].record.state, PresenceState::Available);
    EXPECT_EQ(off[0].record.since, sec("2026-03-02T11:00:00Z"));
    EXPECT_FALSE(off[0].record.until);
    EXPECT_TRUE(tracker.advance(at("2026-03-02T12:00:00Z")).empty());
    EXPECT_FALSE(tracker.nextChange());
}

TEST(PresenceTracker, FirstSeenAvailableAnnouncesNothingFirstSeenAwayDoes) {
    PresenceTracker tracker;
    tracker.setUsers({"a@x", "b@x"});
    EXPECT_FALSE(tracker.applySettings("a@x", withStatus("disabled"), at("2026-03-02T08:00:00Z")));
    auto away =
        tracker.applySettings("b@x", withStatus("alwaysEnabled"), at("2026-03-02T08:00:00Z"));
    ASSERT_TRUE(away);
    EXPECT_EQ(away->record.state, PresenceState::OutOfOffice);
    EXPECT_EQ(away->record.since, sec("2026-03-02T08:00:00Z"));  // first seen
    EXPECT_FALSE(away->record.until);
    EXPECT_EQ(tracker.announcements().size(), 1u);  // available users are not recorded
}

TEST(PresenceTracker, TurningRepliesOffIsAnnouncedAtTheRead) {
    PresenceTracker tracker;
    tracker.setUsers({"a@x"});
    ASSERT_TRUE(
        tracker.applySettings("a@x", withStatus("alwaysEnabled"), at("2026-03-02T08:00:00Z")));
    EXPECT_FALSE(
        tracker.applySettings("a@x", withStatus("alwaysEnabled"), at("2026-03-02T08:05:00Z")));
    auto back = tracker.applySettings("a@x", withStatus("disabled"), at("2026-03-02T08:10:00Z"));
    ASSERT_TRUE(back);
    EXPECT_EQ(back->record.state, PresenceState::Available);
    EXPECT_EQ(back->record.since, sec("2026-03-02T08:10:00Z"));
}

TEST(PresenceTracker, ANewEndWhileAwayIsAnnouncedWithTheOriginalSince) {
    PresenceTracker tracker;
    tracker.setUsers({"a@x"});
    ASSERT_TRUE(
        tracker.applySettings("a@x", withStatus("alwaysEnabled"), at("2026-03-02T08:00:00Z")));
    auto extended =
        tracker.applySettings("a@x", scheduled("2026-03-02T07:00:00Z", "2026-03-06T17:00:00Z"),
                              at("2026-03-02T09:00:00Z"));
    ASSERT_TRUE(extended);
    EXPECT_EQ(extended->record.state, PresenceState::OutOfOffice);
    EXPECT_EQ(extended->record.since, sec("2026-03-02T08:00:00Z"));
    EXPECT_EQ(extended->record.until, sec("2026-03-06T17:00:00Z"));
}

TEST(PresenceTracker, MessageOnlyWhenAllowedAndAway) {
    PresenceTracker tracker(true);
    tracker.setUsers({"a@x"});
    auto away =
        tracker.applySettings("a@x", scheduled("2026-03-02T08:00:00Z", "2026-03-02T10:00:00Z"),
                              at("2026-03-02T09:00:00Z"));
    ASSERT_TRUE(away);
    EXPECT_EQ(away->message, "<p>On leave</p>");
    auto back = tracker.advance(at("2026-03-02T10:00:00Z"));
    ASSERT_EQ(back.size(), 1u);
    EXPECT_TRUE(back[0].message.empty());

    tracker.setIncludeReplyMessage(false);
    tracker.setUsers({"a@x", "b@x"});
    auto b = tracker.applySettings("b@x", withStatus("alwaysEnabled"), at("2026-03-02T10:00:00Z"));
    ASSERT_TRUE(b);
    EXPECT_TRUE(b->message.empty());
}

TEST(PresenceTracker, RestoredAnnouncementIsTheBaselineAfterARestart) {
    PresenceTracker before;
    before.setUsers({"a@x"});
    ASSERT_TRUE(before.applySettings("a@x",
                                     scheduled("2026-03-02T09:00:00Z", "2026-03-02T11:00:00Z"),
                                     at("2026-03-02T09:10:00Z")));
    const auto remembered = before.announcements();

    PresenceTracker after;
    after.restore(remembered);
    after.setUsers({"A@X"});
    // Before the first read the API still sees the remembered state.
    auto known = after.current("a@x", at("2026-03-02T09:20:00Z"));
    ASSERT_TRUE(known);
    EXPECT_EQ(known->state, PresenceState::OutOfOffice);
    // The same setting read again after the restart: no repeat.
    EXPECT_FALSE(after.applySettings("a@x",
                                     scheduled("2026-03-02T09:00:00Z", "2026-03-02T11:00:00Z"),
                                     at("2026-03-02T09:20:00Z")));
    ASSERT_EQ(after.advance(at("2026-03-02T11:00:00Z")).size(), 1u);
}

TEST(PresenceTracker, ClockMovedBackReevaluates) {
    PresenceTracker tracker;
    tracker.setUsers({"a@x"});
    const auto s = scheduled("2026-03-02T09:00:00Z", "2026-03-02T11:00:00Z");
    ASSERT_TRUE(tracker.applySettings("a@x", s, at("2026-03-02T10:00:00Z")));
    tracker.advance(at("2026-03-02T10:00:00Z"));
    auto back = tracker.advance(at("2026-03-02T08:00:00Z"));
    ASSERT_EQ(back.size(), 1u);
    EXPECT_EQ(back[0].record.state, PresenceState::Available);
}

TEST(PresenceTracker, CurrentIsExactBetweenTicks) {
    PresenceTracker tracker;
    tracker.setUsers({"a@x"});
    tracker.applySettings("a@x", scheduled("2026-03-02T09:00:00Z", "2026-03-02T11:00:00Z"),
                          at("2026-03-02T08:00:00Z"));
    EXPECT_EQ(tracker.current("a@x", at("2026-03-02T08:59:59Z"))->state, PresenceState::Available);
    auto away = tracker.current("A@x", at("2026-03-02T09:00:00Z"));
    ASSERT_TRUE(away);
    EXPECT_EQ(away->state, PresenceState::OutOfOffice);
    EXPECT_EQ(away->from, sec("2026-03-02T09:00:00Z"));
    EXPECT_EQ(away->until, sec("2026-03-02T11:00:00Z"));
    EXPECT_FALSE(tracker.current("nobody@x", at("2026-03-02T09:00:00Z")));
}

TEST(PresenceTracker, UsersNoLongerListedAreForgotten) {
    PresenceTracker tracker;
    EXPECT_EQ(tracker.setUsers({"a@x", "b@x", "A@X"}).size(), 2u);
    tracker.applySettings("a@x", withStatus("alwaysEnabled"), at("2026-03-02T08:00:00Z"));
    EXPECT_EQ(tracker.setUsers({"b@x", "c@x"}), std::vector<std::string>{"c@x"});
    EXPECT_FALSE(tracker.current("a@x", at("2026-03-02T08:00:00Z")));
    EXPECT_TRUE(tracker.announcements().empty());
}

}  // namespace
}  // namespace calconn::presence
