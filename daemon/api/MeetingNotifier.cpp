#include "api/MeetingNotifier.h"

#include <Poco/Logger.h>

#include <algorithm>

#include "api/MeetingJson.h"
#include "common/IsoTime.h"
#include "common/Metrics.h"
#include "common/Text.h"
#include "platform/Logging.h"

namespace calconn::api {

namespace {

using std::chrono::seconds;

constexpr seconds kLateGrace{60};
// Meetings cached per watched user: what starts within this from now. Re-read on change
// events and when the cache is older than kReloadAfter (so meetings enter the horizon).
constexpr auto kHorizon = std::chrono::hours(24);
constexpr auto kReloadAfter = std::chrono::minutes(15);
// Fired reminders are remembered this long after their start (Last-Event-ID replays).
constexpr auto kForgetFiredAfter = std::chrono::hours(24);
// A user's state is kept this long after its last stream closed, so a client that reconnects
// is not sent a reminder twice.
constexpr auto kKeepIdleWatch = std::chrono::minutes(10);
// The longest the thread sleeps while streams are open: bounds how late a pass notices a
// wall clock that was stepped.
constexpr auto kMaxSleep = std::chrono::seconds(1);

std::string reminderKey(const core::Meeting& meeting) {
    return meeting.id + "@" + std::to_string(meeting.start.time_since_epoch().count());
}

// Worth a "join now" pop-up: joinable, happening and not declined.
bool wantsReminder(const MeetingRecord& record) {
    const core::Meeting& m = record.meeting;
    return isJoinable(record.join) && !m.is_cancelled && !m.is_all_day &&
           m.response != core::ResponseType::Declined;
}

}  // namespace

bool reminderDue(core::UtcSeconds start, std::chrono::seconds lead, common::TimePoint now) {
    return now >= start - lead && now < start + kLateGrace;
}

// The connection's end of a subscription: unsubscribes when the connection lets go of it.
class MeetingNotifier::Stream final : public EventStream {
public:
    Stream(std::weak_ptr<MeetingNotifier*> owner, std::uint64_t id,
           std::shared_ptr<FrameQueue> queue)
        : owner_(std::move(owner)), id_(id), queue_(std::move(queue)) {}
    ~Stream() override {
        if (auto owner = owner_.lock()) (*owner)->unsubscribe(id_);
    }
    Wait next(std::chrono::milliseconds timeout, std::string& frames) override {
        return queue_->next(timeout, frames);
    }

private:
    std::weak_ptr<MeetingNotifier*> owner_;
    std::uint64_t id_;
    std::shared_ptr<FrameQueue> queue_;
};

MeetingNotifier::MeetingNotifier(const common::Clock& wall_clock, MeetingsSource meetings,
                                 MeetingSource meeting, NotifierSettings settings,
                                 std::size_t max_streams)
    : clock_(wall_clock),
      meetings_(std::move(meetings)),
      meeting_(std::move(meeting)),
      max_streams_(max_streams),
      settings_(std::move(settings)),
      // Event ids keep increasing across restarts: they start from the real time in ms.
      sequence_(static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                               std::chrono::system_clock::now().time_since_epoch())
                                               .count())),
      self_(std::make_shared<MeetingNotifier*>(this)) {
    auto& metrics = common::metrics();
    metrics.describe("calconn_api_notifications_total", common::MetricType::Counter,
                     "server-sent events queued to API streams, by event");
    metrics.describe("calconn_api_streams", common::MetricType::Gauge, "open notification streams");
}

MeetingNotifier::~MeetingNotifier() {
    stop();
    self_.reset();  // streams still held by connections stop calling back
}

void MeetingNotifier::start() {
    std::lock_guard lock(mutex_);
    if (thread_.joinable() || stopping_) return;
    thread_ = std::thread([this] { threadMain(); });
}

void MeetingNotifier::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        for (auto& [id, subscriber] : subscribers_) subscriber.queue->close();
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void MeetingNotifier::setSettings(NotifierSettings settings) {
    {
        std::lock_guard lock(mutex_);
        settings_ = std::move(settings);
        wake_requested_ = true;
    }
    wake_.notify_all();
}

