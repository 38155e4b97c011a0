#include "presence/PresenceService.h"

#include <algorithm>
#include <filesystem>
#include <set>

#include "common/ErrorCode.h"
#include "common/IsoTime.h"
#include "common/Metrics.h"
#include "platform/Logging.h"
#include "presence/PresenceStateFile.h"

namespace calconn::presence {

using common::TimePoint;
using core::PresenceState;
using std::chrono::floor;
using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {

Poco::Logger& logger() { return platform::moduleLogger("presence"); }

void describeMetrics() {
    auto& m = common::metrics();
    m.describe("calconn_presence_polls_total", common::MetricType::Counter,
               "automatic-replies settings read from Graph, by result (ok or the error code)");
    m.describe("calconn_presence_transitions_total", common::MetricType::Counter,
               "presence changes announced, by the new state");
    m.describe("calconn_presence_deliveries_total", common::MetricType::Counter,
               "presence updates sent to sinks, by result");
}

std::string describeRecord(const PresenceRecord& record) {
    std::string out(presenceStateName(record.state));
    out += " since " + common::formatIsoUtc(record.since);
    if (record.until) out += " until " + common::formatIsoUtc(*record.until);
    return out;
}

}  // namespace

struct PresenceService::SinkWorker {
    std::shared_ptr<SinkDelivery> delivery;
    std::thread thread;
};

common::Result<std::unique_ptr<PresenceService>> PresenceService::create(
    PresenceServiceDeps deps, PresenceServiceOptions options,
    std::vector<std::unique_ptr<PresenceSink>> sinks) {
    describeMetrics();
    PresenceSnapshot snapshot;
    if (!options.state_file.empty()) {
        auto loaded = loadSnapshot(options.state_file);
        if (loaded) {
            snapshot = std::move(*loaded);
        } else if (loaded.error().code == common::ErrorCode::Protocol) {
            // Only a cache of what was announced: set it aside and start over (at worst a
            // sink hears a current state once more).
            const std::string aside = options.state_file + ".corrupt";
            std::error_code ec;
            std::filesystem::rename(options.state_file, aside, ec);
            logger().warning(loaded.error().toString() + "; moved to " + aside +
                             ", starting without remembered presence");
        } else {
            return loaded.error();
        }
    }
    std::unique_ptr<PresenceService> service(
        new PresenceService(std::move(deps), std::move(options), snapshot));
    for (auto& sink : sinks) {
        auto acked = snapshot.sinks.find(sink->key());
        service->sinks_.push_back(std::make_shared<SinkDelivery>(
            std::move(sink), service->options_.sink_backoff,
            acked == snapshot.sinks.end() ? std::map<std::string, PresenceRecord>{}
                                          : acked->second));
    }
    return service;
}

PresenceService::PresenceService(PresenceServiceDeps deps, PresenceServiceOptions options,
                                 PresenceSnapshot snapshot)
    : deps_(std::move(deps)),
      options_(std::move(options)),
      tracker_(options_.include_reply_message),
      planner_(options_.poll_interval, options_.max_concurrent_polls) {
    tracker_.restore(snapshot.users);
    saved_version_ = tracker_.version();
}

PresenceService::~PresenceService() { stop(); }

void PresenceService::start() {
    std::lock_guard lock(mutex_);
    if (started_) return;
    started_ = true;
    loop_thread_ = std::thread([this] { loop(); });
    for (std::size_t i = 0; i < std::max<std::size_t>(1, options_.max_concurrent_polls); ++i) {
        poll_threads_.emplace_back([this] { pollWorker(); });
    }
    for (const auto& delivery : sinks_) startSinkWorker(delivery);
}

void PresenceService::stop() {
    std::vector<std::unique_ptr<SinkWorker>> workers;
    {
        std::lock_guard lock(mutex_);
        if (!started_ || stopping_) return;
        stopping_ = true;
        workers = std::move(sink_workers_);
    }
    wake_.notify_all();
    if (loop_thread_.joinable()) loop_thread_.join();
    for (auto& thread : poll_threads_) thread.join();
    poll_threads_.clear();
    for (auto& worker : workers) worker->delivery->stop();
    for (auto& worker : workers) worker->thread.join();
    flushState(true);
}

void PresenceService::startSinkWorker(const std::shared_ptr<SinkDelivery>& delivery) {
    auto worker = std::make_unique<SinkWorker>();
    worker->delivery = delivery;
    worker->thread = std::thread([this, delivery] { sinkLoop(delivery); });
    sink_workers_.push_back(std::move(worker));
}

void PresenceService::sinkLoop(const std::shared_ptr<SinkDelivery>& delivery) {
    constexpr milliseconds kIdleWait{1'000};
    while (!delivery->stopped()) {
        const TimePoint now = deps_.real_clock.now();
        switch (delivery->deliverOne(now)) {
            case SinkDelivery::Attempt::Delivered:
                sink_progress_ = true;
                break;
            case SinkDelivery::Attempt::Idle:
                delivery->waitForWork(kIdleWait);
                break;
            case SinkDelivery::Attempt::Failed:
            case SinkDelivery::Attempt::BackingOff: {
                const auto retry = delivery->retryAt().value_or(now);
                const auto wait = std::chrono::duration_cast<milliseconds>(retry - now);
                delivery->waitForWork(std::clamp(wait, milliseconds(1), kIdleWait));
                break;
            }
        }
    }
}

void PresenceService::loop() {
    for (;;) {
        {
            std::lock_guard lock(mutex_);
            if (stopping_) return;
        }
        const TimePoint real_now = deps_.real_clock.now();
        if (!next_users_refresh_ || real_now >= *next_users_refresh_) {
            refreshUsers();
            next_users_refresh_ = real_now + options_.users_refresh;
        }
        {
            std::lock_guard lock(mutex_);
            for (const PresenceUpdate& update : tracker_.advance(deps_.wall_clock.now())) {
                announceLocked(update);
            }
            for (std::string& key : planner_.takeDue(deps_.real_clock.now())) {
                poll_queue_.push_back(std::move(key));
            }
        }
        wake_.notify_all();
        flushState(false);
        std::unique_lock lock(mutex_);
        wake_.wait_for(lock, options_.tick, [this] { return stopping_; });
    }
}

void PresenceService::refreshUsers() {
    auto listed = deps_.list_users();
    std::lock_guard lock(mutex_);
    if (!listed) {
        logger().warning("cannot list the user mailboxes for presence: " +
                         listed.error().toString());
        return;
    }
    const auto before = tracker_.upns();
    const auto added = tracker_.setUsers(*listed);
    std::vector<std::string> keys;
    for (const std::string& upn : tracker_.upns()) keys.push_back(PresenceTracker::key(upn));
    const std::set<std::string> kept(keys.begin(), keys.end());
    for (const std::string& upn : before) {
        const std::string key = PresenceTracker::key(upn);
        if (kept.count(key)) continue;
        info_.erase(key);
        for (const auto& sink : sinks_) sink->forget(upn);
    }
    planner_.keepOnly(keys);
    planner_.addUsers(added, deps_.real_clock.now());
    // After a restart, sinks that missed the last announcement get it now.
    for (const std::string& key : added) offerLatestLocked(key);
}

void PresenceService::pollWorker() {
    for (;;) {
        std::string key;
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [this] { return stopping_ || !poll_queue_.empty(); });
            if (stopping_) return;
            key = std::move(poll_queue_.front());
            poll_queue_.pop_front();
        }
        poll(key);
    }
}

