#include "net/TokenBucket.h"

#include <algorithm>
#include <cmath>

namespace calconn::net {

TokenBucketLimiter::TokenBucketLimiter(TokenBucketOptions options, const common::Clock& clock)
    : options_(options), clock_(clock) {
    options_.rate_per_second = std::max(options_.rate_per_second, 1e-6);
    options_.burst = std::max(options_.burst, 1.0);
}

TokenBucketLimiter::Bucket& TokenBucketLimiter::refill(const std::string& key,
                                                       common::TimePoint now) {
    auto it = buckets_.find(key);
    if (it == buckets_.end()) {
        if (buckets_.size() >= options_.max_keys) prune(now);
        it = buckets_.emplace(key, Bucket{options_.burst, now}).first;
        return it->second;
    }
    Bucket& bucket = it->second;
    if (now > bucket.updated) {
        const double seconds = std::chrono::duration<double>(now - bucket.updated).count();
        bucket.tokens =
            std::min(options_.burst, bucket.tokens + seconds * options_.rate_per_second);
        bucket.updated = now;
    }
    return bucket;
}

void TokenBucketLimiter::prune(common::TimePoint now) {
    for (auto it = buckets_.begin(); it != buckets_.end();) {
        const double seconds = std::chrono::duration<double>(now - it->second.updated).count();
        const bool full = it->second.tokens + seconds * options_.rate_per_second >= options_.burst;
        it = full ? buckets_.erase(it) : std::next(it);
    }
}

std::chrono::milliseconds TokenBucketLimiter::reserve(const std::string& key) {
    std::lock_guard lock(mutex_);
    Bucket& bucket = refill(key, clock_.now());
    bucket.tokens -= 1.0;
    if (bucket.tokens >= 0) return std::chrono::milliseconds(0);
    const double wait_seconds = -bucket.tokens / options_.rate_per_second;
    return std::chrono::milliseconds(static_cast<std::int64_t>(std::ceil(wait_seconds * 1000.0)));
}

bool TokenBucketLimiter::tryTake(const std::string& key) {
    std::lock_guard lock(mutex_);
    Bucket& bucket = refill(key, clock_.now());
    if (bucket.tokens < 1.0) return false;
    bucket.tokens -= 1.0;
    return true;
}

double TokenBucketLimiter::available(const std::string& key) const {
    std::lock_guard lock(mutex_);
    auto it = buckets_.find(key);
    if (it == buckets_.end()) return options_.burst;
    const double seconds =
        std::max(0.0, std::chrono::duration<double>(clock_.now() - it->second.updated).count());
    return std::min(options_.burst, it->second.tokens + seconds * options_.rate_per_second);
}

}  // namespace calconn::net