void MeetingNotifier::onChange(const core::MeetingChange& change) {
    {
        std::lock_guard lock(mutex_);
        if (stopping_ || !watches_.contains(common::asciiLower(change.mailbox))) return;
        pending_.push_back(change);
        wake_requested_ = true;
    }
    wake_.notify_all();
}

std::shared_ptr<EventStream> MeetingNotifier::subscribe(
    const std::string& upn, std::optional<std::uint64_t> last_event_id) {
    std::shared_ptr<EventStream> stream;
    {
        std::lock_guard lock(mutex_);
        if (stopping_ || subscribers_.size() >= max_streams_) return nullptr;
        const std::string user = common::asciiLower(upn);
        Watch& watch = watches_[user];
        if (watch.upn.empty()) watch.upn = upn;
        if (watch.streams++ == 0) watch.dirty = true;  // idle caches may be stale
        Subscriber subscriber{user, std::make_shared<FrameQueue>(), {}};
        if (last_event_id) {
            for (const auto& [key, reminder] : watch.fired) {
                if (reminder.sequence <= *last_event_id) subscriber.delivered.insert(key);
            }
        }
        const std::uint64_t id = next_subscriber_++;
        stream = std::make_shared<Stream>(self_, id, subscriber.queue);
        subscribers_.emplace(id, std::move(subscriber));
        common::metrics().set("calconn_api_streams", {}, static_cast<double>(subscribers_.size()));
        wake_requested_ = true;
    }
    wake_.notify_all();
    return stream;
}

void MeetingNotifier::unsubscribe(std::uint64_t id) {
    std::lock_guard lock(mutex_);
    const auto it = subscribers_.find(id);
    if (it == subscribers_.end()) return;
    it->second.queue->close();
    if (auto watch = watches_.find(it->second.user); watch != watches_.end()) {
        if (--watch->second.streams == 0)
            watch->second.idle_since = std::chrono::steady_clock::now();
    }
    subscribers_.erase(it);
    common::metrics().set("calconn_api_streams", {}, static_cast<double>(subscribers_.size()));
}

std::size_t MeetingNotifier::streamCount() const {
    std::lock_guard lock(mutex_);
    return subscribers_.size();
}