void PresenceService::poll(const std::string& key) {
    std::optional<std::string> upn;
    {
        std::lock_guard lock(mutex_);
        upn = tracker_.upnOf(key);
        if (!upn) {
            planner_.done(key, deps_.real_clock.now());
            return;
        }
    }
    auto fetched = deps_.fetch_settings(*upn);
    std::lock_guard lock(mutex_);
    planner_.done(key, deps_.real_clock.now());
    if (!tracker_.upnOf(key)) return;  // removed while reading
    UserInfo& info = info_[key];
    if (!fetched) {
        const common::Error& error = fetched.error();
        common::metrics().add("calconn_presence_polls_total",
                              {{"result", std::string(common::errorCodeName(error.code))}});
        const std::string message = error.toString();
        if (message != info.last_error) {
            platform::logWithFields(
                logger(), Poco::Message::PRIO_WARNING,
                "cannot read the automatic replies of " + *upn + ": " + message,
                {{"mailbox", *upn},
                 {"error_code", std::string(common::errorCodeName(error.code))}});
        }
        info.last_error = message;
        return;
    }
    common::metrics().add("calconn_presence_polls_total", {{"result", "ok"}});
    const TimePoint wall_now = deps_.wall_clock.now();
    if (!info.last_error.empty()) {
        logger().information("automatic replies of " + *upn + " readable again");
        info.last_error.clear();
    }
    info.last_poll = floor<seconds>(wall_now);
    if (auto update = tracker_.applySettings(*upn, *fetched, wall_now)) {
        announceLocked(*update);
    } else {
        offerLatestLocked(key);
    }
}

void PresenceService::announceLocked(const PresenceUpdate& update) {
    common::metrics().add("calconn_presence_transitions_total",
                          {{"state", std::string(presenceStateName(update.record.state))}});
    platform::logWithFields(logger(), Poco::Message::PRIO_INFORMATION,
                            "presence of " + update.upn + ": " + describeRecord(update.record),
                            {{"mailbox", update.upn}});
    for (const auto& sink : sinks_) sink->offer(update);
}

