#include "presence/SinkDelivery.h"

#include <algorithm>

#include "common/Metrics.h"
#include "platform/Logging.h"
#include "presence/PresenceTracker.h"

namespace calconn::presence {

namespace {

Poco::Logger& logger() { return platform::moduleLogger("presence"); }

const PresenceRecord kNeverHeard{core::PresenceState::Available, {}, {}};

}  // namespace

SinkDelivery::SinkDelivery(std::unique_ptr<PresenceSink> sink, SinkBackoff backoff,
                           std::map<std::string, PresenceRecord> acknowledged)
    : sink_(std::move(sink)), backoff_(backoff) {
    for (auto& [upn, record] : acknowledged) acknowledged_[PresenceTracker::key(upn)] = record;
}

void SinkDelivery::offer(const PresenceUpdate& update) {
    const std::string k = PresenceTracker::key(update.upn);
    std::lock_guard lock(mutex_);
    auto acked = acknowledged_.find(k);
    const PresenceRecord& has = acked == acknowledged_.end() ? kNeverHeard : acked->second;
    if (has.sameAnnouncement(update.record)) {
        if (pending_.erase(k)) order_.erase(std::find(order_.begin(), order_.end(), k));
        return;
    }
    auto [it, inserted] = pending_.insert_or_assign(k, update);
    if (inserted) order_.push_back(k);
    wake_.notify_all();
}

void SinkDelivery::forget(const std::string& upn) {
    const std::string k = PresenceTracker::key(upn);
    std::lock_guard lock(mutex_);
    acknowledged_.erase(k);
    if (pending_.erase(k)) order_.erase(std::find(order_.begin(), order_.end(), k));
}

SinkDelivery::Attempt SinkDelivery::deliverOne(common::TimePoint now) {
    PresenceUpdate update;
    std::string k;
    {
        std::lock_guard lock(mutex_);
        if (order_.empty()) return Attempt::Idle;
        if (retry_at_ && now < *retry_at_) return Attempt::BackingOff;
        k = order_.front();
        update = pending_.at(k);
    }
    const common::Status sent = sink_->publish(update);
    std::lock_guard lock(mutex_);
    auto it = pending_.find(k);
    if (sent) {
        common::metrics().add("calconn_presence_deliveries_total", {{"result", "ok"}});
        acknowledged_[k] = update.record;
        ++delivered_;
        // Unless a newer update arrived meanwhile, this one is done.
        if (it != pending_.end() && it->second.record == update.record) {
            pending_.erase(it);
            order_.erase(std::find(order_.begin(), order_.end(), k));
        }
        if (failures_ > 0) {
            logger().information("presence sink " + sink_->name() + " delivers again after " +
                                 std::to_string(failures_) + " failed attempts");
        }
        failures_ = 0;
        retry_at_.reset();
        last_error_.clear();
        return Attempt::Delivered;
    }
    common::metrics().add("calconn_presence_deliveries_total", {{"result", "error"}});
    ++failures_;
    // Double per failure up to the cap; the shift is bounded so it cannot overflow.
    const auto factor = std::int64_t{1} << std::min(failures_ - 1, 20);
    const auto wait = std::min(backoff_.max, backoff_.initial * factor);
    retry_at_ = now + wait;
    const std::string message = sent.error().toString();
    if (failures_ == 1 || message != last_error_) {
        logger().warning("presence sink " + sink_->name() + " failed: " + message +
                         "; retrying in " + std::to_string(wait.count()) + " ms");
    } else {
        logger().debug("presence sink " + sink_->name() + " failed again (" +
                       std::to_string(failures_) + "): " + message);
    }
    last_error_ = message;
    // The failed update goes to the back, so one refused update cannot block the others.
    if (it != pending_.end() && order_.size() > 1 && order_.front() == k) {
        order_.pop_front();
        order_.push_back(k);
    }
    return Attempt::Failed;
}

std::optional<common::TimePoint> SinkDelivery::retryAt() const {
    std::lock_guard lock(mutex_);
    return retry_at_;
}

void SinkDelivery::waitForWork(std::chrono::milliseconds max) {
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, max, [this] { return stop_ || (!order_.empty() && !retry_at_); });
}

void SinkDelivery::stop() {
    std::lock_guard lock(mutex_);
    stop_ = true;
    wake_.notify_all();
}

bool SinkDelivery::stopped() const {
    std::lock_guard lock(mutex_);
    return stop_;
}

std::map<std::string, PresenceRecord> SinkDelivery::acknowledged() const {
    std::lock_guard lock(mutex_);
    return acknowledged_;
}

SinkStatus SinkDelivery::status() const {
    std::lock_guard lock(mutex_);
    return SinkStatus{sink_->name(), pending_.size(), delivered_, failures_, last_error_};
}

std::size_t SinkDelivery::pending() const {
    std::lock_guard lock(mutex_);
    return pending_.size();
}

}  // namespace calconn::presence
