#include <gtest/gtest.h>

#include <set>
#include <thread>
#include <vector>

#include "Throttle.h"

namespace calconn::graphsim {
namespace {

using namespace std::chrono_literals;

common::TimePoint start() { return common::TimePoint(std::chrono::seconds(1700000000)); }

TEST(Throttle, FifthConcurrentRequestIsRefused) {
    common::FakeClock clock(start());
    Throttle throttle(Throttle::Limits{}, &clock);
    for (int i = 0; i < 4; ++i) EXPECT_TRUE(throttle.enter("app", "room1").allowed);
    auto fifth = throttle.enter("app", "room1");
    EXPECT_FALSE(fifth.allowed);
    EXPECT_EQ(fifth.reason, Throttle::Reason::Concurrency);
    EXPECT_EQ(fifth.error_code, "ApplicationThrottled");
    EXPECT_NE(fifth.error_message.find("MailboxConcurrency"), std::string::npos);
    EXPECT_EQ(throttle.maxConcurrentSeen("room1"), 5);

    // Other mailboxes and other apps are unaffected (graph.md §9).
    EXPECT_TRUE(throttle.enter("app", "room2").allowed);
    EXPECT_TRUE(throttle.enter("other-app", "room1").allowed);

    throttle.leave("app", "room1");
    EXPECT_TRUE(throttle.enter("app", "room1").allowed);
}

TEST(Throttle, MaxConcurrentSeenTracksTheHighestAttempt) {
    common::FakeClock clock(start());
    Throttle throttle(Throttle::Limits{}, &clock);
    for (int round = 0; round < 3; ++round) {
        ASSERT_TRUE(throttle.enter("app", "m").allowed);
        ASSERT_TRUE(throttle.enter("app", "m").allowed);
        throttle.leave("app", "m");
        throttle.leave("app", "m");
    }
    EXPECT_EQ(throttle.maxConcurrentSeen("m"), 2);
    EXPECT_EQ(throttle.maxConcurrentSeen("unknown"), 0);
    throttle.leave("app", "m");  // an unmatched leave does not go negative
    for (int i = 0; i < 4; ++i) EXPECT_TRUE(throttle.enter("app", "m").allowed);
}

TEST(Throttle, BudgetExhaustionAnswers429UntilTheWindowEnds) {
    common::FakeClock clock(start());
    Throttle::Limits limits;
    limits.requests_per_10min = 5;
    limits.retry_after_style = Throttle::RetryAfterStyle::Integer;
    Throttle throttle(limits, &clock);
    for (int i = 0; i < 5; ++i) {
        ASSERT_TRUE(throttle.enter("app", "m").allowed);
        throttle.leave("app", "m");
    }
    clock.advance(100s);
    auto refused = throttle.enter("app", "m");
    EXPECT_FALSE(refused.allowed);
    EXPECT_EQ(refused.reason, Throttle::Reason::Budget);
    EXPECT_EQ(refused.error_code, "TooManyRequests");
    EXPECT_EQ(refused.error_message, "Please retry again later.");
    ASSERT_TRUE(refused.retry_after.has_value());
    EXPECT_EQ(*refused.retry_after, "500");  // the rest of the 10-minute window

    clock.advance(499s);
    EXPECT_FALSE(throttle.enter("app", "m").allowed);
    clock.advance(1s);
    auto recovered = throttle.enter("app", "m");
    EXPECT_TRUE(recovered.allowed);
    EXPECT_FALSE(recovered.retry_after.has_value());
}

TEST(Throttle, RetryAfterStylesAreHonoured) {
    common::FakeClock clock(start());
    Throttle::Limits limits;
    limits.requests_per_10min = 1;
    limits.retry_after_style = Throttle::RetryAfterStyle::Fractional;
    Throttle throttle(limits, &clock);
    ASSERT_TRUE(throttle.enter("app", "m").allowed);
    clock.advance(std::chrono::milliseconds(1500));
    auto fractional = throttle.enter("app", "m");
    ASSERT_TRUE(fractional.retry_after.has_value());
    EXPECT_EQ(*fractional.retry_after, "598.500");

    limits.retry_after_style = Throttle::RetryAfterStyle::Absent;
    throttle.setLimits(limits);
    EXPECT_FALSE(throttle.enter("app", "m").retry_after.has_value());
    EXPECT_FALSE(throttle.enter("app", "m").allowed);
}

TEST(Throttle, MixedRetryAfterIsDeterministicAndVaried) {
    auto run = [](std::uint64_t seed) {
        common::FakeClock clock(start());
        Throttle::Limits limits;
        limits.requests_per_10min = 1;
        Throttle throttle(limits, &clock, seed);
        std::vector<std::string> values;
        (void)throttle.enter("app", "m");
        for (int i = 0; i < 200; ++i) {
            auto d = throttle.enter("app", "m");
            values.push_back(d.retry_after ? *d.retry_after : "<absent>");
        }
        return values;
    };
    auto first = run(7);
    EXPECT_EQ(first, run(7));
    bool integer = false, fractional = false, absent = false;
    for (const auto& v : first) {
        if (v == "<absent>")
            absent = true;
        else if (v.find('.') != std::string::npos)
            fractional = true;
        else
            integer = true;
    }
    EXPECT_TRUE(integer);
    EXPECT_TRUE(fractional);
    EXPECT_TRUE(absent);
}

TEST(Throttle, ConcurrencyRetryAfterIsShort) {
    common::FakeClock clock(start());
    Throttle::Limits limits;
    limits.max_concurrent_per_mailbox = 1;
    limits.retry_after_style = Throttle::RetryAfterStyle::Integer;
    Throttle throttle(limits, &clock);
    ASSERT_TRUE(throttle.enter("app", "m").allowed);
    for (int i = 0; i < 20; ++i) {
        auto d = throttle.enter("app", "m");
        ASSERT_TRUE(d.retry_after.has_value());
        EXPECT_TRUE(*d.retry_after == "0" || *d.retry_after == "1") << *d.retry_after;
    }
}

TEST(Throttle, ResetForgetsWindowsAndCounters) {
    common::FakeClock clock(start());
    Throttle::Limits limits;
    limits.requests_per_10min = 1;
    Throttle throttle(limits, &clock);
    ASSERT_TRUE(throttle.enter("app", "m").allowed);
    throttle.leave("app", "m");
    ASSERT_FALSE(throttle.enter("app", "m").allowed);
    EXPECT_NE(throttle.controlJson().find("\"throttled_budget\":1"), std::string::npos);
    throttle.reset();
    EXPECT_TRUE(throttle.enter("app", "m").allowed);
    EXPECT_EQ(throttle.maxConcurrentSeen("m"), 1);
    EXPECT_NE(throttle.controlJson().find("\"throttled_budget\":0"), std::string::npos);
}

TEST(Throttle, ConcurrentThreadsNeverExceedTheLimit) {
    common::FakeClock clock(start());
    Throttle::Limits limits;
    limits.requests_per_10min = 1000000;
    Throttle throttle(limits, &clock);
    std::atomic<int> inside{0};
    std::atomic<int> worst{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 2000; ++i) {
                if (!throttle.enter("app", "shared").allowed) continue;
                int now = ++inside;
                int seen = worst.load();
                while (now > seen && !worst.compare_exchange_weak(seen, now)) {
                }
                --inside;
                throttle.leave("app", "shared");
            }
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_LE(worst.load(), 4);
    EXPECT_NE(throttle.controlJson().find("\"max_concurrent_per_mailbox\":4"), std::string::npos);
}

}  // namespace
}  // namespace calconn::graphsim
