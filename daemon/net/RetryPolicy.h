// When and how long to wait before resending a request: exponential backoff with jitter for
// 429/503/504 and transport failures, Retry-After honoured (seconds, fractional, zero, absent,
// HTTP-date), bounded attempts and total delay. Pure: time and randomness are injected.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>

#include "common/Clock.h"
#include "common/Result.h"
#include "net/Cancel.h"
#include "net/HttpClient.h"
#include "net/HttpTypes.h"

namespace calconn::net {

// Uniform values in [0, 1).
class JitterSource {
public:
    virtual ~JitterSource() = default;
    virtual double next() = 0;
};

class SeededJitter final : public JitterSource {
public:
    explicit SeededJitter(std::uint64_t seed) : engine_(seed) {}
    double next() override;

private:
    std::mutex mutex_;
    std::mt19937_64 engine_;
};

struct RetryOptions {
    int max_attempts = 6;  // first try included
    std::chrono::milliseconds initial_backoff{500};
    double multiplier = 2.0;
    std::chrono::milliseconds max_backoff{60'000};  // cap of one computed backoff
    // Sum of all waits of one request; a Retry-After that would exceed it ends the retries.
    std::chrono::milliseconds max_total_delay{300'000};
    // Backoff b is drawn from [b * (1 - jitter), b]; Retry-After r from [r, r * (1 + after_jitter)]
    // so a crowd told to come back at once does not.
    double jitter = 0.5;
    double retry_after_jitter = 0.1;
};

struct RetryDecision {
    bool retry = false;
    std::chrono::milliseconds delay{0};
    std::string reason;                                    // for logs: why (not) retried
    std::optional<std::chrono::milliseconds> retry_after;  // the server's hint, if any
};

// Parses Retry-After: delta-seconds (also fractional, which Graph sends) or an HTTP-date.
// Negative, non-numeric or unparseable values give nullopt; dates in the past give zero.
std::optional<std::chrono::milliseconds> parseRetryAfter(std::string_view value,
                                                         common::TimePoint now);

// 429, 503 and 504 are worth retrying.
bool isRetryableStatus(int status);

class RetryPolicy {
public:
    RetryPolicy(RetryOptions options, std::shared_ptr<JitterSource> jitter);

    // `attempts_made` counts attempts already sent (1 after the first), `delayed_so_far` the
    // waits already spent on this request; `retry_safe` whether resending is harmless if the
    // first copy was processed.
    RetryDecision decide(int attempts_made, std::chrono::milliseconds delayed_so_far,
                         const common::Result<HttpResponse>& outcome, bool retry_safe,
                         common::TimePoint now) const;

    // Jittered exponential backoff before attempt `attempts_made + 1`.
    std::chrono::milliseconds backoff(int attempts_made) const;

    const RetryOptions& options() const { return options_; }

private:
    RetryOptions options_;
    std::shared_ptr<JitterSource> jitter_;
};

// Sends with retries per `policy`, waiting through `sleeper`. Returns the last response (any
// status) or the last transport error; Cancelled when `cancel` fires during a wait.
common::Result<HttpResponse> sendWithRetry(HttpClient& client, const HttpRequest& request,
                                           const RetryPolicy& policy, Sleeper& sleeper,
                                           const common::Clock& clock,
                                           const CancelToken* cancel = nullptr);

}  // namespace calconn::net
