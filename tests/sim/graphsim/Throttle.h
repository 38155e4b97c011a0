// Outlook's per-(app, mailbox) limits as graphsim enforces them (graph.md §9): at most 4
// concurrent requests and a request budget per 10-minute window, both answered with 429 and a
// Retry-After that is usually whole seconds, sometimes fractional, sometimes absent.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "common/Clock.h"

namespace calconn::graphsim {

class Throttle {
public:
    // How Retry-After values are chosen. Mixed draws, deterministically from the seed and the
    // (app, mailbox) pair, mostly integers, sometimes a fraction, sometimes "0", sometimes none.
    enum class RetryAfterStyle { Mixed, Integer, Fractional, Absent };

    struct Limits {
        int max_concurrent_per_mailbox = 4;
        int requests_per_10min = 10000;
        std::chrono::seconds window{600};
        RetryAfterStyle retry_after_style = RetryAfterStyle::Mixed;
    };

    enum class Reason { None, Concurrency, Budget };

    struct Decision {
        bool allowed = true;
        std::optional<std::string> retry_after;  // header value, when one is sent
        Reason reason = Reason::None;
        // The Graph error code and message for the 429 body (empty when allowed).
        std::string error_code;
        std::string error_message;
    };

    explicit Throttle(Limits limits, const common::Clock* clock, std::uint64_t seed = 0);

    // Call once per Graph request before handling it. When allowed, call leave() with the same
    // pair once the response is written; when refused, do not. Every call, refused or not,
    // counts against the budget ("usage is counted during the throttle").
    Decision enter(const std::string& app_id, const std::string& mailbox_id);
    void leave(const std::string& app_id, const std::string& mailbox_id);

    void setLimits(Limits limits);
    Limits limits() const;

    // Highest concurrency any app attempted on the mailbox (counting the attempt that was refused),
    // so a test can check that a client never tries a 5th concurrent request.
    int maxConcurrentSeen(const std::string& mailbox_id) const;

    // Forgets all windows, in-flight counts and maxima.
    void reset();

    // {"limits":{...},"throttled_concurrency":n,"throttled_budget":n,"requests":n}
    std::string controlJson() const;

private:
    struct PairState {
        int in_flight = 0;
        int max_seen = 0;
        common::TimePoint window_start{};
        bool window_open = false;
        int window_count = 0;
        std::uint64_t refusals = 0;  // drives the deterministic Retry-After sequence
    };
    struct Shard {
        mutable std::mutex mutex;
        std::unordered_map<std::string, PairState> pairs;  // key: app_id '\n' mailbox_id
    };
    static constexpr std::size_t kShards = 32;

    Shard& shardFor(const std::string& key);
    std::optional<std::string> retryAfter(Reason reason, const std::string& key,
                                          std::uint64_t refusal, double seconds_left,
                                          RetryAfterStyle style) const;

    const common::Clock* clock_;
    std::uint64_t seed_;
    // Limits are read on every request, so they live in atomics rather than behind a lock.
    std::atomic<int> max_concurrent_;
    std::atomic<int> budget_;
    std::atomic<long long> window_seconds_;
    std::atomic<int> style_;
    std::array<Shard, kShards> shards_;
    std::atomic<std::uint64_t> requests_{0};
    std::atomic<std::uint64_t> throttled_concurrency_{0};
    std::atomic<std::uint64_t> throttled_budget_{0};
};

}  // namespace calconn::graphsim
