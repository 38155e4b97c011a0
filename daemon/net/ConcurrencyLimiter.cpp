#include "net/ConcurrencyLimiter.h"

#include <algorithm>

namespace calconn::net {

using common::ErrorCode;
using common::makeError;

namespace {
// Waits are cut into slices so that a deadline on an injected clock and a cancel token are
// noticed even though neither signals our condition variable.
constexpr auto kWaitSlice = std::chrono::milliseconds(20);
}  // namespace

ConcurrencyLimiter::Permit::Permit(Permit&& other) noexcept
    : owner_(other.owner_), key_(std::move(other.key_)) {
    other.owner_ = nullptr;
}

ConcurrencyLimiter::Permit& ConcurrencyLimiter::Permit::operator=(Permit&& other) noexcept {
    if (this != &other) {
        release();
        owner_ = other.owner_;
        key_ = std::move(other.key_);
        other.owner_ = nullptr;
    }
    return *this;
}

ConcurrencyLimiter::Permit::~Permit() { release(); }

void ConcurrencyLimiter::Permit::release() {
    if (owner_ != nullptr) {
        owner_->release(key_);
        owner_ = nullptr;
    }
}

ConcurrencyLimiter::ConcurrencyLimiter(std::size_t per_key_limit, const common::Clock& clock)
    : limit_(std::max<std::size_t>(1, per_key_limit)), clock_(clock) {}

common::Result<ConcurrencyLimiter::Permit> ConcurrencyLimiter::acquire(const std::string& key,
                                                                       common::TimePoint deadline,
                                                                       const CancelToken* cancel) {
    std::unique_lock lock(mutex_);
    Slot& slot = slots_[key];
    ++slot.waiting;
    while (slot.in_flight >= limit_) {
        if (cancel != nullptr && cancel->cancelled()) {
            --slot.waiting;
            return makeError(ErrorCode::Cancelled, "cancelled while waiting for a request slot",
                             key);
        }
        const auto now = clock_.now();
        if (now >= deadline) {
            --slot.waiting;
            if (slot.in_flight == 0 && slot.waiting == 0) slots_.erase(key);
            return makeError(ErrorCode::Timeout, "no request slot free before the deadline", key);
        }
        cv_.wait_for(lock, std::min<std::chrono::nanoseconds>(kWaitSlice, deadline - now));
    }
    --slot.waiting;
    ++slot.in_flight;
    auto& peak = peaks_[key];
    peak = std::max(peak, slot.in_flight);
    return Permit(this, key);
}

std::optional<ConcurrencyLimiter::Permit> ConcurrencyLimiter::tryAcquire(const std::string& key) {
    std::lock_guard lock(mutex_);
    Slot& slot = slots_[key];
    if (slot.in_flight >= limit_) return std::nullopt;
    ++slot.in_flight;
    auto& peak = peaks_[key];
    peak = std::max(peak, slot.in_flight);
    return Permit(this, key);
}

void ConcurrencyLimiter::release(const std::string& key) {
    {
        std::lock_guard lock(mutex_);
        auto it = slots_.find(key);
        if (it == slots_.end() || it->second.in_flight == 0) return;
        --it->second.in_flight;
        if (it->second.in_flight == 0 && it->second.waiting == 0) slots_.erase(it);
    }
    cv_.notify_all();
}

std::size_t ConcurrencyLimiter::inFlight(const std::string& key) const {
    std::lock_guard lock(mutex_);
    auto it = slots_.find(key);
    return it == slots_.end() ? 0 : it->second.in_flight;
}

std::size_t ConcurrencyLimiter::peak(const std::string& key) const {
    std::lock_guard lock(mutex_);
    auto it = peaks_.find(key);
    return it == peaks_.end() ? 0 : it->second;
}

void ConcurrencyLimiter::poke() { cv_.notify_all(); }

}  // namespace calconn::net
