// Out-of-office presence for every user mailbox: reads each user's automatic-replies setting
// once per poll interval (spread, a few at a time), evaluates it against the wall clock (the
// daemon's injected clock, so a scheduled window flips at its exact instants between reads),
// and announces transitions only to the presence sinks, remembering across restarts what was
// announced and what each sink acknowledged. current() answers the REST API.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/Clock.h"
#include "common/Result.h"
#include "core/Meeting.h"
#include "graph/GraphTypes.h"
#include "presence/PollPlanner.h"
#include "presence/PresenceCodec.h"
#include "presence/PresenceSink.h"
#include "presence/PresenceTracker.h"
#include "presence/SinkDelivery.h"

namespace calconn::presence {

struct PresenceServiceDeps {
    // GET /users/{upn}/mailboxSettings, decoded.
    std::function<common::Result<graph::MailboxSettings>(const std::string& upn)> fetch_settings;
    // The user mailboxes to track (configured and added with `calconnctl mailbox add`).
    std::function<common::Result<std::vector<std::string>>()> list_users;
    const common::Clock& wall_clock;  // "now" for evaluation: a FakeClock under --test-clock
    const common::Clock& real_clock;  // pacing of reads and sink retries: real time
};

struct PresenceServiceOptions {
    std::chrono::seconds poll_interval{300};
    bool include_reply_message = false;
    std::string state_file;  // empty: nothing remembered across restarts
    std::size_t max_concurrent_polls = 4;
    // How often the loop looks at the clocks; a FakeClock moved from outside is noticed
    // within one tick.
    std::chrono::milliseconds tick{250};
    std::chrono::milliseconds users_refresh{10'000};
    std::chrono::milliseconds state_flush{1'000};  // the state file is written at most this often
    SinkBackoff sink_backoff;
};

struct PresenceUserStatus {
    std::string upn;
    std::string state;  // "available" | "out_of_office" | "unknown" (not read yet)
    std::optional<std::chrono::sys_seconds> from;
    std::optional<std::chrono::sys_seconds> until;
    std::optional<std::chrono::sys_seconds> last_poll;  // wall clock of the last successful read
    std::string last_error;                             // "" when the last read succeeded
};

struct PresenceStatus {
    std::chrono::seconds poll_interval{0};
    bool include_reply_message = false;
    std::vector<PresenceUserStatus> users;  // sorted by UPN
    std::vector<SinkStatus> sinks;
};

class PresenceService {
public:
    // Reads the state file (a malformed one is an error: the admin must look at it).
    static common::Result<std::unique_ptr<PresenceService>> create(
        PresenceServiceDeps deps, PresenceServiceOptions options,
        std::vector<std::unique_ptr<PresenceSink>> sinks);
    ~PresenceService();
    PresenceService(const PresenceService&) = delete;
    PresenceService& operator=(const PresenceService&) = delete;

    void start();
    // Waits for reads in flight, writes the state file. Idempotent.
    void stop();

    // The user's presence now (wall clock); none for users not tracked or not read yet.
    std::optional<core::Presence> current(const std::string& upn) const;
    PresenceStatus status() const;

    // Reload: the interval and the message flag apply at once; sinks are replaced when given
    // (acknowledgements carry over for sinks with the same key).
    void reconfigure(std::chrono::seconds poll_interval, bool include_reply_message);
    void replaceSinks(std::vector<std::unique_ptr<PresenceSink>> sinks);

private:
    struct SinkWorker;
    struct UserInfo {
        std::optional<std::chrono::sys_seconds> last_poll;
        std::string last_error;
    };

    PresenceService(PresenceServiceDeps deps, PresenceServiceOptions options,
                    PresenceSnapshot snapshot);
    void loop();
    void pollWorker();
    void refreshUsers();
    void poll(const std::string& key);
    // Under mutex_: metrics, log, offer to every sink.
    void announceLocked(const PresenceUpdate& update);
    // Under mutex_: brings every sink up to the user's current announcement (or reads the
    // user first when the message should go along and is not known yet).
    void offerLatestLocked(const std::string& key);
    void startSinkWorker(const std::shared_ptr<SinkDelivery>& delivery);
    void sinkLoop(const std::shared_ptr<SinkDelivery>& delivery);
    PresenceSnapshot snapshotLocked() const;
    void flushState(bool force);

    PresenceServiceDeps deps_;
    PresenceServiceOptions options_;

    mutable std::mutex mutex_;
    std::condition_variable wake_;  // loop and poll workers
    PresenceTracker tracker_;
    PollPlanner planner_;
    std::map<std::string, UserInfo> info_;  // by key
    std::deque<std::string> poll_queue_;    // keys handed to the poll workers
    std::vector<std::shared_ptr<SinkDelivery>> sinks_;
    std::vector<std::unique_ptr<SinkWorker>> sink_workers_;
    bool stopping_ = false;
    bool started_ = false;
    std::uint64_t saved_version_ = 0;  // tracker version last written
    std::optional<common::TimePoint> next_users_refresh_;
    common::TimePoint last_flush_{};

    std::atomic<bool> sink_progress_{false};  // a sink acknowledged something: flush soon
    std::mutex flush_mutex_;                  // one writer of the state file at a time
    std::thread loop_thread_;
    std::vector<std::thread> poll_threads_;
};

}  // namespace calconn::presence
