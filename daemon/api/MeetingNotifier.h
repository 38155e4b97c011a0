// The server-sent events behind /api/v1/users/{upn}/notifications: `meeting.starting`
// devices.join_lead before each joinable meeting of the user (by the daemon's wall clock, so a
// test clock drives it), and `meeting.changed` when sync's change bus reports a change to one
// of the user's meetings. Only users with an open stream are watched: their upcoming meetings
// are cached and re-read when they change. Each stream gets each reminder once; a client that
// reconnects with Last-Event-ID is not sent again what it already had.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "api/ApiSources.h"
#include "api/ServerSentEvents.h"
#include "common/Clock.h"
#include "core/ChangeEvent.h"

namespace calconn::api {

struct NotifierSettings {
    std::chrono::seconds join_lead{std::chrono::minutes(5)};
    std::string private_title = "Private meeting";
};

// True when meeting.starting is due for the meeting at `now`: from start - lead until a minute
// after the start (a pass that runs late, or a lead of 0, still sends it once).
bool reminderDue(core::UtcSeconds start, std::chrono::seconds lead, common::TimePoint now);

class MeetingNotifier {
public:
    using MeetingsSource = decltype(ApiSources::meetings);
    using MeetingSource = decltype(ApiSources::meeting);

    // Streams beyond this are refused (each holds a server thread).
    static constexpr std::size_t kDefaultMaxStreams = 48;

    MeetingNotifier(const common::Clock& wall_clock, MeetingsSource meetings, MeetingSource meeting,
                    NotifierSettings settings, std::size_t max_streams = kDefaultMaxStreams);
    ~MeetingNotifier();
    MeetingNotifier(const MeetingNotifier&) = delete;
    MeetingNotifier& operator=(const MeetingNotifier&) = delete;

    // A thread that runs passes when reminders fall due and when changes arrive.
    void start();
    // Closes every stream (their connections end) and joins the thread. Idempotent.
    void stop();

    void setSettings(NotifierSettings settings);

    // The change bus handler: queues the change for the next pass; never blocks on I/O.
    void onChange(const core::MeetingChange& change);

    // A new stream for the user; null when max_streams are open or the notifier stopped.
    // `last_event_id` is the client's Last-Event-ID header, when it reconnects.
    std::shared_ptr<EventStream> subscribe(const std::string& upn,
                                           std::optional<std::uint64_t> last_event_id);

    // One pass at the wall clock's now: re-reads what changed, sends meeting.changed and the
    // meeting.starting events that are due.
    void runPass();
    // The wall clock was set by hand (test clock): a pass, then `marker` as a comment on every
    // stream, so that a reader knows all that was due at the new time arrived before it.
    void clockMoved(const std::string& marker);

    std::size_t streamCount() const;

private:
    struct Subscriber {
        std::string user;  // lower case
        std::shared_ptr<FrameQueue> queue;
        std::set<std::string> delivered;  // reminder keys sent on this stream
    };
    struct Reminder {
        std::uint64_t sequence = 0;
        core::UtcSeconds start{};
        std::string frame;
    };
    struct Watch {
        std::string upn;  // as the first subscriber wrote it, for the sources
        std::vector<MeetingRecord> upcoming;
        std::optional<common::TimePoint> loaded_at;  // wall clock
        bool dirty = true;
        std::size_t streams = 0;
        std::chrono::steady_clock::time_point idle_since{};
        std::map<std::string, Reminder> fired;  // by reminder key
    };
    class Stream;

    void unsubscribe(std::uint64_t id);
    void threadMain();
    std::uint64_t nextSequenceLocked() { return ++sequence_; }

    const common::Clock& clock_;
    MeetingsSource meetings_;
    MeetingSource meeting_;
    const std::size_t max_streams_;

    std::mutex pass_mutex_;  // one pass at a time (thread, clockMoved)
    std::chrono::steady_clock::time_point last_warning_{};  // guarded by pass_mutex_
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    bool wake_requested_ = false;
    bool stopping_ = false;
    NotifierSettings settings_;
    std::uint64_t sequence_;
    std::uint64_t next_subscriber_ = 1;
    std::map<std::uint64_t, Subscriber> subscribers_;
    std::map<std::string, Watch> watches_;  // by lower-case UPN
    std::vector<core::MeetingChange> pending_;
    std::optional<common::TimePoint> next_due_;
    std::thread thread_;
    // Streams hold a weak reference: a connection that outlives the notifier unsubscribes
    // from nothing.
    std::shared_ptr<MeetingNotifier*> self_;
};

}  // namespace calconn::api