void PresenceService::offerLatestLocked(const std::string& key) {
    const auto upn = tracker_.upnOf(key);
    if (!upn) return;
    auto latest = tracker_.latest(*upn);
    if (!latest || sinks_.empty()) return;
    if (options_.include_reply_message && latest->record.state == PresenceState::OutOfOffice &&
        !tracker_.fetched(*upn)) {
        planner_.soon(key, deps_.real_clock.now());  // offered with its message after the read
        return;
    }
    for (const auto& sink : sinks_) sink->offer(*latest);
}

PresenceSnapshot PresenceService::snapshotLocked() const {
    PresenceSnapshot snapshot;
    snapshot.users = tracker_.announcements();
    std::set<std::string> tracked;
    for (const std::string& upn : tracker_.upns()) tracked.insert(PresenceTracker::key(upn));
    for (const auto& sink : sinks_) {
        auto& records = snapshot.sinks[sink->key()];
        for (auto& [key, record] : sink->acknowledged()) {
            if (tracked.count(key)) records.emplace(key, record);
        }
    }
    return snapshot;
}

void PresenceService::flushState(bool force) {
    if (options_.state_file.empty()) return;
    std::lock_guard flush_lock(flush_mutex_);
    PresenceSnapshot snapshot;
    std::uint64_t version = 0;
    {
        std::lock_guard lock(mutex_);
        const TimePoint now = deps_.real_clock.now();
        const bool changed = tracker_.version() != saved_version_ || sink_progress_.load();
        if (!changed) return;
        if (!force && now - last_flush_ < options_.state_flush) return;
        last_flush_ = now;
        sink_progress_ = false;
        version = tracker_.version();
        snapshot = snapshotLocked();
    }
    if (auto saved = saveSnapshot(options_.state_file, snapshot); !saved) {
        logger().warning("cannot save the presence state: " + saved.error().toString());
        sink_progress_ = true;  // try again at the next flush
        return;
    }
    std::lock_guard lock(mutex_);
    saved_version_ = version;
}

std::optional<core::Presence> PresenceService::current(const std::string& upn) const {
    std::lock_guard lock(mutex_);
    return tracker_.current(upn, deps_.wall_clock.now());
}

PresenceStatus PresenceService::status() const {
    PresenceStatus out;
    std::lock_guard lock(mutex_);
    out.poll_interval = planner_.interval();
    out.include_reply_message = options_.include_reply_message;
    const TimePoint wall_now = deps_.wall_clock.now();
    for (const std::string& upn : tracker_.upns()) {
        PresenceUserStatus row;
        row.upn = upn;
        if (auto presence = tracker_.current(upn, wall_now)) {
            row.state = std::string(presenceStateName(presence->state));
            row.from = presence->from;
            row.until = presence->until;
        } else {
            row.state = "unknown";
        }
        if (auto it = info_.find(PresenceTracker::key(upn)); it != info_.end()) {
            row.last_poll = it->second.last_poll;
            row.last_error = it->second.last_error;
        }
        out.users.push_back(std::move(row));
    }
    for (const auto& sink : sinks_) out.sinks.push_back(sink->status());
    return out;
}

void PresenceService::reconfigure(seconds poll_interval, bool include_reply_message) {
    std::lock_guard lock(mutex_);
    if (poll_interval != planner_.interval()) {
        planner_.setInterval(poll_interval, deps_.real_clock.now());
    }
    options_.poll_interval = poll_interval;
    options_.include_reply_message = include_reply_message;
    tracker_.setIncludeReplyMessage(include_reply_message);
}

void PresenceService::replaceSinks(std::vector<std::unique_ptr<PresenceSink>> sinks) {
    std::vector<std::unique_ptr<SinkWorker>> old_workers;
    std::vector<std::shared_ptr<SinkDelivery>> old_sinks;
    {
        std::lock_guard lock(mutex_);
        old_workers = std::move(sink_workers_);
        sink_workers_.clear();
        old_sinks = sinks_;
    }
    for (auto& worker : old_workers) worker->delivery->stop();
    for (auto& worker : old_workers) worker->thread.join();

    std::vector<std::shared_ptr<SinkDelivery>> fresh;
    for (auto& sink : sinks) {
        std::map<std::string, PresenceRecord> acked;
        for (const auto& old : old_sinks) {
            if (old->key() == sink->key()) acked = old->acknowledged();
        }
        fresh.push_back(
            std::make_shared<SinkDelivery>(std::move(sink), options_.sink_backoff, acked));
    }
    std::lock_guard lock(mutex_);
    sinks_ = std::move(fresh);
    sink_progress_ = true;  // the set of sinks in the state file changed
    if (started_ && !stopping_) {
        for (const auto& delivery : sinks_) startSinkWorker(delivery);
    }
    for (const std::string& upn : tracker_.upns()) offerLatestLocked(PresenceTracker::key(upn));
}

}  // namespace calconn::presence
