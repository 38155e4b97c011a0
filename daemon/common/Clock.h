// Time comes through an injected Clock so that timers, backoff and schedules are testable
// without sleeping. SystemClock is the real one; FakeClock lets a test move time by hand.
#pragma once

#include <chrono>
#include <mutex>

namespace calconn::common {

using TimePoint = std::chrono::system_clock::time_point;

class Clock {
public:
    virtual ~Clock() = default;
    virtual TimePoint now() const = 0;
};

class SystemClock final : public Clock {
public:
    TimePoint now() const override;
};

class FakeClock final : public Clock {
public:
    explicit FakeClock(TimePoint start) : now_(start) {}
    TimePoint now() const override;
    void advance(std::chrono::nanoseconds by);
    void set(TimePoint to);

private:
    mutable std::mutex mutex_;
    TimePoint now_;
};

}  // namespace calconn::common
