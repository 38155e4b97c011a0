#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>
#include <vector>

#include "Eventually.h"
#include "net/ConcurrencyLimiter.h"
#include "net/TokenBucket.h"

namespace calconn::net {
namespace {

using test::eventually;

using namespace std::chrono_literals;
using common::ErrorCode;
using common::FakeClock;

const common::TimePoint kStart = std::chrono::system_clock::from_time_t(1'700'000'000);

TEST(ConcurrencyLimiter, AllowsUpToLimitPerKey) {
    FakeClock clock(kStart);
    ConcurrencyLimiter limiter(4, clock);
    std::vector<ConcurrencyLimiter::Permit> permits;
    for (int i = 0; i < 4; ++i) {
        auto permit = limiter.tryAcquire("alice");
        ASSERT_TRUE(permit);
        permits.push_back(std::move(*permit));
    }
    EXPECT_FALSE(limiter.tryAcquire("alice"));
    EXPECT_TRUE(limiter.tryAcquire("bob"));  // other mailboxes are not affected
    EXPECT_EQ(limiter.inFlight("alice"), 4u);
    permits.pop_back();
    EXPECT_EQ(limiter.inFlight("alice"), 3u);
    EXPECT_TRUE(limiter.tryAcquire("alice"));
}

TEST(ConcurrencyLimiter, TimesOutAtDeadlineOnInjectedClock) {
    FakeClock clock(kStart);
    ConcurrencyLimiter limiter(1, clock);
    auto held = limiter.tryAcquire("m");
    ASSERT_TRUE(held);
    auto expired = limiter.acquire("m", kStart);
    ASSERT_FALSE(expired.ok());
    EXPECT_EQ(expired.error().code, ErrorCode::Timeout);

    auto waiter =
        std::async(std::launch::async, [&] { return limiter.acquire("m", kStart + 10s); });
    EXPECT_EQ(waiter.wait_for(50ms), std::future_status::timeout);
    clock.advance(11s);
    limiter.poke();
    auto result = waiter.get();
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().code, ErrorCode::Timeout);
}

TEST(ConcurrencyLimiter, WakesWaiterWhenPermitReleased) {
    FakeClock clock(kStart);
    ConcurrencyLimiter limiter(1, clock);
    auto held = limiter.tryAcquire("m");
    auto waiter = std::async(std::launch::async, [&] { return limiter.acquire("m", kStart + 1h); });
    held->release();
    auto result = waiter.get();
    ASSERT_TRUE(result.ok());
    EXPECT_EQ(limiter.inFlight("m"), 1u);
}

TEST(ConcurrencyLimiter, StopsWaitingWhenCancelled) {
    FakeClock clock(kStart);
    ConcurrencyLimiter limiter(1, clock);
    auto held = limiter.tryAcquire("m");
    CancelToken cancel;
    auto waiter =
        std::async(std::launch::async, [&] { return limiter.acquire("m", kStart + 1h, &cancel); });
    cancel.cancel();
    auto result = waiter.get();
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().code, ErrorCode::Cancelled);
}

TEST(ConcurrencyLimiter, NeverExceedsLimitUnderContention) {
    FakeClock clock(kStart);
    ConcurrencyLimiter limiter(4, clock);
    std::atomic<int> current{0};
    std::atomic<int> worst{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 12; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 200; ++i) {
                auto permit = limiter.acquire("m", kStart + 1h);
                ASSERT_TRUE(permit.ok());
                const int now = ++current;
                int seen = worst.load();
                while (now > seen && !worst.compare_exchange_weak(seen, now)) {
                }
                std::this_thread::yield();
                --current;
            }
        });
    }
    for (auto& thread : threads) thread.join();
    EXPECT_LE(worst.load(), 4);
    EXPECT_LE(limiter.peak("m"), 4u);
    EXPECT_EQ(limiter.inFlight("m"), 0u);
}

TEST(TokenBucket, AllowsBurstThenPacesAtRate) {
    FakeClock clock(kStart);
    TokenBucketLimiter bucket({10.0, 5.0, 100}, clock);
    for (int i = 0; i < 5; ++i) EXPECT_EQ(bucket.reserve("m"), 0ms);
    EXPECT_EQ(bucket.reserve("m"), 100ms);
    EXPECT_EQ(bucket.reserve("m"), 200ms);  // bookings queue up
    clock.advance(200ms);
    EXPECT_EQ(bucket.reserve("m"), 100ms);
}

TEST(TokenBucket, RefillsOverTimeUpToBurst) {
    FakeClock clock(kStart);
    TokenBucketLimiter bucket({2.0, 4.0, 100}, clock);
    for (int i = 0; i < 4; ++i) EXPECT_TRUE(bucket.tryTake("m"));
    EXPECT_FALSE(bucket.tryTake("m"));
    clock.advance(500ms);
    EXPECT_TRUE(bucket.tryTake("m"));
    EXPECT_FALSE(bucket.tryTake("m"));
    clock.advance(1h);
    EXPECT_DOUBLE_EQ(bucket.available("m"), 4.0);
}

TEST(TokenBucket, KeysAreIndependent) {
    FakeClock clock(kStart);
    TokenBucketLimiter bucket({1.0, 1.0, 100}, clock);
    EXPECT_TRUE(bucket.tryTake("a"));
    EXPECT_FALSE(bucket.tryTake("a"));
    EXPECT_TRUE(bucket.tryTake("b"));
}

TEST(TokenBucket, DefaultStaysUnderGraphMailboxLimit) {
    FakeClock clock(kStart);
    TokenBucketLimiter bucket({}, clock);
    // Take as fast as allowed for 10 minutes; Graph allows 10,000 per 10 minutes.
    int taken = 0;
    const auto end = kStart + 10min;
    while (clock.now() < end) {
        const auto wait = bucket.reserve("m");
        if (wait > 0ms) clock.advance(wait);
        if (clock.now() < end) ++taken;
    }
    EXPECT_LT(taken, 10'000);
    EXPECT_GT(taken, 8'000);
}

TEST(TokenBucket, ForgetsFullBucketsBeyondKeyBound) {
    FakeClock clock(kStart);
    TokenBucketLimiter bucket({1.0, 1.0, 2}, clock);
    EXPECT_TRUE(bucket.tryTake("a"));
    EXPECT_TRUE(bucket.tryTake("b"));
    clock.advance(10s);
    EXPECT_TRUE(bucket.tryTake("c"));  // a and b were full again and got pruned
    EXPECT_TRUE(bucket.tryTake("a"));
}

}  // namespace
}  // namespace calconn::net
