#include "joindetails/JoinDetailsRunner.h"

#include <Poco/Logger.h>

#include <cctype>
#include <unordered_map>

#include "common/Metrics.h"
#include "common/Text.h"
#include "joindetails/BodyBlock.h"
#include "net/HttpTypes.h"
#include "platform/Logging.h"

namespace calconn::joindetails {

using common::ErrorCode;

namespace {

Poco::Logger& logger() { return Poco::Logger::get("calconn.joindetails"); }

// Raw changes looked at per pass, before the worker checks for other work again.
constexpr std::size_t kChangeBatch = 256;

std::string keyOf(std::string_view upn, std::string_view id) {
    return common::asciiLower(upn) + '\n' + std::string(id);
}

// Worth trying again later: the peer was busy, down or raced us; nothing about the meeting
// itself is wrong.
bool isTransient(ErrorCode code) {
    switch (code) {
        case ErrorCode::Throttled:
        case ErrorCode::Unavailable:
        case ErrorCode::Timeout:
        case ErrorCode::Conflict:
        case ErrorCode::Protocol:
        case ErrorCode::Io:
        case ErrorCode::Storage:
            return true;
        default:
            return false;
    }
}

BodyType bodyTypeOf(core::BodyType type) {
    return type == core::BodyType::Html ? BodyType::Html : BodyType::Text;
}

// The mailbox's user organises it. The response is "organizer" in the organizer's own copy;
// the address check covers caches that lack it.
bool organisedBy(const core::Meeting& meeting, std::string_view upn) {
    return meeting.response == core::ResponseType::Organizer ||
           net::equalsIgnoreCase(meeting.organizer.address, upn);
}

// The event to process for a cached meeting, or nothing when it cannot need join details:
// not ours, cancelled, or neither a keyword in the location nor a block in the body. An
// occurrence or exception stands for its series master (whose cached copy, when there is one,
// is what is judged).
std::optional<std::string> targetIdFor(
    std::string_view upn, const core::Meeting& meeting,
    const std::function<std::optional<core::Meeting>(const std::string&)>& master_of,
    const std::vector<KeywordRule>& rules) {
    const core::Meeting* judged = &meeting;
    std::optional<core::Meeting> master;
    std::string target = meeting.id;
    if (meeting.type == core::MeetingType::Occurrence ||
        meeting.type == core::MeetingType::Exception) {
        if (meeting.series_master_id.empty()) return std::nullopt;
        target = meeting.series_master_id;
        master = master_of(meeting.series_master_id);
        if (master) judged = &*master;
    }
    if (judged->is_cancelled || !organisedBy(*judged, upn)) return std::nullopt;
    const bool keyword = findKeyword(judged->location.display_name, rules).has_value();
    if (!keyword && !hasBlock(judged->body.content, bodyTypeOf(judged->body.type))) {
        return std::nullopt;
    }
    return target;
}

}  // namespace

std::string_view runResultName(RunResult result) {
    switch (result) {
        case RunResult::Inserted: return "inserted";
        case RunResult::Replaced: return "replaced";
        case RunResult::Removed: return "removed";
        case RunResult::Unchanged: return "unchanged";
        case RunResult::Failed: return "failed";
    }
    return "failed";
}

// ---- StoreMeetingCache ----------------------------------------------------------------------

common::Result<std::vector<core::Mailbox>> StoreMeetingCache::mailboxes() {
    return store_.listMailboxes();
}

common::Result<std::optional<core::Mailbox>> StoreMeetingCache::mailbox(const std::string& upn) {
    return store_.mailbox(upn);
}

common::Result<std::optional<core::Meeting>> StoreMeetingCache::meeting(const std::string& upn,
                                                                        const std::string& id) {
    return store_.meeting(upn, id);
}

common::Result<std::vector<core::Meeting>> StoreMeetingCache::meetings(const std::string& upn) {
    return store_.dumpDecrypted(upn);
}

// ---- JoinDetailsRunner ----------------------------------------------------------------------

JoinDetailsRunner::JoinDetailsRunner(core::ChangeBus& bus, MeetingCache& cache,
                                     EventUpdater& events, LocaleLookup locales,
                                     std::shared_ptr<const RunnerConfig> config,
                                     RunnerOptions options)
    : bus_(bus),
      cache_(cache),
      events_(events),
      locales_(std::move(locales)),
      options_(std::move(options)),
      config_(std::move(config)) {
    common::metrics().describe(kJoinDetailsMetric, common::MetricType::Counter,
                               "Meetings with a keyword (or a stale block) processed, by result");
}

JoinDetailsRunner::~JoinDetailsRunner() { stop(); }

void JoinDetailsRunner::start() {
    std::lock_guard lock(mutex_);
    if (worker_.joinable() || stopping_) return;
    sweep_requested_ = options_.sweep_at_start;
    subscription_ = bus_.subscribe([this](const core::MeetingChange& change) { onChange(change); });
    worker_ = std::thread([this] { run(); });
}

void JoinDetailsRunner::stop() {
    std::optional<core::ChangeBus::SubscriptionId> subscription;
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        subscription.swap(subscription_);
    }
    if (subscription) bus_.unsubscribe(*subscription);
    work_cv_.notify_all();
    idle_cv_.notify_all();
    if (worker_.joinable()) worker_.join();
}

