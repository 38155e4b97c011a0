#include "Throttle.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>

namespace calconn::graphsim {

namespace {

std::uint64_t splitmix64(std::uint64_t x) {
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

// FNV-1a: std::hash is not guaranteed stable, and the Retry-After sequence must be reproducible.
std::uint64_t stableHash(const std::string& text) {
    std::uint64_t h = 1469598103934665603ULL;
    for (unsigned char c : text) {
        h ^= c;
        h *= 1099511628211ULL;
    }
    return h;
}

std::string pairKey(const std::string& app_id, const std::string& mailbox_id) {
    std::string key;
    key.reserve(app_id.size() + mailbox_id.size() + 1);
    key += app_id;
    key += '\n';
    key += mailbox_id;
    return key;
}

std::string formatSeconds(double seconds, int decimals) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, seconds);
    return buf;
}

}  // namespace

Throttle::Throttle(Limits limits, const common::Clock* clock, std::uint64_t seed)
    : clock_(clock), seed_(seed) {
    setLimits(limits);
}

void Throttle::setLimits(Limits limits) {
    max_concurrent_.store(limits.max_concurrent_per_mailbox);
    budget_.store(limits.requests_per_10min);
    window_seconds_.store(std::max<long long>(1, limits.window.count()));
    style_.store(static_cast<int>(limits.retry_after_style));
}

Throttle::Limits Throttle::limits() const {
    Limits out;
    out.max_concurrent_per_mailbox = max_concurrent_.load();
    out.requests_per_10min = budget_.load();
    out.window = std::chrono::seconds(window_seconds_.load());
    out.retry_after_style = static_cast<RetryAfterStyle>(style_.load());
    return out;
}

Throttle::Shard& Throttle::shardFor(const std::string& key) {
    return shards_[std::hash<std::string>{}(key) % kShards];
}

Throttle::Decision Throttle::enter(const std::string& app_id, const std::string& mailbox_id) {
    requests_.fetch_add(1, std::memory_order_relaxed);
    const std::string key = pairKey(app_id, mailbox_id);
    const auto now = clock_->now();
    const int max_concurrent = max_concurrent_.load(std::memory_order_relaxed);
    const int budget = budget_.load(std::memory_order_relaxed);
    const auto window = std::chrono::seconds(window_seconds_.load(std::memory_order_relaxed));
    const auto style = static_cast<RetryAfterStyle>(style_.load(std::memory_order_relaxed));

    Decision decision;
    std::uint64_t refusal = 0;
    double seconds_left = 0;
    {
        Shard& shard = shardFor(key);
        std::lock_guard lock(shard.mutex);
        PairState& state = shard.pairs[key];
        if (!state.window_open || now - state.window_start >= window) {
            state.window_open = true;
            state.window_start = now;
            state.window_count = 0;
        }
        ++state.window_count;
        state.max_seen = std::max(state.max_seen, state.in_flight + 1);
        if (state.window_count > budget) {
            decision.reason = Reason::Budget;
            seconds_left = std::chrono::duration<double>(state.window_start + window - now).count();
        } else if (state.in_flight >= max_concurrent) {
            decision.reason = Reason::Concurrency;
        } else {
            ++state.in_flight;
            return decision;
        }
        refusal = state.refusals++;
    }

    decision.allowed = false;
    if (decision.reason == Reason::Budget) {
        throttled_budget_.fetch_add(1, std::memory_order_relaxed);
        decision.error_code = "TooManyRequests";
        decision.error_message = "Please retry again later.";
    } else {
        throttled_concurrency_.fetch_add(1, std::memory_order_relaxed);
        decision.error_code = "ApplicationThrottled";
        decision.error_message = "Application is over its MailboxConcurrency limit.";
    }
    decision.retry_after = retryAfter(decision.reason, key, refusal, seconds_left, style);
    return decision;
}

std::optional<std::string> Throttle::retryAfter(Reason reason, const std::string& key,
                                                std::uint64_t refusal, double seconds_left,
                                                RetryAfterStyle style) const {
    const std::uint64_t draw = splitmix64(seed_ ^ stableHash(key) ^ splitmix64(refusal)) % 100;
    if (style == RetryAfterStyle::Mixed) {
        // Mostly whole seconds; the rest split between the shapes graph.md §9 lists.
        if (draw < 75)
            style = RetryAfterStyle::Integer;
        else if (draw < 88)
            style = RetryAfterStyle::Fractional;
        else
            style = RetryAfterStyle::Absent;
    }
    if (style == RetryAfterStyle::Absent) return std::nullopt;
    if (reason == Reason::Concurrency) {
        // A slot frees as soon as one request finishes: the wait is short.
        if (style == RetryAfterStyle::Fractional) {
            return formatSeconds(0.1 + static_cast<double>(draw % 10) / 10.0, 1);
        }
        return std::string(draw % 5 == 0 ? "0" : "1");
    }
    seconds_left = std::max(0.0, seconds_left);
    if (style == RetryAfterStyle::Fractional) return formatSeconds(seconds_left, 3);
    return std::to_string(static_cast<long long>(std::ceil(seconds_left)));
}

void Throttle::leave(const std::string& app_id, const std::string& mailbox_id) {
    const std::string key = pairKey(app_id, mailbox_id);
    Shard& shard = shardFor(key);
    std::lock_guard lock(shard.mutex);
    auto it = shard.pairs.find(key);
    if (it != shard.pairs.end() && it->second.in_flight > 0) --it->second.in_flight;
}

int Throttle::maxConcurrentSeen(const std::string& mailbox_id) const {
    int best = 0;
    const std::string suffix = "\n" + mailbox_id;
    for (const Shard& shard : shards_) {
        std::lock_guard lock(shard.mutex);
        for (const auto& [key, state] : shard.pairs) {
            if (key.size() >= suffix.size() &&
                key.compare(key.size() - suffix.size(), suffix.size(), suffix) == 0) {
                best = std::max(best, state.max_seen);
            }
        }
    }
    return best;
}

void Throttle::reset() {
    for (Shard& shard : shards_) {
        std::lock_guard lock(shard.mutex);
        shard.pairs.clear();
    }
    requests_.store(0);
    throttled_concurrency_.store(0);
    throttled_budget_.store(0);
}

std::string Throttle::controlJson() const {
    static constexpr const char* kStyles[] = {"mixed", "integer", "fractional", "absent"};
    Limits l = limits();
    std::string out = "{\"limits\":{\"max_concurrent_per_mailbox\":";
    out += std::to_string(l.max_concurrent_per_mailbox);
    out += ",\"requests_per_window\":" + std::to_string(l.requests_per_10min);
    out += ",\"window_seconds\":" + std::to_string(l.window.count());
    out += ",\"retry_after_style\":\"";
    out += kStyles[static_cast<int>(l.retry_after_style)];
    out += "\"},\"requests\":" + std::to_string(requests_.load());
    out += ",\"throttled_concurrency\":" + std::to_string(throttled_concurrency_.load());
    out += ",\"throttled_budget\":" + std::to_string(throttled_budget_.load());
    out += "}";
    return out;
}

}  // namespace calconn::graphsim
