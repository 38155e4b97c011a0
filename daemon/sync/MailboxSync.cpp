#include "sync/MailboxSync.h"

#include <Poco/Logger.h>

#include <map>
#include <set>
#include <utility>
#include <vector>

#include "graph/Decoders.h"
#include "store/Outbox.h"
#include "sync/EventMapper.h"

namespace calconn::sync {

using common::ErrorCode;
using common::makeError;
using common::Status;
using core::MailboxErrorReason;

namespace {

Poco::Logger& logger() { return Poco::Logger::get("calconn.sync"); }

core::UtcSeconds toSeconds(common::TimePoint t) {
    return std::chrono::floor<std::chrono::seconds>(t);
}

// The window slides daily: a delta link older than this is replaced by a full round over the
// new window rather than kept forever on a stale window.
constexpr std::chrono::hours kWindowSlide{24};

}  // namespace

common::Result<std::size_t> OutboxPublisher::drain() {
    std::lock_guard lock(mutex_);
    return store::drainOutbox(store_, bus_);
}

std::string_view roundModeName(RoundMode mode) {
    switch (mode) {
        case RoundMode::Initial:
            return "initial";
        case RoundMode::Incremental:
            return "incremental";
        case RoundMode::Full:
            return "full";
    }
    return "unknown";
}

MailboxErrorReason reasonFor(const common::Error& error) {
    switch (graph::errorKindOf(error)) {
        case graph::GraphErrorKind::OutOfPolicyScope:
            return MailboxErrorReason::OutOfScope;
        case graph::GraphErrorKind::AccessDenied:
            return graph::graphCodeOf(error) == "ErrorAccessDenied"
                       ? MailboxErrorReason::OutOfScope
                       : MailboxErrorReason::ConsentMissing;
        case graph::GraphErrorKind::MailboxNotEnabled:
            return MailboxErrorReason::NotEnabledForRest;
        case graph::GraphErrorKind::UserNotFound:
            return MailboxErrorReason::MailboxNotFound;
        case graph::GraphErrorKind::TokenExpired:
        case graph::GraphErrorKind::ConsentMissing:
        case graph::GraphErrorKind::CredentialsInvalid:
        case graph::GraphErrorKind::ReauthRequired:
        case graph::GraphErrorKind::TenantNotFound:
            return MailboxErrorReason::ConsentMissing;
        case graph::GraphErrorKind::Throttled:
            return MailboxErrorReason::Throttled;
        case graph::GraphErrorKind::ServiceUnavailable:
            return MailboxErrorReason::Unavailable;
        default:
            break;
    }
    switch (error.code) {
        case ErrorCode::Throttled:
            return MailboxErrorReason::Throttled;
        case ErrorCode::Unavailable:
        case ErrorCode::Timeout:
        case ErrorCode::Protocol:
        case ErrorCode::Gone:
            return MailboxErrorReason::Unavailable;
        case ErrorCode::Unauthenticated:
            return MailboxErrorReason::ConsentMissing;
        default:
            return MailboxErrorReason::Internal;
    }
}

struct MailboxSync::Round {
    std::string upn;
    RoundMode mode = RoundMode::Initial;
    core::UtcSeconds window_start{};
    core::UtcSeconds window_end{};
    std::string resume_link;
    RoundReport* report = nullptr;
    std::unique_ptr<MasterCache> masters;
    // Full rounds: everything the round delivered, replacing the cache at the end.
    std::map<std::string, core::Meeting> collected;
    // Incremental rounds: masters delivered, and the instances seen for each, so that the
    // occurrences a series edit dropped are removed from the cache at the end of the round.
    std::set<std::string> delivered_masters;
    std::map<std::string, std::set<std::string>> seen_instances;
    std::set<std::string> removed;
    // Bare occurrences hydrated from a master the round had not delivered (yet): if it comes
    // later in the round, they are hydrated again from the fresh master.
    std::map<std::string, std::vector<graph::Event>> hydrated_from_cache;

