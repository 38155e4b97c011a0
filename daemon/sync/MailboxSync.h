// One sync round of one mailbox: the initial calendarView delta over the window, incremental
// rounds from the saved delta link, and full resyncs (expired link, window slid by a day, or
// asked for) that reconcile the cache against Graph. Each page is committed with the link
// that follows it; the round's change events are then published from the store's outbox.
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>

#include "common/Clock.h"
#include "common/Result.h"
#include "core/ChangeEvent.h"
#include "core/Mailbox.h"
#include "core/StateStore.h"
#include "sync/CalendarSource.h"

namespace calconn::sync {

struct SyncWindow {
    std::chrono::seconds past{std::chrono::hours(24)};
    std::chrono::seconds future{std::chrono::hours(24 * 30)};
};

// Publishes the store's outbox on the bus; one drain at a time (drainOutbox is not reentrant).
class OutboxPublisher {
public:
    OutboxPublisher(core::StateStore& store, core::ChangeBus& bus) : store_(store), bus_(bus) {}
    common::Result<std::size_t> drain();

private:
    core::StateStore& store_;
    core::ChangeBus& bus_;
    std::mutex mutex_;
};

enum class RoundMode { Initial, Incremental, Full };
std::string_view roundModeName(RoundMode mode);

struct RoundReport {
    bool ok = false;
    RoundMode mode = RoundMode::Initial;
    bool fell_back_to_full = false;  // the saved link was gone or unusable
    core::MailboxState state = core::MailboxState::Pending;
    core::MailboxErrorReason reason = core::MailboxErrorReason::None;
    std::string message;
    int pages = 0;
    std::size_t upserts = 0;
    std::size_t removals = 0;
    int master_fetches = 0;
    std::optional<std::chrono::milliseconds> retry_after;  // the server's hint after a 429
};

// The mailbox state and reason a failed round leaves behind.
core::MailboxErrorReason reasonFor(const common::Error& error);

class MailboxSync {
public:
    MailboxSync(core::StateStore& store, CalendarSource& source, OutboxPublisher& publisher,
                const common::Clock& clock, SyncWindow window);

    // Thread-safe for different mailboxes; the caller (the scheduler) never runs the same
    // mailbox twice at once. `force_full` reconciles against a fresh initial round.
    RoundReport run(const std::string& upn, bool force_full = false);

    SyncWindow window() const;
    // A reloaded window: each mailbox's next round is a full one over the new window.
    void setWindow(SyncWindow window);

private:
    struct Round;
    common::Status runRound(Round& round);
    common::Status processPage(Round& round, const graph::DeltaPage& page);
    common::Status addOrphans(Round& round, core::DeltaPage& out);

    core::StateStore& store_;
    CalendarSource& source_;
    OutboxPublisher& publisher_;
    const common::Clock& clock_;
    mutable std::mutex window_mutex_;
    SyncWindow window_;
};

}  // namespace calconn::sync
