// Delivery to one presence sink: the latest update per user waits here until the sink took
// it. Updates for a user replace each other (the sink needs the latest state, not the
// history); an update equal to what the sink already acknowledged is dropped; after a failure
// the sink is left alone for a backoff that doubles up to a cap, so a sink that is down is
// neither hammered nor loses the latest change. Thread-safe: the service offers, the sink's
// own thread delivers.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "common/Clock.h"
#include "common/Result.h"
#include "presence/PresenceSink.h"

namespace calconn::presence {

struct SinkBackoff {
    std::chrono::milliseconds initial{1'000};
    std::chrono::milliseconds max{300'000};
};

struct SinkStatus {
    std::string name;
    std::size_t pending = 0;
    std::uint64_t delivered = 0;  // updates acknowledged in this run
    int consecutive_failures = 0;
    std::string last_error;  // "" after a success
};

class SinkDelivery {
public:
    enum class Attempt { Idle, BackingOff, Delivered, Failed };

    // `acknowledged`: UPN -> the announcement the sink last took (from the state file).
    SinkDelivery(std::unique_ptr<PresenceSink> sink, SinkBackoff backoff,
                 std::map<std::string, PresenceRecord> acknowledged = {});

    const std::string& name() const { return sink_->name(); }
    const std::string& key() const { return sink_->key(); }

    // Queues the update unless the sink already has this announcement (then any pending one
    // for the user is dropped too). A user the sink never heard of counts as available.
    void offer(const PresenceUpdate& update);
    // The user is no longer tracked.
    void forget(const std::string& upn);

    // Sends the oldest pending update unless backing off at `now` (monotonic time).
    Attempt deliverOne(common::TimePoint now);
    // When a backing-off sink may be tried again.
    std::optional<common::TimePoint> retryAt() const;
    // Blocks up to `max` (real time) until an update is offered or stop() is called.
    void waitForWork(std::chrono::milliseconds max);
    void stop();
    bool stopped() const;

    std::map<std::string, PresenceRecord> acknowledged() const;  // UPN -> record
    SinkStatus status() const;
    std::size_t pending() const;

private:
    std::unique_ptr<PresenceSink> sink_;
    SinkBackoff backoff_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    bool stop_ = false;
    std::map<std::string, PresenceRecord> acknowledged_;  // by lower-case UPN
    std::map<std::string, PresenceUpdate> pending_;       // by lower-case UPN
    std::deque<std::string> order_;                       // pending keys, oldest first
    std::optional<common::TimePoint> retry_at_;
    int failures_ = 0;
    std::uint64_t delivered_ = 0;
    std::string last_error_;
};

}  // namespace calconn::presence