    core::SyncCursor cursorFor(const std::string& link, bool is_delta) const {
        return core::SyncCursor{link, is_delta, window_start, window_end};
    }
};

MailboxSync::MailboxSync(core::StateStore& store, CalendarSource& source,
                         OutboxPublisher& publisher, const common::Clock& clock, SyncWindow window)
    : store_(store), source_(source), publisher_(publisher), clock_(clock), window_(window) {}

SyncWindow MailboxSync::window() const {
    std::lock_guard lock(window_mutex_);
    return window_;
}

void MailboxSync::setWindow(SyncWindow window) {
    std::lock_guard lock(window_mutex_);
    window_ = window;
}

RoundReport MailboxSync::run(const std::string& upn, bool force_full) {
    RoundReport report;
    const auto now = clock_.now();
    const SyncWindow window = this->window();
    core::Mailbox mailbox;
    mailbox.upn = upn;
    if (auto existing = store_.mailbox(upn); existing && *existing) {
        mailbox = **existing;
    } else if (Status saved = store_.saveMailbox(mailbox); !saved) {
        // Pages can only be applied to a known mailbox.
        logger().error("cannot record mailbox " + upn + ": " + saved.error().toString());
    }

    Round round;
    round.upn = upn;
    round.report = &report;
    round.window_start = toSeconds(now - window.past);
    round.window_end = toSeconds(now + window.future);

    Status status;
    auto cursor = store_.cursor(upn);
    if (!cursor) {
        status = cursor.error();
    } else {
        if (force_full) {
            round.mode = RoundMode::Full;
        } else if (cursor->link.empty()) {
            // A mailbox never synced commits page by page; a cache that exists is reconciled.
            round.mode = mailbox.last_sync ? RoundMode::Full : RoundMode::Initial;
        } else if (cursor->window_start &&
                   round.window_start - *cursor->window_start >= kWindowSlide) {
            round.mode = RoundMode::Full;
        } else if (cursor->window_start && cursor->window_end &&
                   *cursor->window_end - *cursor->window_start != window.past + window.future) {
            // The configured window changed (reload or restart).
            round.mode = RoundMode::Full;
        } else {
            round.mode = RoundMode::Incremental;
            round.resume_link = cursor->link;
            if (cursor->window_start) round.window_start = *cursor->window_start;
            if (cursor->window_end) round.window_end = *cursor->window_end;
        }
        report.mode = round.mode;
        status = runRound(round);
        if (!status && round.mode == RoundMode::Incremental &&
            (status.error().code == ErrorCode::Gone ||
             graph::errorKindOf(status.error()) == graph::GraphErrorKind::SyncStateGone ||
             status.error().code == ErrorCode::InvalidArgument)) {
            logger().information("delta link of " + upn + " unusable (" + status.error().message +
                                 "), full resync");
            Round full;
            full.upn = upn;
            full.report = &report;
            full.mode = RoundMode::Full;
            full.window_start = toSeconds(now - window.past);
            full.window_end = toSeconds(now + window.future);
            report.mode = RoundMode::Full;
            report.fell_back_to_full = true;
            status = runRound(full);
        }
    }

    if (status) {
        report.ok = true;
        mailbox.state = core::MailboxState::Active;
        mailbox.error_reason = MailboxErrorReason::None;
        mailbox.error_message.clear();
        mailbox.last_sync = toSeconds(clock_.now());
    } else {
        const auto& error = status.error();
        mailbox.state = core::MailboxState::Error;
        mailbox.error_reason = reasonFor(error);
        mailbox.error_message = error.message;
        report.retry_after = graph::retryAfterOf(error);
        logger().warning("sync of " + upn + " failed: " + error.toString());
    }
    report.state = mailbox.state;
    report.reason = mailbox.error_reason;
    report.message = mailbox.error_message;
    // A mailbox removed while its round ran stays removed.
    auto still = store_.mailbox(upn);
    if (still && !*still) {
        logger().information("mailbox " + upn + " was removed during its sync round");
    } else if (Status saved = store_.saveMailbox(mailbox); !saved) {
        logger().error("cannot save mailbox state of " + upn + ": " + saved.error().toString());
    }
    if (auto published = publisher_.drain(); !published) {
        logger().error("cannot publish change events: " + published.error().toString());
    }
    return report;
}

Status MailboxSync::runRound(Round& round) {
    const std::string upn = round.upn;
    round.masters = std::make_unique<MasterCache>(
        [this, upn](const std::string& id) { return store_.meeting(upn, id); },
        [this, upn](const std::string& id) -> common::Result<std::optional<core::Meeting>> {
            auto event = source_.getEvent(upn, id);
            if (!event) {
                if (graph::errorKindOf(event.error()) == graph::GraphErrorKind::ItemNotFound)
                    return std::optional<core::Meeting>();
                return event.error();
            }
            auto meeting = toMeeting(*event, upn);
            if (!meeting) return meeting.error();
            return std::optional<core::Meeting>(std::move(*meeting));
        });

    graph::DeltaRoundRequest request;
    request.mailbox = upn;
    request.resume_link = round.resume_link;
    request.window_start = round.window_start;
    request.window_end = round.window_end;
    auto delta_link = source_.deltaRound(
        request, [&](const graph::DeltaPage& page) { return processPage(round, page); });
    round.report->master_fetches += round.masters->fetches();
    if (!delta_link) return delta_link.error();
    if (round.mode != RoundMode::Full) return {};

    std::vector<core::Meeting> meetings;
    meetings.reserve(round.collected.size());
    for (auto& [id, meeting] : round.collected) meetings.push_back(std::move(meeting));
    auto replaced = store_.replaceAll(upn, meetings, round.cursorFor(*delta_link, true));
    if (!replaced) return replaced.error();
    return {};
}

Status MailboxSync::processPage(Round& round, const graph::DeltaPage& page) {
    ++round.report->pages;
    core::DeltaPage out;
    for (const auto& entry : page.entries) {
        const EntryKind kind = classify(entry);
        if (kind == EntryKind::Removal) {
            out.removals.push_back(entry.event.id);
            continue;
        }
        core::Meeting meeting;
        if (kind == EntryKind::BareOccurrence) {
            auto master = round.masters->get(entry.event.series_master_id);
            if (!master) return master.error();
            if (!*master) {
                // The series is gone; its tombstones follow in this or the next round.
                out.removals.push_back(entry.event.id);
                continue;
            }
            meeting = hydrateOccurrence(entry.event, **master);
            meeting.mailbox = round.upn;
            if (!round.delivered_masters.count(entry.event.series_master_id))
                round.hydrated_from_cache[entry.event.series_master_id].push_back(entry.event);
        } else {
            auto mapped = toMeeting(entry.event, round.upn);
            if (!mapped) return mapped.error();
            meeting = std::move(*mapped);
        }
        if (meeting.type == core::MeetingType::SeriesMaster) {
            round.masters->remember(meeting);
            round.delivered_masters.insert(meeting.id);
            if (auto early = round.hydrated_from_cache.find(meeting.id);
                early != round.hydrated_from_cache.end()) {
                for (const auto& bare : early->second) {
                    core::Meeting again = hydrateOccurrence(bare, meeting);
                    again.mailbox = round.upn;
                    if (core::overlaps(again, round.window_start, round.window_end))
                        out.upserts.push_back(std::move(again));
                }
                round.hydrated_from_cache.erase(early);
            }
        } else if (!core::overlaps(meeting, round.window_start, round.window_end)) {
            // Outside the window (moved out, or Graph being generous): not ours to keep.
            out.removals.push_back(meeting.id);
            continue;
        } else if (!meeting.series_master_id.empty()) {
            round.seen_instances[meeting.series_master_id].insert(meeting.id);
        }
        out.upserts.push_back(std::move(meeting));
    }
    round.report->upserts += out.upserts.size();
    round.report->removals += out.removals.size();

    if (round.mode == RoundMode::Full) {
        for (const auto& id : out.removals) round.collected.erase(id);
        for (auto& m : out.upserts) round.collected[m.id] = std::move(m);
        return {};
    }
    const bool last = !page.delta_link.empty();
    for (const auto& id : out.removals) round.removed.insert(id);
    if (last && round.mode == RoundMode::Incremental) {
        if (Status orphans = addOrphans(round, out); !orphans) return orphans;
    }
    const std::string& link = last ? page.delta_link : page.next_link;
    auto applied = store_.applyDeltaPage(round.upn, out, round.cursorFor(link, last));
    if (!applied) return applied.error();
    return {};
}

// Graph reports a series edit as the master plus the instances it now has; occurrences the
// edit dropped are simply not listed. Instances in the cache of a master the round delivered
// (or removed) that the round did not list are therefore gone.
Status MailboxSync::addOrphans(Round& round, core::DeltaPage& out) {
    if (round.delivered_masters.empty() && round.removed.empty()) return {};
    auto cached = store_.meetingsInWindow(round.upn, round.window_start - kWindowSlide,
                                          round.window_end + kWindowSlide);
    if (!cached) return cached.error();
    std::set<std::string> upserted;
    for (const auto& m : out.upserts) upserted.insert(m.id);
    for (const auto& m : *cached) {
        if (m.series_master_id.empty() || upserted.count(m.id) || round.removed.count(m.id))
            continue;
        const auto& seen = round.seen_instances[m.series_master_id];
        const bool dropped = round.delivered_masters.count(m.series_master_id) && !seen.count(m.id);
        if (dropped || round.removed.count(m.series_master_id)) {
            out.removals.push_back(m.id);
            round.removed.insert(m.id);
            ++round.report->removals;
        }
    }
    return {};
}

}  // namespace calconn::sync
