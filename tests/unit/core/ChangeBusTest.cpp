#include <gtest/gtest.h>

#include <vector>

#include "core/ChangeEvent.h"

namespace calconn::core {
namespace {

TEST(InProcessChangeBus, DeliversToEverySubscriberInOrder) {
    InProcessChangeBus bus;
    std::vector<std::string> seen;
    bus.subscribe([&](const MeetingChange& c) { seen.push_back("a:" + c.meeting_id); });
    bus.subscribe([&](const MeetingChange& c) { seen.push_back("b:" + c.meeting_id); });
    bus.publish(MeetingChange{1, ChangeKind::Added, "alice@contoso.com", "m1", "ck1"});
    EXPECT_EQ(seen, (std::vector<std::string>{"a:m1", "b:m1"}));
}

TEST(InProcessChangeBus, StopsDeliveringAfterUnsubscribe) {
    InProcessChangeBus bus;
    int calls = 0;
    auto id = bus.subscribe([&](const MeetingChange&) { ++calls; });
    bus.publish({});
    bus.unsubscribe(id);
    bus.publish({});
    EXPECT_EQ(calls, 1);
}

TEST(InProcessChangeBus, LetsAHandlerUnsubscribeItself) {
    InProcessChangeBus bus;
    int calls = 0;
    ChangeBus::SubscriptionId id = 0;
    id = bus.subscribe([&](const MeetingChange&) {
        ++calls;
        bus.unsubscribe(id);
    });
    bus.publish({});
    bus.publish({});
    EXPECT_EQ(calls, 1);
}

TEST(ChangeKind, HasStableNames) {
    EXPECT_EQ(changeKindName(ChangeKind::Added), "added");
    EXPECT_EQ(changeKindName(ChangeKind::Changed), "changed");
    EXPECT_EQ(changeKindName(ChangeKind::Cancelled), "cancelled");
    EXPECT_EQ(changeKindName(ChangeKind::Removed), "removed");
}

}  // namespace
}  // namespace calconn::core
