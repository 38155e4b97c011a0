#include <gtest/gtest.h>

#include "net/RetryPolicy.h"

namespace calconn::net {
namespace {

using namespace std::chrono_literals;
using common::ErrorCode;
using common::makeError;

// Always returns the same value so bounds can be checked exactly.
class FixedJitter final : public JitterSource {
public:
    explicit FixedJitter(double value) : value_(value) {}
    double next() override { return value_; }

private:
    double value_;
};

const common::TimePoint kNow = std::chrono::system_clock::from_time_t(1'700'000'000);

common::Result<HttpResponse> status(int code, std::optional<std::string> retry_after = {}) {
    HttpResponse response;
    response.status = code;
    if (retry_after) response.headers.add("retry-after", *retry_after);
    return response;
}

RetryPolicy policy(double jitter_value, RetryOptions options = {}) {
    return RetryPolicy(options, std::make_shared<FixedJitter>(jitter_value));
}

TEST(RetryAfter, ParsesIntegerSeconds) { EXPECT_EQ(parseRetryAfter("7", kNow), 7000ms); }

TEST(RetryAfter, ParsesFractionalSeconds) {
    EXPECT_EQ(parseRetryAfter("0.5", kNow), 500ms);
    EXPECT_EQ(parseRetryAfter("2.128", kNow), 2128ms);
    EXPECT_EQ(parseRetryAfter(" 1.0001 ", kNow), 1001ms);
}

TEST(RetryAfter, ParsesZero) { EXPECT_EQ(parseRetryAfter("0", kNow), 0ms); }

TEST(RetryAfter, ParsesHttpDate) {
    // kNow is Tue, 14 Nov 2023 22:13:20 GMT.
    EXPECT_EQ(parseRetryAfter("Tue, 14 Nov 2023 22:13:50 GMT", kNow), 30'000ms);
    EXPECT_EQ(parseRetryAfter("Tue, 14 Nov 2023 22:00:00 GMT", kNow), 0ms);
}

TEST(RetryAfter, RejectsGarbage) {
    EXPECT_FALSE(parseRetryAfter("", kNow));
    EXPECT_FALSE(parseRetryAfter("-1", kNow));
    EXPECT_FALSE(parseRetryAfter("soon", kNow));
    EXPECT_FALSE(parseRetryAfter("5s", kNow));
    EXPECT_FALSE(parseRetryAfter("nan", kNow));
}

TEST(RetryAfter, CapsHugeValues) {
    auto value = parseRetryAfter("99999999999999999999999", kNow);
    ASSERT_TRUE(value);
    EXPECT_EQ(*value, std::chrono::milliseconds(7 * 24 * 3600 * 1000LL));
}

TEST(RetryPolicy, HonoursRetryAfterOn429) {
    auto p = policy(0.0);
    auto d = p.decide(1, 0ms, status(429, "3"), false, kNow);
    EXPECT_TRUE(d.retry);
    EXPECT_EQ(d.delay, 3000ms);
    EXPECT_EQ(d.retry_after, 3000ms);
}

TEST(RetryPolicy, SpreadsRetryAfterUpwardOnly) {
    auto p = policy(0.999);
    auto d = p.decide(1, 0ms, status(429, "0.5"), false, kNow);
    EXPECT_TRUE(d.retry);
    EXPECT_GE(d.delay, 500ms);
    EXPECT_LE(d.delay, 550ms);
}

TEST(RetryPolicy, FallsBackToBackoffWhenRetryAfterIsZeroOrMissing) {
    auto p = policy(0.0);
    EXPECT_EQ(p.decide(1, 0ms, status(429, "0"), false, kNow).delay, 500ms);
    EXPECT_EQ(p.decide(1, 0ms, status(429), false, kNow).delay, 500ms);
    EXPECT_EQ(p.decide(1, 0ms, status(429, "junk"), false, kNow).delay, 500ms);
}

TEST(RetryPolicy, BackoffGrowsExponentiallyAndIsCapped) {
    RetryOptions options;
    options.max_attempts = 20;
    options.max_total_delay = std::chrono::hours(10);
    auto p = policy(0.0, options);
    EXPECT_EQ(p.backoff(1), 500ms);
    EXPECT_EQ(p.backoff(2), 1000ms);
    EXPECT_EQ(p.backoff(3), 2000ms);
    EXPECT_EQ(p.backoff(4), 4000ms);
    EXPECT_EQ(p.backoff(8), 60'000ms);
    EXPECT_EQ(p.backoff(200), 60'000ms);
}

TEST(RetryPolicy, JitterStaysWithinBounds) {
    RetryOptions options;
    auto low = policy(0.999999, options);
    auto high = policy(0.0, options);
    for (int attempt = 1; attempt < 8; ++attempt) {
        EXPECT_GE(low.backoff(attempt), high.backoff(attempt) / 2 - 1ms);
        EXPECT_LE(low.backoff(attempt), high.backoff(attempt));
    }
    RetryPolicy seeded(options, std::make_shared<SeededJitter>(42));
    for (int i = 0; i < 1000; ++i) {
        auto d = seeded.backoff(3);
        EXPECT_GE(d, 1000ms);
        EXPECT_LE(d, 2000ms);
    }
}

TEST(RetryPolicy, SeededJitterIsDeterministic) {
    RetryPolicy a({}, std::make_shared<SeededJitter>(7));
    RetryPolicy b({}, std::make_shared<SeededJitter>(7));
    for (int i = 1; i < 6; ++i) EXPECT_EQ(a.backoff(i), b.backoff(i));
}

TEST(RetryPolicy, RetriesServerBusyOnlyWhenSafe) {
    auto p = policy(0.0);
    EXPECT_TRUE(p.decide(1, 0ms, status(503), true, kNow).retry);
    EXPECT_TRUE(p.decide(1, 0ms, status(504), true, kNow).retry);
    EXPECT_FALSE(p.decide(1, 0ms, status(503), false, kNow).retry);
}

TEST(RetryPolicy, DoesNotRetryFinalStatuses) {
    auto p = policy(0.0);
    for (int code : {200, 201, 204, 400, 401, 403, 404, 410, 412, 500, 502}) {
        EXPECT_FALSE(p.decide(1, 0ms, status(code), true, kNow).retry) << code;
    }
}

TEST(RetryPolicy, RetriesTransportFailures) {
    auto p = policy(0.0);
    common::Result<HttpResponse> reset =
        makeError(ErrorCode::Unavailable, "connection reset", "exchange https://h:443");
    common::Result<HttpResponse> refused =
        makeError(ErrorCode::Unavailable, "connection refused", "connect https://h:443");
    common::Result<HttpResponse> truncated =
        makeError(ErrorCode::Protocol, "truncated", "exchange https://h:443");
    common::Result<HttpResponse> tls =
        makeError(ErrorCode::Crypto, "tls handshake failed", "connect https://h:443");
    EXPECT_TRUE(p.decide(1, 0ms, reset, true, kNow).retry);
    EXPECT_FALSE(p.decide(1, 0ms, reset, false, kNow).retry);
    EXPECT_TRUE(p.decide(1, 0ms, refused, false, kNow).retry);
    EXPECT_TRUE(p.decide(1, 0ms, truncated, true, kNow).retry);
    EXPECT_FALSE(p.decide(1, 0ms, tls, true, kNow).retry);
}

TEST(RetryPolicy, StopsAfterMaxAttempts) {
    RetryOptions options;
    options.max_attempts = 3;
    auto p = policy(0.0, options);
    EXPECT_TRUE(p.decide(2, 0ms, status(429), true, kNow).retry);
    EXPECT_FALSE(p.decide(3, 0ms, status(429), true, kNow).retry);
}

TEST(RetryPolicy, StopsWhenTotalDelayWouldBeExceeded) {
    RetryOptions options;
    options.max_total_delay = 10'000ms;
    auto p = policy(0.0, options);
    EXPECT_TRUE(p.decide(1, 5'000ms, status(429, "5"), true, kNow).retry);
    auto d = p.decide(1, 5'001ms, status(429, "5"), true, kNow);
    EXPECT_FALSE(d.retry);
    EXPECT_EQ(d.retry_after, 5000ms);  // the hint still reaches the caller
    EXPECT_FALSE(p.decide(1, 0ms, status(429, "3600"), true, kNow).retry);
}

}  // namespace
}  // namespace calconn::net
