#include "devices/RateGate.h"

namespace calconn::devices {

bool RateGate::tryAcquire() {
    std::lock_guard lock(mutex_);
    const common::TimePoint now = clock_.now();
    if (last_ && now < *last_ + interval_) return false;
    last_ = now;
    return true;
}

common::TimePoint RateGate::nextAllowed() const {
    std::lock_guard lock(mutex_);
    const common::TimePoint now = clock_.now();
    if (!last_ || now >= *last_ + interval_) return now;
    return *last_ + interval_;
}

}  // namespace calconn::devices
