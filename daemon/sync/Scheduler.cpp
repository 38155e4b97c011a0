#include "sync/Scheduler.h"

#include <Poco/Logger.h>

#include <algorithm>
#include <cctype>
#include <exception>
#include <set>

namespace calconn::sync {

namespace {

Poco::Logger& logger() { return Poco::Logger::get("calconn.sync"); }

std::string keyOf(const std::string& upn) {
    std::string key = upn;
    for (auto& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return key;
}

// How long an idle worker sleeps at most before looking at the clock again (the clock is
// injected and may jump).
constexpr std::chrono::milliseconds kMaxIdleWait{1000};

}  // namespace

Scheduler::Scheduler(RunRound run, const common::Clock& clock, SchedulerOptions options)
    : run_(std::move(run)),
      clock_(clock),
      options_(options),
      random_(options.seed != 0 ? options.seed : std::random_device{}()) {
    if (options_.workers < 1) options_.workers = 1;
}

Scheduler::~Scheduler() { stop(std::chrono::milliseconds(0)); }

void Scheduler::setMailboxes(const std::vector<std::string>& upns) {
    std::set<std::string> wanted;
    for (const auto& upn : upns) {
        wanted.insert(keyOf(upn));
        addMailbox(upn);
    }
    std::vector<std::string> gone;
    {
        std::lock_guard lock(mutex_);
        for (const auto& [key, entry] : mailboxes_)
            if (!wanted.count(key)) gone.push_back(entry.upn);
    }
    for (const auto& upn : gone) removeMailbox(upn);
}

bool Scheduler::addMailbox(const std::string& upn) {
    std::lock_guard lock(mutex_);
    auto& entry = mailboxes_[keyOf(upn)];
    if (!entry.upn.empty() && !entry.removed) return false;
    const bool was_running = entry.running;
    entry = MailboxSchedule{};
    entry.upn = upn;
    entry.running = was_running;
    entry.next_due = clock_.now();
    cv_.notify_all();
    return true;
}

bool Scheduler::removeMailbox(const std::string& upn) {
    std::lock_guard lock(mutex_);
    auto it = mailboxes_.find(keyOf(upn));
    if (it == mailboxes_.end() || it->second.removed) return false;
    if (it->second.running)
        it->second.removed = true;  // dropped when its round ends
    else
        mailboxes_.erase(it);
    return true;
}

bool Scheduler::contains(const std::string& upn) const {
    std::lock_guard lock(mutex_);
    auto it = mailboxes_.find(keyOf(upn));
    return it != mailboxes_.end() && !it->second.removed;
}

bool Scheduler::resync(const std::string& upn) {
    std::lock_guard lock(mutex_);
    auto it = mailboxes_.find(keyOf(upn));
    if (it == mailboxes_.end() || it->second.removed) return false;
    it->second.force_full = true;
    it->second.failures = 0;
    it->second.next_due = clock_.now();
    cv_.notify_all();
    return true;
}

void Scheduler::resyncAll() {
    std::lock_guard lock(mutex_);
    const auto now = clock_.now();
    for (auto& [key, entry] : mailboxes_) {
        entry.force_full = true;
        entry.failures = 0;
        entry.next_due = now;
    }
    cv_.notify_all();
}

bool Scheduler::notify(const std::string& upn) {
    std::lock_guard lock(mutex_);
    auto it = mailboxes_.find(keyOf(upn));
    if (it == mailboxes_.end() || it->second.removed) return false;
    it->second.pending_notification = true;
    // A mailbox that is failing keeps its backoff: notifications must not defeat it.
    if (it->second.failures == 0) it->second.next_due = std::min(it->second.next_due, clock_.now());
    cv_.notify_all();
    return true;
}

void Scheduler::setPollInterval(std::chrono::milliseconds interval) {
    std::lock_guard lock(mutex_);
    options_.poll_interval = interval;
}

std::chrono::milliseconds Scheduler::backoffFor(int failures) const {
    if (failures <= 0) return std::chrono::milliseconds(0);
    auto wait = options_.backoff_initial;
    for (int i = 1; i < failures && wait < options_.backoff_max; ++i) wait *= 2;
    return std::min(wait, options_.backoff_max);
}

std::chrono::milliseconds Scheduler::jittered(std::chrono::milliseconds base, double low,
                                              double high) {
    std::uniform_real_distribution<double> dist(low, high);
    return std::chrono::milliseconds(
        static_cast<std::int64_t>(static_cast<double>(base.count()) * dist(random_)));
}

std::optional<Scheduler::Picked> Scheduler::pickLocked(common::TimePoint now) {
    MailboxSchedule* best = nullptr;
    auto before = [](const MailboxSchedule& a, const MailboxSchedule& b) {
        if (a.pending_notification != b.pending_notification) return a.pending_notification;
        if (a.force_full != b.force_full) return a.force_full;
        // Least recently started first; never started before anything else.
        if (a.last_started != b.last_started) {
            if (!a.last_started) return true;
            if (!b.last_started) return false;
            return *a.last_started < *b.last_started;
        }
        return a.upn < b.upn;
    };
    for (auto& [key, entry] : mailboxes_) {
        if (entry.running || entry.removed || entry.next_due > now) continue;
        if (!best || before(entry, *best)) best = &entry;
    }
    if (!best) return std::nullopt;
    best->running = true;
    best->last_started = now;
    best->pending_notification = false;
    Picked picked{best->upn, best->force_full};
    best->force_full = false;
    return picked;
}

void Scheduler::finishLocked(const std::string& upn, const RoundReport& report,
                             common::TimePoint now) {
    auto it = mailboxes_.find(keyOf(upn));
    if (it == mailboxes_.end()) return;
    auto& entry = it->second;
    entry.running = false;
    entry.last_finished = now;
    if (entry.removed) {
        mailboxes_.erase(it);
        return;
    }
    if (report.ok) {
        entry.failures = 0;
        const double j = std::clamp(options_.jitter, 0.0, 0.9);
        entry.next_due = now + jittered(options_.poll_interval, 1.0 - j, 1.0 + j);
    } else {
        ++entry.failures;
        auto wait = jittered(backoffFor(entry.failures), 0.75, 1.0);
        if (report.retry_after && *report.retry_after > wait) wait = *report.retry_after;
        entry.next_due = now + wait;
    }
    if (entry.pending_notification && entry.failures == 0) entry.next_due = now;
    // A resync asked for while this round ran (force_full was cleared when it was picked, so
    // a set flag is a new request) must not wait for the next poll.
    if (entry.force_full && entry.failures == 0) entry.next_due = now;
}

RoundReport Scheduler::runGuarded(const Picked& picked) {
    try {
        return run_(picked.upn, picked.force_full);
    } catch (const std::exception& e) {
        logger().error("sync round of " + picked.upn + " threw: " + e.what());
        RoundReport report;
        report.state = core::MailboxState::Error;
        report.reason = core::MailboxErrorReason::Internal;
        report.message = e.what();
        return report;
    }
}

std::vector<std::string> Scheduler::step() {
    std::vector<std::string> order;
    const auto now = clock_.now();
    for (;;) {
        std::optional<Picked> picked;
        {
            std::lock_guard lock(mutex_);
            picked = pickLocked(now);
        }
        if (!picked) break;
        RoundReport report = runGuarded(*picked);
        order.push_back(picked->upn);
        std::lock_guard lock(mutex_);
        if (!report.ok && picked->force_full) {
            auto it = mailboxes_.find(keyOf(picked->upn));
            if (it != mailboxes_.end()) it->second.force_full = true;
        }
        finishLocked(picked->upn, report, clock_.now());
        // A round that finished due again at `now` (a zero interval) waits for the next step.
        auto it = mailboxes_.find(keyOf(picked->upn));
        if (it != mailboxes_.end() && it->second.next_due <= now)
            it->second.next_due = now + std::chrono::milliseconds(1);
    }
    return order;
}

void Scheduler::workerLoop() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        const auto now = clock_.now();
        auto picked = pickLocked(now);
        if (!picked) {
            auto wait = kMaxIdleWait;
            for (const auto& [key, entry] : mailboxes_) {
                if (entry.running || entry.removed) continue;
                auto until =
                    std::chrono::duration_cast<std::chrono::milliseconds>(entry.next_due - now);
                wait = std::clamp(until, std::chrono::milliseconds(1), wait);
            }
            cv_.wait_for(lock, wait);
            continue;
        }
        ++active_;
        lock.unlock();
        RoundReport report = runGuarded(*picked);
        lock.lock();
        --active_;
        if (!report.ok && picked->force_full) {
            auto it = mailboxes_.find(keyOf(picked->upn));
            if (it != mailboxes_.end()) it->second.force_full = true;
        }
        finishLocked(picked->upn, report, clock_.now());
        cv_.notify_all();
    }
}

