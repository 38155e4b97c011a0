#include <gtest/gtest.h>

#include "presence/PollPlanner.h"

namespace calconn::presence {
namespace {

using namespace std::chrono_literals;

const common::TimePoint kStart = common::TimePoint(std::chrono::hours(1000));

TEST(PollPlanner, SpreadsABatchEvenlyOverOneInterval) {
    PollPlanner planner(300s, 100);
    std::vector<std::string> users;
    for (int i = 0; i < 10; ++i) users.push_back("u" + std::to_string(i));
    planner.addUsers(users, kStart);
    for (int i = 0; i < 10; ++i) EXPECT_EQ(planner.dueOf(users[i]), kStart + 30s * i);
    EXPECT_EQ(planner.takeDue(kStart), std::vector<std::string>{"u0"});
    EXPECT_EQ(planner.takeDue(kStart + 59s), std::vector<std::string>{"u1"});
    EXPECT_EQ(planner.takeDue(kStart + 300s).size(), 8u);
}

TEST(PollPlanner, BoundsReadsInFlight) {
    PollPlanner planner(60s, 2);
    planner.addUsers({"a", "b", "c"}, kStart);
    const auto first = planner.takeDue(kStart + 60s);
    EXPECT_EQ(first, (std::vector<std::string>{"a", "b"}));
    EXPECT_TRUE(planner.takeDue(kStart + 60s).empty());
    planner.done("a", kStart + 61s);
    EXPECT_EQ(planner.takeDue(kStart + 61s), std::vector<std::string>{"c"});
    EXPECT_EQ(planner.dueOf("a"), kStart + 121s);  // one interval after its read
}

TEST(PollPlanner, SoonShorterIntervalAndRemoval) {
    PollPlanner planner(3600s, 4);
    planner.addUsers({"a", "b"}, kStart);
    planner.soon("b", kStart + 1s);
    EXPECT_EQ(planner.takeDue(kStart + 1s), (std::vector<std::string>{"a", "b"}));
    planner.done("a", kStart + 2s);
    planner.done("b", kStart + 2s);
    planner.setInterval(60s, kStart + 10s);
    EXPECT_EQ(planner.dueOf("a"), kStart + 70s);
    planner.keepOnly({"b"});
    EXPECT_FALSE(planner.dueOf("a"));
    EXPECT_EQ(planner.size(), 1u);
}

}  // namespace
}  // namespace calconn::presence
