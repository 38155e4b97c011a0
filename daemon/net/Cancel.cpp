#include "net/Cancel.h"

#include <thread>

namespace calconn::net {

void CancelToken::cancel() {
    {
        std::lock_guard lock(mutex_);
        cancelled_ = true;
    }
    cv_.notify_all();
}

bool CancelToken::cancelled() const {
    std::lock_guard lock(mutex_);
    return cancelled_;
}

bool CancelToken::waitFor(std::chrono::nanoseconds duration) const {
    std::unique_lock lock(mutex_);
    return !cv_.wait_for(lock, duration, [this] { return cancelled_; });
}

bool RealSleeper::sleepFor(std::chrono::milliseconds duration, const CancelToken* cancel) {
    if (cancel != nullptr) return cancel->waitFor(duration);
    std::this_thread::sleep_for(duration);
    return true;
}

bool FakeSleeper::sleepFor(std::chrono::milliseconds duration, const CancelToken* cancel) {
    if (cancel != nullptr && cancel->cancelled()) return false;
    {
        std::lock_guard lock(mutex_);
        sleeps_.push_back(duration);
    }
    clock_.advance(duration);
    return true;
}

std::vector<std::chrono::milliseconds> FakeSleeper::sleeps() const {
    std::lock_guard lock(mutex_);
    return sleeps_;
}

std::chrono::milliseconds FakeSleeper::total() const {
    std::lock_guard lock(mutex_);
    std::chrono::milliseconds sum{0};
    for (auto d : sleeps_) sum += d;
    return sum;
}

}  // namespace calconn::net
