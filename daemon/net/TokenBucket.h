// Request budgets per key (an app, a mailbox): a token bucket refilled at `rate_per_second`
// up to `burst`. reserve() never blocks; it takes a token now or books the next one and says
// how long to wait, so the caller sleeps through its Sleeper (testable with a FakeClock).
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <unordered_map>

#include "common/Clock.h"

namespace calconn::net {

struct TokenBucketOptions {
    // Graph allows 10,000 requests per 10 minutes per app+mailbox (16.7/s); stay under it
    // even when a full burst comes on top of the steady rate.
    double rate_per_second = 15.0;
    double burst = 30.0;
    std::size_t max_keys = 100'000;  // full buckets are forgotten beyond this
};

class TokenBucketLimiter {
public:
    TokenBucketLimiter(TokenBucketOptions options, const common::Clock& clock);

    // Takes one token. Returns zero when one was available, else the wait until the booked
    // token becomes valid (the booking stands: callers must wait, not call again).
    std::chrono::milliseconds reserve(const std::string& key);
    // Takes one token only if available now.
    bool tryTake(const std::string& key);
    // Tokens available now (negative while bookings are outstanding).
    double available(const std::string& key) const;

    const TokenBucketOptions& options() const { return options_; }

private:
    struct Bucket {
        double tokens = 0;
        common::TimePoint updated;
    };
    Bucket& refill(const std::string& key, common::TimePoint now);
    void prune(common::TimePoint now);

    TokenBucketOptions options_;
    const common::Clock& clock_;
    mutable std::mutex mutex_;
    std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace calconn::net
