#include "common/Clock.h"

namespace calconn::common {

TimePoint SystemClock::now() const { return std::chrono::system_clock::now(); }

TimePoint FakeClock::now() const {
    std::lock_guard lock(mutex_);
    return now_;
}

void FakeClock::advance(std::chrono::nanoseconds by) {
    std::lock_guard lock(mutex_);
    now_ += std::chrono::duration_cast<std::chrono::system_clock::duration>(by);
}

void FakeClock::set(TimePoint to) {
    std::lock_guard lock(mutex_);
    now_ = to;
}

}  // namespace calconn::common
