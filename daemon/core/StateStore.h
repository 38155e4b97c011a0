// Port: the daemon's state as sync, the API and the devices see it: mailboxes, their sync
// cursors, the cached meetings and the outbox of change events. The SQLite implementation is
// store::MeetingStore; its contract (one transaction per page with its link, no event for a
// replay) is part of this interface.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/Result.h"
#include "core/ChangeEvent.h"
#include "core/Mailbox.h"
#include "core/Meeting.h"

namespace calconn::core {

// Where a mailbox's next sync round starts. `link` is an opaque Graph URL: a nextLink while a
// round is in progress, the deltaLink once it completed; empty means "start a new full sync".
struct SyncCursor {
    std::string link;
    bool is_delta_link = false;
    std::optional<UtcSeconds> window_start;
    std::optional<UtcSeconds> window_end;
    bool operator==(const SyncCursor&) const = default;
};

// One page of a delta response: upserted events (already hydrated and normalised to UTC by the
// sync engine, and filtered against the window) and the ids of @removed tombstones.
struct DeltaPage {
    std::vector<Meeting> upserts;
    std::vector<std::string> removals;
};

// A page of one mailbox with the link that follows it, for group commits.
struct PageUpdate {
    std::string upn;
    DeltaPage page;
    SyncCursor next;
};

class StateStore {
public:
    virtual ~StateStore() = default;

    // --- mailboxes ----------------------------------------------------------------------
    // Inserts or updates a mailbox by UPN (case-insensitive): graph id, kind, state, reason,
    // message, last sync. The cursor and meetings are untouched.
    virtual common::Status saveMailbox(const Mailbox& mailbox) = 0;
    // The same for many mailboxes in one transaction (one fsync), e.g. the configured list at
    // start.
    virtual common::Status saveMailboxes(const std::vector<Mailbox>& mailboxes) = 0;
    // Deletes a mailbox with its meetings; returns (and records) a Removed event per meeting.
    virtual common::Result<std::vector<MeetingChange>> removeMailbox(std::string_view upn) = 0;
    virtual common::Result<std::optional<Mailbox>> mailbox(std::string_view upn) = 0;
    virtual common::Result<std::vector<Mailbox>> listMailboxes() = 0;

    virtual common::Result<SyncCursor> cursor(std::string_view upn) = 0;
    // Replaces the cursor without touching meetings: for a new window, or to force a full
    // resync after 410 (an empty link).
    virtual common::Status saveCursor(std::string_view upn, const SyncCursor& cursor) = 0;

    // --- meetings -----------------------------------------------------------------------
    // Applies the page and saves `next` in ONE transaction. Upserts of an unknown id give
    // Added; of a known id with a different changeKey (or, without changeKeys, different
    // content) give Changed, or Cancelled when the meeting became cancelled; a removal of a
    // known id gives Removed. Replays (same id and changeKey, unknown removals) change nothing
    // and give no event. On any error nothing is applied and the cursor is unchanged.
    // The returned events are also in the outbox: publish through the outbox (store/Outbox.h
    // drainOutbox), not from this return value, so that a crash cannot lose them.
    virtual common::Result<std::vector<MeetingChange>> applyDeltaPage(std::string_view upn,
                                                                      const DeltaPage& page,
                                                                      const SyncCursor& next) = 0;
    // Group commit: several mailboxes' pages (each with its link) in ONE transaction, all or
    // nothing. A commit costs an fsync, so the initial sync of thousands of mailboxes should
    // hand finished pages over in batches rather than one by one.
    virtual common::Result<std::vector<MeetingChange>> applyDeltaPages(
        const std::vector<PageUpdate>& updates) = 0;
    // Full resync: makes the mailbox's cache equal `meetings` (deleting what vanished, with a
    // Removed event each) and saves `next`, in one transaction.
    virtual common::Result<std::vector<MeetingChange>> replaceAll(
        std::string_view upn, const std::vector<Meeting>& meetings, const SyncCursor& next) = 0;

    // Decrypted instances (not series masters) overlapping [from, to), by start time.
    virtual common::Result<std::vector<Meeting>> meetingsInWindow(std::string_view upn,
                                                                  UtcSeconds from,
                                                                  UtcSeconds to) = 0;
    // One meeting by Graph id (series masters included), e.g. to hydrate bare occurrences.
    virtual common::Result<std::optional<Meeting>> meeting(std::string_view upn,
                                                           std::string_view id) = 0;
    // How many meetings calendarView would list in [from, to): each single, occurrence and
    // exception once, cancelled ones included (Graph lists them until removed), masters never.
    virtual common::Result<std::size_t> countMeetings(std::string_view upn, UtcSeconds from,
                                                      UtcSeconds to) = 0;
    // The same count for every mailbox at once (for `calconnctl status`), keyed by UPN.
    virtual common::Result<std::vector<std::pair<std::string, std::size_t>>> countAllMeetings(
        UtcSeconds from, UtcSeconds to) = 0;
    // Every cached meeting of the mailbox, decrypted, ordered by id: for tests and the debug dump.
    virtual common::Result<std::vector<Meeting>> dumpDecrypted(std::string_view upn) = 0;

    // --- change outbox ------------------------------------------------------------------
    // Events not yet acknowledged, oldest first: after a restart, republish these before
    // resuming sync (at-least-once; MeetingChange documents how consumers de-duplicate).
    virtual common::Result<std::vector<MeetingChange>> pendingChanges(std::size_t limit = 1000) = 0;
    // Drops outbox events up to and including `sequence` once they have been published.
    virtual common::Status acknowledgeChanges(std::uint64_t sequence) = 0;
};

}  // namespace calconn::core