void MeetingNotifier::runPass() {
    std::lock_guard pass(pass_mutex_);
    const common::TimePoint now = clock_.now();
    const auto now_seconds = std::chrono::floor<seconds>(now);

    // 1. Under the lock: what to read.
    std::vector<core::MeetingChange> changes;
    std::vector<std::pair<std::string, std::string>> to_load;  // (key, upn)
    NotifierSettings settings;
    {
        std::lock_guard lock(mutex_);
        changes.swap(pending_);
        settings = settings_;
        const auto steady_now = std::chrono::steady_clock::now();
        for (auto it = watches_.begin(); it != watches_.end();) {
            Watch& watch = it->second;
            if (watch.streams == 0 && steady_now - watch.idle_since > kKeepIdleWatch) {
                it = watches_.erase(it);
                continue;
            }
            const bool stale = !watch.loaded_at || now - *watch.loaded_at >= kReloadAfter ||
                               now < *watch.loaded_at;
            if (watch.streams > 0 && (watch.dirty || stale))
                to_load.emplace_back(it->first, watch.upn);
            ++it;
        }
        for (const core::MeetingChange& change : changes) {
            const std::string user = common::asciiLower(change.mailbox);
            auto watch = watches_.find(user);
            if (watch == watches_.end() || watch->second.streams == 0) continue;
            if (std::none_of(to_load.begin(), to_load.end(),
                             [&](const auto& entry) { return entry.first == user; })) {
                to_load.emplace_back(user, watch->second.upn);
            }
        }
    }

    // 2. Without the lock: the store.
    Poco::Logger& logger = platform::moduleLogger("api");
    std::map<std::string, std::vector<MeetingRecord>> loaded;
    for (const auto& [user, upn] : to_load) {
        if (!meetings_) break;
        auto records = meetings_(upn, now_seconds - kLateGrace, now_seconds + kHorizon);
        if (!records) {
            // Retried every pass (the watch stays dirty); said once a minute at most.
            const auto steady_now = std::chrono::steady_clock::now();
            if (steady_now - last_warning_ >= std::chrono::minutes(1)) {
                last_warning_ = steady_now;
                logger.warning("cannot read meetings for notifications: " +
                               records.error().toString());
            }
            continue;
        }
        loaded[user] = std::move(records).value();
    }
    std::vector<std::pair<core::MeetingChange, std::optional<MeetingRecord>>> changed;
    for (const core::MeetingChange& change : changes) {
        std::optional<MeetingRecord> record;
        if (change.kind != core::ChangeKind::Removed && meeting_) {
            auto found = meeting_(change.mailbox, change.meeting_id);
            if (found) record = std::move(found).value();
        }
        changed.emplace_back(change, std::move(record));
    }

    // 3. Under the lock: queue the events.
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    auto& metrics = common::metrics();
    for (auto& [user, records] : loaded) {
        auto watch = watches_.find(user);
        if (watch == watches_.end()) continue;
        watch->second.upcoming = std::move(records);
        watch->second.loaded_at = now;
        watch->second.dirty = false;
    }
    for (const auto& [change, record] : changed) {
        const std::string user = common::asciiLower(change.mailbox);
        const std::string frame =
            formatSseEvent({std::to_string(nextSequenceLocked()), "meeting.changed",
                            changedEventJson(change, record, settings.private_title)});
        for (auto& [id, subscriber] : subscribers_) {
            if (subscriber.user != user) continue;
            subscriber.queue->push(frame);
            metrics.add("calconn_api_notifications_total", {{"event", "meeting.changed"}});
        }
    }
    std::optional<common::TimePoint> next_due;
    for (auto& [user, watch] : watches_) {
        std::erase_if(watch.fired, [&](const auto& entry) {
            return entry.second.start + kForgetFiredAfter < now_seconds;
        });
        if (watch.streams == 0) continue;
        for (const MeetingRecord& record : watch.upcoming) {
            if (!wantsReminder(record)) continue;
            const core::UtcSeconds start = record.meeting.start;
            if (!reminderDue(start, settings.join_lead, now)) {
                const common::TimePoint due = start - settings.join_lead;
                if (due > now && (!next_due || due < *next_due)) next_due = due;
                continue;
            }
            const std::string key = reminderKey(record.meeting);
            auto [fired, is_new] = watch.fired.try_emplace(key);
            if (is_new) {
                fired->second.sequence = nextSequenceLocked();
                fired->second.start = start;
                fired->second.frame =
                    formatSseEvent({std::to_string(fired->second.sequence), "meeting.starting",
                                    startingEventJson(watch.upn, record, settings.private_title)});
            }
            for (auto& [id, subscriber] : subscribers_) {
                if (subscriber.user != user || !subscriber.delivered.insert(key).second) continue;
                subscriber.queue->push(fired->second.frame);
                metrics.add("calconn_api_notifications_total", {{"event", "meeting.starting"}});
            }
        }
    }
    next_due_ = next_due;
}

void MeetingNotifier::clockMoved(const std::string& marker) {
    runPass();
    std::lock_guard lock(mutex_);
    const std::string frame = formatSseComment(marker);
    for (auto& [id, subscriber] : subscribers_) subscriber.queue->push(frame);
}

void MeetingNotifier::threadMain() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        wake_requested_ = false;
        lock.unlock();
        try {
            runPass();
        } catch (const std::exception& e) {
            // A pass is a boundary: a failure is logged and the next pass tries again.
            platform::moduleLogger("api").error(std::string("notification pass failed: ") +
                                                e.what());
        }
        lock.lock();
        if (stopping_ || wake_requested_) continue;
        if (subscribers_.empty()) {
            wake_.wait(lock, [&] { return stopping_ || wake_requested_; });
            continue;
        }
        auto sleep = std::chrono::duration_cast<std::chrono::steady_clock::duration>(kMaxSleep);
        if (next_due_) {
            const auto until_due = *next_due_ - clock_.now();
            if (until_due < sleep)
                sleep = std::max(
                    std::chrono::steady_clock::duration::zero(),
                    std::chrono::duration_cast<std::chrono::steady_clock::duration>(until_due));
        }
        wake_.wait_for(lock, sleep, [&] { return stopping_ || wake_requested_; });
    }
}

}  // namespace calconn::api
