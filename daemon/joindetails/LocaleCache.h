// The organizer's mailbox language (mailboxSettings.language.locale) per mailbox, cached for a
// while: every inserted block needs it and users rarely change it. Failures are not cached, so
// the next meeting asks again.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <mutex>
#include <string>

#include "common/Clock.h"
#include "common/Result.h"

namespace calconn::joindetails {

class LocaleCache {
public:
    using Fetch = std::function<common::Result<std::string>(const std::string& mailbox)>;

    LocaleCache(Fetch fetch, const common::Clock& clock,
                std::chrono::seconds ttl = std::chrono::hours(1), std::size_t max_entries = 20'000);

    // The locale ("de-DE"; empty when the mailbox has none set), from the cache while fresh.
    common::Result<std::string> locale(const std::string& mailbox);

private:
    struct Entry {
        std::string locale;
        common::TimePoint fetched{};
    };
    Fetch fetch_;
    const common::Clock& clock_;
    std::chrono::seconds ttl_;
    std::size_t max_entries_;
    std::mutex mutex_;
    std::map<std::string, Entry> entries_;  // key: lower-case mailbox
};

}  // namespace calconn::joindetails
