#include "devices/PushScheduler.h"

#include <algorithm>

namespace calconn::devices {

PushScheduler::PushScheduler(PushSchedulerOptions options, const common::Clock& clock)
    : options_(options), clock_(clock) {}

void PushScheduler::addDevice(const std::string& device) {
    std::lock_guard lock(mutex_);
    auto [it, inserted] = devices_.try_emplace(device);
    if (inserted) {
        it->second.next_due = clock_.now();
        it->second.changed = true;
    }
}

void PushScheduler::removeDevice(const std::string& device) {
    std::lock_guard lock(mutex_);
    devices_.erase(device);
}

void PushScheduler::markChanged(const std::string& device) {
    std::lock_guard lock(mutex_);
    auto it = devices_.find(device);
    if (it == devices_.end()) return;
    DevicePushState& s = it->second;
    s.changed = true;
    if (s.consecutive_failures > 0) return;
    const common::TimePoint soon = clock_.now() + options_.debounce;
    s.next_due = std::min(s.next_due, soon);
}

std::vector<std::string> PushScheduler::due() const {
    std::lock_guard lock(mutex_);
    const common::TimePoint now = clock_.now();
    std::vector<std::string> out;
    for (const auto& [name, s] : devices_) {
        if (s.next_due <= now) out.push_back(name);
    }
    return out;
}

std::optional<common::TimePoint> PushScheduler::nextWakeup() const {
    std::lock_guard lock(mutex_);
    std::optional<common::TimePoint> out;
    for (const auto& [name, s] : devices_) {
        if (!out || s.next_due < *out) out = s.next_due;
    }
    return out;
}

void PushScheduler::recordSuccess(const std::string& device, std::size_t bookings) {
    std::lock_guard lock(mutex_);
    auto it = devices_.find(device);
    if (it == devices_.end()) return;
    DevicePushState& s = it->second;
    const common::TimePoint now = clock_.now();
    s.last_push = now;
    s.last_attempt = now;
    s.bookings_pushed = bookings;
    s.last_error.reset();
    s.consecutive_failures = 0;
    s.changed = false;
    ++s.pushes_ok;
    s.next_due = now + options_.refresh_interval;
}

std::chrono::milliseconds PushScheduler::backoffFor(int consecutive_failures) const {
    std::lock_guard lock(mutex_);
    return backoffLocked(consecutive_failures);
}

std::chrono::milliseconds PushScheduler::backoffLocked(int consecutive_failures) const {
    std::chrono::milliseconds wait = options_.backoff_initial;
    for (int i = 1; i < consecutive_failures && wait < options_.backoff_max; ++i) wait *= 2;
    return std::min<std::chrono::milliseconds>(wait, options_.backoff_max);
}

void PushScheduler::recordFailure(const std::string& device, const common::Error& error,
                                  std::optional<common::TimePoint> retry_at) {
    std::lock_guard lock(mutex_);
    auto it = devices_.find(device);
    if (it == devices_.end()) return;
    DevicePushState& s = it->second;
    const common::TimePoint now = clock_.now();
    s.last_attempt = now;
    s.last_error = error;
    ++s.consecutive_failures;
    ++s.pushes_failed;
    s.next_due = now + backoffLocked(s.consecutive_failures);
    if (retry_at) s.next_due = std::max(s.next_due, *retry_at);
}

void PushScheduler::defer(const std::string& device, common::TimePoint at) {
    std::lock_guard lock(mutex_);
    auto it = devices_.find(device);
    if (it == devices_.end()) return;
    it->second.next_due = at;
}

void PushScheduler::dueNow(const std::string& device) {
    std::lock_guard lock(mutex_);
    auto it = devices_.find(device);
    if (it == devices_.end()) return;
    it->second.changed = true;
    it->second.next_due = std::min(it->second.next_due, clock_.now());
}

void PushScheduler::setOptions(PushSchedulerOptions options) {
    std::lock_guard lock(mutex_);
    options_ = options;
    for (auto& [name, s] : devices_) {
        if (s.consecutive_failures > 0 || !s.last_push) continue;
        s.next_due = std::min(s.next_due, *s.last_push + options_.refresh_interval);
    }
}

std::optional<DevicePushState> PushScheduler::state(const std::string& device) const {
    std::lock_guard lock(mutex_);
    auto it = devices_.find(device);
    if (it == devices_.end()) return std::nullopt;
    return it->second;
}

}  // namespace calconn::devices
