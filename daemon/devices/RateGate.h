// At most one request per interval to a device (RoomOS serves Basic-authenticated requests at
// 1/s and answers 503 beyond its queue). Never blocks: the caller asks when it may send and
// schedules itself, so tests drive it with a FakeClock.
#pragma once

#include <chrono>
#include <mutex>
#include <optional>

#include "common/Clock.h"

namespace calconn::devices {

class RateGate {
public:
    RateGate(std::chrono::milliseconds interval, const common::Clock& clock)
        : interval_(interval), clock_(clock) {}

    // Takes the slot if it is free now; else returns false and leaves the gate as it was.
    bool tryAcquire();
    // When the next request may be sent (now or later).
    common::TimePoint nextAllowed() const;
    std::chrono::milliseconds interval() const { return interval_; }

private:
    const std::chrono::milliseconds interval_;
    const common::Clock& clock_;
    mutable std::mutex mutex_;
    std::optional<common::TimePoint> last_;
};

}  // namespace calconn::devices
