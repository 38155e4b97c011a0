#include <gtest/gtest.h>

#include "devices/PushScheduler.h"
#include "devices/RateGate.h"

namespace calconn::devices {
namespace {

using namespace std::chrono_literals;
using Names = std::vector<std::string>;

const common::TimePoint kStart = common::TimePoint{} + std::chrono::hours(24 * 20000);

PushSchedulerOptions options() {
    PushSchedulerOptions o;
    o.debounce = 500ms;
    o.refresh_interval = 15min;
    o.backoff_initial = 5s;
    o.backoff_max = 60s;
    return o;
}

TEST(PushScheduler, NewDeviceIsDueAtOnceThenAtTheRefreshInterval) {
    common::FakeClock clock(kStart);
    PushScheduler s(options(), clock);
    s.addDevice("room-a/codec");
    EXPECT_EQ(s.due(), Names{"room-a/codec"});
    s.recordSuccess("room-a/codec", 3);
    EXPECT_TRUE(s.due().empty());
    EXPECT_EQ(*s.nextWakeup(), kStart + 15min);
    clock.advance(15min - 1ms);
    EXPECT_TRUE(s.due().empty());
    clock.advance(1ms);
    EXPECT_EQ(s.due(), Names{"room-a/codec"});
    auto st = s.state("room-a/codec");
    ASSERT_TRUE(st);
    EXPECT_EQ(st->bookings_pushed, 3u);
    EXPECT_EQ(*st->last_push, kStart);
}

TEST(PushScheduler, ChangesAreDebouncedNotPostponed) {
    common::FakeClock clock(kStart);
    PushScheduler s(options(), clock);
    s.addDevice("d");
    s.recordSuccess("d", 0);
    s.markChanged("d");
    clock.advance(300ms);
    s.markChanged("d");  // a burst: still due 500 ms after the first change
    EXPECT_TRUE(s.due().empty());
    clock.advance(200ms);
    EXPECT_EQ(s.due(), Names{"d"});
    EXPECT_TRUE(s.state("d")->changed);
}

TEST(PushScheduler, FailuresBackOffExponentiallyUpToTheCap) {
    common::FakeClock clock(kStart);
    PushScheduler s(options(), clock);
    s.addDevice("d");
    const auto error = common::makeError(common::ErrorCode::Unavailable, "device unreachable");
    const std::vector<std::chrono::seconds> expected = {5s, 10s, 20s, 40s, 60s, 60s};
    for (const auto wait : expected) {
        s.recordFailure("d", error);
        EXPECT_EQ(*s.nextWakeup(), clock.now() + wait);
        s.markChanged("d");  // a change does not cut the backoff short
        EXPECT_EQ(*s.nextWakeup(), clock.now() + wait);
        clock.advance(wait);
        EXPECT_EQ(s.due(), Names{"d"});
    }
    EXPECT_EQ(s.state("d")->consecutive_failures, 6);
    EXPECT_EQ(s.state("d")->last_error->code, common::ErrorCode::Unavailable);
    s.recordSuccess("d", 2);
    EXPECT_EQ(s.state("d")->consecutive_failures, 0);
    EXPECT_FALSE(s.state("d")->last_error.has_value());
    EXPECT_EQ(*s.nextWakeup(), clock.now() + 15min);
}

TEST(PushScheduler, RetryAtAndDeferAreHonoured) {
    common::FakeClock clock(kStart);
    PushScheduler s(options(), clock);
    s.addDevice("d");
    s.recordFailure("d", common::makeError(common::ErrorCode::Throttled, "503"), kStart + 30s);
    EXPECT_EQ(*s.nextWakeup(), kStart + 30s);
    s.defer("d", kStart + 31s);
    EXPECT_EQ(*s.nextWakeup(), kStart + 31s);
    EXPECT_EQ(s.state("d")->consecutive_failures, 1);
}

TEST(PushScheduler, DevicesAreIndependent) {
    common::FakeClock clock(kStart);
    PushScheduler s(options(), clock);
    s.addDevice("b");
    s.addDevice("a");
    EXPECT_EQ(s.due(), (Names{"a", "b"}));
    s.recordSuccess("a", 1);
    s.recordFailure("b", common::makeError(common::ErrorCode::Unavailable, "x"));
    s.markChanged("a");
    clock.advance(500ms);
    EXPECT_EQ(s.due(), Names{"a"});
    s.removeDevice("a");
    EXPECT_FALSE(s.state("a").has_value());
    s.markChanged("unknown");  // ignored
}

TEST(RateGate, OneRequestPerInterval) {
    common::FakeClock clock(kStart);
    RateGate gate(1000ms, clock);
    EXPECT_EQ(gate.nextAllowed(), kStart);
    EXPECT_TRUE(gate.tryAcquire());
    EXPECT_FALSE(gate.tryAcquire());
    EXPECT_EQ(gate.nextAllowed(), kStart + 1s);
    clock.advance(999ms);
    EXPECT_FALSE(gate.tryAcquire());
    clock.advance(1ms);
    EXPECT_TRUE(gate.tryAcquire());
}

TEST(PushScheduler, DueNowSkipsTheBackoff) {
    common::FakeClock clock(kStart);
    PushScheduler s(options(), clock);
    s.addDevice("d");
    s.recordFailure("d", common::makeError(common::ErrorCode::Unavailable, "down"));
    EXPECT_TRUE(s.due().empty());
    s.dueNow("d");
    EXPECT_EQ(s.due(), Names{"d"});
    EXPECT_TRUE(s.state("d")->changed);
}

TEST(PushScheduler, ShorterRefreshIntervalAppliesToDevicesAlreadyScheduled) {
    common::FakeClock clock(kStart);
    PushScheduler s(options(), clock);
    s.addDevice("ok");
    s.addDevice("failing");
    s.recordSuccess("ok", 1);
    s.recordFailure("failing", common::makeError(common::ErrorCode::Unavailable, "down"));
    auto shorter = options();
    shorter.refresh_interval = 2min;
    s.setOptions(shorter);
    EXPECT_EQ(s.state("ok")->next_due, kStart + 2min);
    EXPECT_EQ(s.state("failing")->next_due, kStart + 5s);  // its retry is unchanged
}

}  // namespace
}  // namespace calconn::devices