void JoinDetailsRunner::reconfigure(std::shared_ptr<const RunnerConfig> config, bool sweep) {
    {
        std::lock_guard lock(mutex_);
        config_ = std::move(config);
        if (sweep) sweep_requested_ = true;
    }
    work_cv_.notify_all();
}

void JoinDetailsRunner::sweep() {
    {
        std::lock_guard lock(mutex_);
        sweep_requested_ = true;
    }
    work_cv_.notify_all();
}

void JoinDetailsRunner::onChange(const core::MeetingChange& change) {
    // Runs on sync's thread: queue and return. Removed and cancelled meetings need nothing.
    if (change.kind != core::ChangeKind::Added && change.kind != core::ChangeKind::Changed) return;
    {
        std::lock_guard lock(mutex_);
        if (stopping_ || !config_->enabled) return;
        std::string key = keyOf(change.mailbox, change.meeting_id);
        if (change_keys_.count(key) != 0) return;
        if (changes_.size() >= options_.max_queued_changes) {
            // Nothing is lost: the cache holds the meeting, and the sweep finds it there.
            if (!sweep_requested_) {
                logger().warning("change queue full; looking at the cached meetings instead");
            }
            sweep_requested_ = true;
            return;
        }
        change_keys_.insert(std::move(key));
        changes_.emplace_back(change.mailbox, change.meeting_id);
    }
    work_cv_.notify_one();
}

bool JoinDetailsRunner::idleLocked() const {
    return changes_.empty() && targets_.empty() && sweep_mailboxes_.empty() && !sweep_requested_ &&
           !busy_;
}

bool JoinDetailsRunner::waitIdle(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return idle_cv_.wait_for(lock, timeout, [this] { return stopping_ || idleLocked(); }) &&
           idleLocked();
}

std::map<RunResult, std::uint64_t> JoinDetailsRunner::counts() const {
    std::lock_guard lock(mutex_);
    return counts_;
}

std::size_t JoinDetailsRunner::pendingRetries() const {
    std::lock_guard lock(mutex_);
    return retries_.size();
}

void JoinDetailsRunner::enqueueLocked(Target target) {
    std::string key = keyOf(target.mailbox, target.event_id);
    retries_.erase(key);  // a fresh change is looked at now, not at the retry's time
    if (!target_keys_.insert(key).second) return;
    targets_.push_back(std::move(target));
}

void JoinDetailsRunner::promoteDueRetriesLocked(std::chrono::steady_clock::time_point now) {
    for (auto it = retries_.begin(); it != retries_.end();) {
        if (it->second.due > now) {
            ++it;
            continue;
        }
        Target target = std::move(it->second.target);
        it = retries_.erase(it);
        enqueueLocked(std::move(target));
    }
}