void Scheduler::start() {
    std::lock_guard lock(mutex_);
    if (!workers_.empty()) return;
    stopping_ = false;
    for (int i = 0; i < options_.workers; ++i) workers_.emplace_back([this] { workerLoop(); });
}

bool Scheduler::started() const {
    std::lock_guard lock(mutex_);
    return !workers_.empty() && !stopping_;
}

void Scheduler::setCancelHook(std::function<void()> hook) {
    std::lock_guard lock(mutex_);
    cancel_hook_ = std::move(hook);
}

void Scheduler::stop(std::chrono::milliseconds deadline) {
    std::vector<std::thread> workers;
    std::function<void()> hook;
    {
        std::unique_lock lock(mutex_);
        if (workers_.empty()) return;
        stopping_ = true;
        cv_.notify_all();
        // Real time here: the deadline bounds how long shutdown may take.
        if (!cv_.wait_for(lock, deadline, [this] { return active_ == 0; })) {
            logger().warning("sync rounds still running at the stop deadline, cancelling them");
            hook = cancel_hook_;
        }
        workers.swap(workers_);
    }
    if (hook) hook();
    for (auto& t : workers) t.join();
}

std::optional<common::TimePoint> Scheduler::nextDue() const {
    std::lock_guard lock(mutex_);
    std::optional<common::TimePoint> next;
    for (const auto& [key, entry] : mailboxes_) {
        if (entry.running || entry.removed) continue;
        if (!next || entry.next_due < *next) next = entry.next_due;
    }
    return next;
}

std::vector<MailboxSchedule> Scheduler::snapshot() const {
    std::lock_guard lock(mutex_);
    std::vector<MailboxSchedule> out;
    for (const auto& [key, entry] : mailboxes_)
        if (!entry.removed) out.push_back(entry);
    return out;
}

std::optional<MailboxSchedule> Scheduler::schedule(const std::string& upn) const {
    std::lock_guard lock(mutex_);
    auto it = mailboxes_.find(keyOf(upn));
    if (it == mailboxes_.end() || it->second.removed) return std::nullopt;
    return it->second;
}

}  // namespace calconn::sync
