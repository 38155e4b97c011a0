#include "joindetails/LocaleCache.h"

#include "common/Text.h"

#include <algorithm>
#include <cctype>

namespace calconn::joindetails {

namespace {

}  // namespace

LocaleCache::LocaleCache(Fetch fetch, const common::Clock& clock, std::chrono::seconds ttl,
                         std::size_t max_entries)
    : fetch_(std::move(fetch)), clock_(clock), ttl_(ttl), max_entries_(std::max<std::size_t>(1, max_entries)) {}

common::Result<std::string> LocaleCache::locale(const std::string& mailbox) {
    const std::string key = common::asciiLower(mailbox);
    {
        std::lock_guard lock(mutex_);
        auto it = entries_.find(key);
        if (it != entries_.end() && clock_.now() - it->second.fetched < ttl_) return it->second.locale;
    }
    // Fetched without the lock: a slow mailbox must not hold up the others.
    auto fetched = fetch_(mailbox);
    if (!fetched) return fetched.error();
    std::lock_guard lock(mutex_);
    if (entries_.size() >= max_entries_ && entries_.count(key) == 0) {
        // Full: drop the stalest entry (the cache only saves requests, it holds nothing else).
        auto stalest = std::min_element(entries_.begin(), entries_.end(), [](const auto& a, const auto& b) {
            return a.second.fetched < b.second.fetched;
        });
        entries_.erase(stalest);
    }
    entries_[key] = Entry{*fetched, clock_.now()};
    return *fetched;
}

}  // namespace calconn::joindetails
