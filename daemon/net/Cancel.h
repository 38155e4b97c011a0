// Cancellation and waiting. Waits go through a Sleeper so that code which backs off can be
// tested with a FakeClock: FakeSleeper moves the clock instead of blocking.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <vector>

#include "common/Clock.h"

namespace calconn::net {

// Set once, seen by every waiter; waking is immediate for RealSleeper waits.
class CancelToken {
public:
    void cancel();
    bool cancelled() const;
    // Waits up to `duration`; false when cancelled before or during the wait.
    bool waitFor(std::chrono::nanoseconds duration) const;

private:
    mutable std::mutex mutex_;
    mutable std::condition_variable cv_;
    bool cancelled_ = false;
};

class Sleeper {
public:
    virtual ~Sleeper() = default;
    // Returns false when `cancel` fired before the time was up.
    virtual bool sleepFor(std::chrono::milliseconds duration, const CancelToken* cancel) = 0;
};

class RealSleeper final : public Sleeper {
public:
    bool sleepFor(std::chrono::milliseconds duration, const CancelToken* cancel) override;
};

// Advances a FakeClock by the requested time and records every wait.
class FakeSleeper final : public Sleeper {
public:
    explicit FakeSleeper(common::FakeClock& clock) : clock_(clock) {}
    bool sleepFor(std::chrono::milliseconds duration, const CancelToken* cancel) override;
    std::vector<std::chrono::milliseconds> sleeps() const;
    std::chrono::milliseconds total() const;

private:
    common::FakeClock& clock_;
    mutable std::mutex mutex_;
    std::vector<std::chrono::milliseconds> sleeps_;
};

}  // namespace calconn::net
