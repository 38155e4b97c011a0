// At most N requests in flight per key (Graph allows 4 concurrent requests per app+mailbox and
// answers 429 MailboxConcurrency beyond). Acquire blocks until a slot frees, the deadline
// (read from the injected clock) passes, or the caller cancels.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "common/Clock.h"
#include "common/Result.h"
#include "net/Cancel.h"

namespace calconn::net {

class ConcurrencyLimiter {
public:
    // Releases its slot when destroyed; movable, not copyable.
    class Permit {
    public:
        Permit() = default;
        Permit(Permit&& other) noexcept;
        Permit& operator=(Permit&& other) noexcept;
        ~Permit();
        Permit(const Permit&) = delete;
        Permit& operator=(const Permit&) = delete;
        void release();
        bool held() const { return owner_ != nullptr; }

    private:
        friend class ConcurrencyLimiter;
        Permit(ConcurrencyLimiter* owner, std::string key) : owner_(owner), key_(std::move(key)) {}
        ConcurrencyLimiter* owner_ = nullptr;
        std::string key_;
    };

    ConcurrencyLimiter(std::size_t per_key_limit, const common::Clock& clock);

    // Timeout when the deadline passes first, Cancelled when `cancel` fires.
    common::Result<Permit> acquire(const std::string& key, common::TimePoint deadline,
                                   const CancelToken* cancel = nullptr);
    std::optional<Permit> tryAcquire(const std::string& key);

    std::size_t inFlight(const std::string& key) const;
    // Highest in-flight count ever seen for the key (for tests and metrics).
    std::size_t peak(const std::string& key) const;
    std::size_t limit() const { return limit_; }
    // Wakes waiters so they re-read the clock (used after moving a FakeClock).
    void poke();

private:
    struct Slot {
        std::size_t in_flight = 0;
        std::size_t waiting = 0;
    };
    void release(const std::string& key);

    const std::size_t limit_;
    const common::Clock& clock_;
    mutable std::mutex mutex_;
    std::condition_variable cv_;
    std::map<std::string, Slot> slots_;
    std::map<std::string, std::size_t> peaks_;
};

}  // namespace calconn::net
