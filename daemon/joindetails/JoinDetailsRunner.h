// Keyword actions in the running daemon. Listens to sync's change bus, picks the meetings that a
// configured user organises and whose location carries a keyword (or whose body carries a block
// that must go because the keyword went), and runs JoinDetailsService on each, one at a time,
// in its own worker thread. The bus handler only queues (deduplicated per event), so the sync
// thread that publishes is never held up. An occurrence stands for its series master: a series
// gets its block once, in the master. Our own PATCH comes back through sync as a change; that
// second pass finds block and extended property in place and plans nothing, so there is no loop.
//
// Work is at-least-once without a queue on disk: at start (and after a reload or a queue
// overflow) the runner sweeps the cached meetings of every user mailbox, so a change queued
// but not applied before a crash is found again. Transient failures are retried with backoff.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/Result.h"
#include "core/ChangeEvent.h"
#include "core/Mailbox.h"
#include "core/Meeting.h"
#include "core/StateStore.h"
#include "joindetails/JoinDetailsService.h"

namespace calconn::joindetails {

// What the runner reads from sync's cache; a port so tests can fake it.
class MeetingCache {
public:
    virtual ~MeetingCache() = default;
    virtual common::Result<std::vector<core::Mailbox>> mailboxes() = 0;
    virtual common::Result<std::optional<core::Mailbox>> mailbox(const std::string& upn) = 0;
    virtual common::Result<std::optional<core::Meeting>> meeting(const std::string& upn,
                                                                 const std::string& id) = 0;
    // Every cached meeting of the mailbox, series masters included.
    virtual common::Result<std::vector<core::Meeting>> meetings(const std::string& upn) = 0;
};

// The cache as sync keeps it (store::MeetingStore is thread-safe).
class StoreMeetingCache final : public MeetingCache {
public:
    explicit StoreMeetingCache(core::StateStore& store) : store_(store) {}
    common::Result<std::vector<core::Mailbox>> mailboxes() override;
    common::Result<std::optional<core::Mailbox>> mailbox(const std::string& upn) override;
    common::Result<std::optional<core::Meeting>> meeting(const std::string& upn,
                                                         const std::string& id) override;
    common::Result<std::vector<core::Meeting>> meetings(const std::string& upn) override;

private:
    core::StateStore& store_;
};

// What the runner applies; replaced as a whole on reload.
struct RunnerConfig {
    bool enabled = true;
    std::vector<KeywordRule> rules;
    std::shared_ptr<const TemplateStore> templates;
    std::shared_ptr<WebexMeetings> webex;  // null without webex.token_file
    int max_conflict_retries = 3;
};

struct RunnerOptions {
    // Raw changes waiting to be looked at; beyond this they are dropped and a sweep of the
    // cache catches up (an initial sync of many mailboxes publishes every meeting once).
    std::size_t max_queued_changes = 50'000;
    // Waits before the retries of a meeting whose processing failed transiently (Graph or
    // Webex unavailable, throttled, repeated 412); after the last one it waits for a change.
    std::vector<std::chrono::milliseconds> retry_delays = {
        std::chrono::seconds(30), std::chrono::minutes(2), std::chrono::minutes(10),
        std::chrono::minutes(30)};
    bool sweep_at_start = true;
};

// The organizer's mailbox locale (LocaleCache in the daemon).
using LocaleLookup = std::function<common::Result<std::string>(const std::string& mailbox)>;

enum class RunResult { Inserted, Replaced, Removed, Unchanged, Failed };
// Metric label values: "inserted", "replaced", "removed", "unchanged", "failed".
std::string_view runResultName(RunResult result);

// The metric counted per processed meeting, labelled result=runResultName().
inline constexpr std::string_view kJoinDetailsMetric = "calconn_joindetails_total";

class JoinDetailsRunner {
public:
    JoinDetailsRunner(core::ChangeBus& bus, MeetingCache& cache, EventUpdater& events,
                      LocaleLookup locales, std::shared_ptr<const RunnerConfig> config,
                      RunnerOptions options = {});
    ~JoinDetailsRunner();
    JoinDetailsRunner(const JoinDetailsRunner&) = delete;
    JoinDetailsRunner& operator=(const JoinDetailsRunner&) = delete;

    // Subscribes to the bus and starts the worker (and the start-up sweep).
    void start();
    // Unsubscribes, lets the meeting in progress finish and joins the worker. Idempotent.
    void stop();
    // New keywords, templates or token. `sweep`: look at every cached meeting again, as other
    // meetings may match now (new keywords, turned on).
    void reconfigure(std::shared_ptr<const RunnerConfig> config, bool sweep = true);
    // Looks at every cached meeting of the user mailboxes again.
    void sweep();

    // True once nothing is queued or running (scheduled retries aside), within `timeout`.
    bool waitIdle(std::chrono::milliseconds timeout);
    std::map<RunResult, std::uint64_t> counts() const;
    std::size_t pendingRetries() const;

private:
    struct Target {
        std::string mailbox;
        std::string event_id;  // a single meeting or a series master
    };
    struct Retry {
        Target target;
        std::chrono::steady_clock::time_point due;
    };
    struct Processed {
        RunResult result = RunResult::Unchanged;
        std::optional<common::Error> error;
    };

    void onChange(const core::MeetingChange& change);
    void run();
    bool idleLocked() const;
    void enqueueLocked(Target target);
    void promoteDueRetriesLocked(std::chrono::steady_clock::time_point now);
    void finishLocked(const Target& target, const Processed& processed);
    std::optional<Target> resolveChange(const std::string& upn, const std::string& id,
                                        const RunnerConfig& config);
    std::vector<Target> sweepMailbox(const std::string& upn, const RunnerConfig& config);
    Processed process(const Target& target, const RunnerConfig& config);

    core::ChangeBus& bus_;
    MeetingCache& cache_;
    EventUpdater& events_;
    LocaleLookup locales_;
    RunnerOptions options_;

    mutable std::mutex mutex_;
    std::condition_variable work_cv_;
    std::condition_variable idle_cv_;
    std::shared_ptr<const RunnerConfig> config_;
    std::deque<std::pair<std::string, std::string>> changes_;  // (mailbox, meeting id)
    std::set<std::string> change_keys_;
    std::deque<Target> targets_;
    std::set<std::string> target_keys_;
    std::map<std::string, Retry> retries_;   // by target key
    std::map<std::string, int> failures_;    // consecutive transient failures, by target key
    std::deque<std::string> sweep_mailboxes_;
    bool sweep_requested_ = false;
    bool busy_ = false;
    bool stopping_ = false;
    std::map<RunResult, std::uint64_t> counts_;
    std::optional<core::ChangeBus::SubscriptionId> subscription_;
    std::thread worker_;
};

}  // namespace calconn::joindetails