void JoinDetailsRunner::run() {
    std::unique_lock lock(mutex_);
    for (;;) {
        if (stopping_) return;
        promoteDueRetriesLocked(std::chrono::steady_clock::now());
        const std::shared_ptr<const RunnerConfig> config = config_;
        if (!config->enabled) {
            changes_.clear();
            change_keys_.clear();
            targets_.clear();
            target_keys_.clear();
            retries_.clear();
            sweep_mailboxes_.clear();
            sweep_requested_ = false;
        }
        if (!changes_.empty()) {
            // Cheap, local look-ups first: they collapse a series' occurrences into one master
            // before any Graph call is made.
            std::vector<std::pair<std::string, std::string>> batch;
            while (!changes_.empty() && batch.size() < kChangeBatch) {
                change_keys_.erase(keyOf(changes_.front().first, changes_.front().second));
                batch.push_back(std::move(changes_.front()));
                changes_.pop_front();
            }
            busy_ = true;
            lock.unlock();
            std::vector<Target> found;
            for (const auto& [upn, id] : batch) {
                if (auto target = resolveChange(upn, id, *config)) found.push_back(std::move(*target));
            }
            lock.lock();
            busy_ = false;
            for (auto& target : found) enqueueLocked(std::move(target));
            continue;
        }
        if (!targets_.empty()) {
            Target target = std::move(targets_.front());
            targets_.pop_front();
            target_keys_.erase(keyOf(target.mailbox, target.event_id));
            busy_ = true;
            lock.unlock();
            const Processed processed = process(target, *config);
            lock.lock();
            busy_ = false;
            finishLocked(target, processed);
            continue;
        }
        if (!sweep_mailboxes_.empty() || sweep_requested_) {
            busy_ = true;
            if (sweep_mailboxes_.empty()) {
                sweep_requested_ = false;
                lock.unlock();
                auto mailboxes = cache_.mailboxes();
                lock.lock();
                if (!mailboxes) {
                    logger().warning("cannot list mailboxes for the keyword sweep: " +
                                     mailboxes.error().toString());
                } else {
                    for (const auto& mailbox : *mailboxes) {
                        if (mailbox.kind == core::MailboxKind::User) {
                            sweep_mailboxes_.push_back(mailbox.upn);
                        }
                    }
                }
            } else {
                const std::string upn = std::move(sweep_mailboxes_.front());
                sweep_mailboxes_.pop_front();
                lock.unlock();
                std::vector<Target> found = sweepMailbox(upn, *config);
                lock.lock();
                for (auto& target : found) enqueueLocked(std::move(target));
            }
            busy_ = false;
            continue;
        }
        idle_cv_.notify_all();
        const auto has_work = [this] {
            return stopping_ || !changes_.empty() || !targets_.empty() || sweep_requested_;
        };
        if (retries_.empty()) {
            work_cv_.wait(lock, has_work);
        } else {
            auto next = retries_.begin()->second.due;
            for (const auto& [key, retry] : retries_) next = std::min(next, retry.due);
            work_cv_.wait_until(lock, next, has_work);
        }
    }
}

std::optional<JoinDetailsRunner::Target> JoinDetailsRunner::resolveChange(
    const std::string& upn, const std::string& id, const RunnerConfig& config) {
    auto mailbox = cache_.mailbox(upn);
    if (!mailbox || !*mailbox || (*mailbox)->kind != core::MailboxKind::User) return std::nullopt;
    auto meeting = cache_.meeting(upn, id);
    if (!meeting) {
        logger().warning("cannot read a changed meeting from the cache: " +
                         meeting.error().toString());
        return std::nullopt;
    }
    if (!*meeting) return std::nullopt;  // gone again meanwhile
    auto master_of = [&](const std::string& master_id) -> std::optional<core::Meeting> {
        auto master = cache_.meeting(upn, master_id);
        return master && *master ? std::optional<core::Meeting>(**master) : std::nullopt;
    };
    auto target_id = targetIdFor(upn, **meeting, master_of, config.rules);
    if (!target_id) return std::nullopt;
    return Target{upn, std::move(*target_id)};
}

