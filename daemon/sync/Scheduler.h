// Decides when each mailbox syncs and runs the rounds on a pool of `workers` threads: every
// mailbox is due once per poll interval (with jitter, so thousands do not fire together),
// the least recently synced goes first, mailboxes with a pending change notification jump the
// queue, and failing mailboxes back off exponentially (capped) instead of retrying in a loop.
// Time is injected; tests drive it with step() on the calling thread and a FakeClock.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "common/Clock.h"
#include "sync/MailboxSync.h"

namespace calconn::sync {

struct SchedulerOptions {
    int workers = 16;
    std::chrono::milliseconds poll_interval{60'000};
    double jitter = 0.1;  // the interval varies by +/- this fraction
    std::chrono::milliseconds backoff_initial{60'000};
    std::chrono::milliseconds backoff_max{3'600'000};
    std::uint64_t seed = 0;  // 0: random
};

// One mailbox as the scheduler sees it (for status and tests).
struct MailboxSchedule {
    std::string upn;
    common::TimePoint next_due{};
    std::optional<common::TimePoint> last_started;
    std::optional<common::TimePoint> last_finished;
    int failures = 0;  // consecutive failed rounds
    bool running = false;
    bool pending_notification = false;
    bool force_full = false;
    bool removed = false;
};

class Scheduler {
public:
    // Runs one round of one mailbox; must not throw (exceptions are caught and logged anyway).
    using RunRound = std::function<RoundReport(const std::string& upn, bool force_full)>;

    Scheduler(RunRound run, const common::Clock& clock, SchedulerOptions options);
    ~Scheduler();
    Scheduler(const Scheduler&) = delete;
    Scheduler& operator=(const Scheduler&) = delete;

    // Makes the set of mailboxes equal `upns`: new ones are due now, missing ones are dropped
    // (a running round finishes first).
    void setMailboxes(const std::vector<std::string>& upns);
    bool addMailbox(const std::string& upn);     // false when already present
    bool removeMailbox(const std::string& upn);  // false when unknown
    bool contains(const std::string& upn) const;

    // A full resync as soon as a worker is free (calconnctl resync, SIGUSR1), backoff reset.
    bool resync(const std::string& upn);
    void resyncAll();
    // A change notification arrived: sync soon, ahead of the polling order.
    bool notify(const std::string& upn);

    // Starts the worker threads. Not to be combined with step().
    void start();
    // Stops taking work and waits up to `deadline` for running rounds; then calls the cancel
    // hook (which should make in-flight requests fail fast) and joins the workers.
    void stop(std::chrono::milliseconds deadline);
    void setCancelHook(std::function<void()> hook);
    bool started() const;

    // Tests and single-threaded use: runs every mailbox due now on the calling thread, in
    // priority order, and returns their UPNs in the order run.
    std::vector<std::string> step();

    std::optional<common::TimePoint> nextDue() const;
    std::vector<MailboxSchedule> snapshot() const;
    std::optional<MailboxSchedule> schedule(const std::string& upn) const;

    // A reloaded poll interval; applies from each mailbox's next round.
    void setPollInterval(std::chrono::milliseconds interval);

    // The wait after `failures` consecutive failed rounds, before jitter.
    std::chrono::milliseconds backoffFor(int failures) const;

private:
    struct Picked {
        std::string upn;
        bool force_full = false;
    };
    std::optional<Picked> pickLocked(common::TimePoint now);
    void finishLocked(const std::string& upn, const RoundReport& report, common::TimePoint now);
    RoundReport runGuarded(const Picked& picked);
    void workerLoop();
    std::chrono::milliseconds jittered(std::chrono::milliseconds base, double low, double high);

    RunRound run_;
    const common::Clock& clock_;
    SchedulerOptions options_;

    mutable std::mutex mutex_;
    std::condition_variable cv_;
    std::map<std::string, MailboxSchedule> mailboxes_;  // keyed by lower-case UPN
    std::mt19937_64 random_;
    std::vector<std::thread> workers_;
    std::function<void()> cancel_hook_;
    bool stopping_ = false;
    int active_ = 0;
};

}  // namespace calconn::sync