std::vector<JoinDetailsRunner::Target> JoinDetailsRunner::sweepMailbox(const std::string& upn,
                                                                       const RunnerConfig& config) {
    std::vector<Target> found;
    auto meetings = cache_.meetings(upn);
    if (!meetings) {
        logger().warning("cannot read cached meetings for the keyword sweep: " +
                         meetings.error().toString());
        return found;
    }
    std::unordered_map<std::string, const core::Meeting*> by_id;
    for (const auto& meeting : *meetings) by_id.emplace(meeting.id, &meeting);
    auto master_of = [&](const std::string& master_id) -> std::optional<core::Meeting> {
        auto it = by_id.find(master_id);
        return it == by_id.end() ? std::nullopt : std::optional<core::Meeting>(*it->second);
    };
    std::set<std::string> seen;
    for (const auto& meeting : *meetings) {
        auto target_id = targetIdFor(upn, meeting, master_of, config.rules);
        if (target_id && seen.insert(*target_id).second) found.push_back({upn, *target_id});
    }
    return found;
}

JoinDetailsRunner::Processed JoinDetailsRunner::process(const Target& target,
                                                        const RunnerConfig& config) {
    auto event = events_.readEvent(target.mailbox, target.event_id);
    if (!event) {
        // Deleted since the change: nothing left to do.
        if (event.error().code == ErrorCode::NotFound) return {RunResult::Unchanged, std::nullopt};
        return {RunResult::Failed, event.error()};
    }
    const Plan plan = planJoinDetails(event->state, config.rules);
    if (plan.action == PlanAction::Nothing) {
        logger().debug("join details unchanged on event " + target.event_id + ": " + plan.reason);
        return {RunResult::Unchanged, std::nullopt};
    }
    auto locale = locales_(target.mailbox);
    if (!locale) return {RunResult::Failed, locale.error()};
    JoinDetailsService service(*config.templates, events_, config.webex.get(),
                               ServiceOptions{config.rules, config.max_conflict_retries, false});
    auto outcome = service.process(target.mailbox, *event, *locale);
    if (!outcome) return {RunResult::Failed, outcome.error()};
    RunResult result = RunResult::Unchanged;
    switch (outcome->action) {
        case PlanAction::Insert: result = RunResult::Inserted; break;
        case PlanAction::Replace: result = RunResult::Replaced; break;
        case PlanAction::Remove: result = RunResult::Removed; break;
        case PlanAction::Nothing: result = RunResult::Unchanged; break;
    }
    if (result != RunResult::Unchanged) {
        std::string text = "join details " + std::string(runResultName(result)) + " on event " +
                           target.event_id;
        if (outcome->details) {
            text += " (" + std::string(joinActionName(outcome->details->action)) + ", locale " +
                    outcome->locale + ")";
        }
        if (outcome->conflicts > 0) {
            text += " after " + std::to_string(outcome->conflicts) + " concurrent edit(s)";
        }
        platform::logWithFields(logger(), Poco::Message::PRIO_INFORMATION, text,
                                {{"mailbox", target.mailbox}});
    }
    return {result, std::nullopt};
}

void JoinDetailsRunner::finishLocked(const Target& target, const Processed& processed) {
    ++counts_[processed.result];
    common::metrics().add(kJoinDetailsMetric,
                          {{"result", std::string(runResultName(processed.result))}});
    const std::string key = keyOf(target.mailbox, target.event_id);
    if (!processed.error) {
        failures_.erase(key);
        return;
    }
    const common::Error& error = *processed.error;
    if (error.code == ErrorCode::Cancelled) return;  // shutting down
    // Only code and message: the context may name a keyword as typed or a URL.
    std::string text = "join details failed on event " + target.event_id + ": " +
                       std::string(common::errorCodeName(error.code)) + ": " + error.message;
    const int failures = ++failures_[key];
    if (isTransient(error.code) &&
        static_cast<std::size_t>(failures) <= options_.retry_delays.size()) {
        const auto delay = options_.retry_delays[static_cast<std::size_t>(failures - 1)];
        retries_[key] = Retry{target, std::chrono::steady_clock::now() + delay};
        text += "; retrying in " +
                std::to_string(std::chrono::duration_cast<std::chrono::seconds>(delay).count()) + "s";
    } else {
        failures_.erase(key);
        text += "; waiting for the meeting to change";
    }
    platform::logWithFields(logger(), Poco::Message::PRIO_WARNING, text,
                            {{"mailbox", target.mailbox},
                             {"error_code", std::string(common::errorCodeName(error.code))}});
}

}  // namespace calconn::joindetails
