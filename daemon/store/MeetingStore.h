// The daemon's state in SQLite (WAL) under the state directory: mailboxes, their sync cursors,
// an exact, encrypted copy of their meetings and the change outbox (core::StateStore). Each
// Graph delta page is applied in one transaction together with the link that follows it, so a
// crash at any point resumes without loss or duplication; the events it produces are written
// to the outbox in that same transaction and returned, and a replayed page produces none.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/Clock.h"
#include "common/Result.h"
#include "core/KeyProvider.h"
#include "core/StateStore.h"

namespace calconn::store {

struct StoreOptions {
    std::filesystem::path state_directory;  // must exist; the database is <dir>/<file_name>
    std::string file_name = "calconn.db";
    int reader_connections = 4;  // concurrent readers; the writer is always one connection
    std::chrono::milliseconds busy_timeout{5000};
    const common::Clock* clock = nullptr;  // for timestamps; nullptr: the system clock
    // Tests only: called inside write transactions at named steps ("page_applied" after a
    // page's meeting changes, before its link is saved; "before_commit"). An error aborts the
    // transaction as a crash there would.
    std::function<common::Status(std::string_view step)> fault_injection;
};

// Durability: WAL with synchronous=FULL, so a transaction that committed (its changes, its
// delta link and its outbox events) survives a killed process AND a power loss; an event that
// was published therefore never refers to state that a crash rolls back.
//
// Concurrency: all writes go through ONE connection, serialised by a mutex (SQLite allows one
// writer anyway; queueing in-process avoids SQLITE_BUSY). Reads use a small pool of read-only
// connections and see the last committed state without blocking the writer. All methods are
// thread-safe.
//
// Encryption: subject, body, location (display and list), organizer, attendees, join URL and
// the sync link are AES-256-GCM envelopes under the active data key; the associated data is
// (column, record, graph id). Data keys are wrapped by the KeyProvider and unwrapped once, at
// open, into wiped memory. Ids, times, types, flags and states stay in the clear for indexing.
class MeetingStore final : public core::StateStore {
public:
    // Opens (creating if needed, mode 0600) the database, applies migrations and loads or
    // creates the active data key through `keys`, which must outlive the store. Fails with
    // ErrorCode::Storage for a database newer than this code, ErrorCode::Crypto when the data
    // keys do not unwrap (another master key).
    static common::Result<std::unique_ptr<MeetingStore>> open(const StoreOptions& options,
                                                              core::KeyProvider& keys);
    ~MeetingStore() override;
    MeetingStore(const MeetingStore&) = delete;
    MeetingStore& operator=(const MeetingStore&) = delete;

    const std::filesystem::path& path() const;
    int schemaVersion() const;

    common::Status saveMailbox(const core::Mailbox& mailbox) override;
    common::Status saveMailboxes(const std::vector<core::Mailbox>& mailboxes) override;
    common::Result<std::vector<core::MeetingChange>> removeMailbox(std::string_view upn) override;
    common::Result<std::optional<core::Mailbox>> mailbox(std::string_view upn) override;
    common::Result<std::vector<core::Mailbox>> listMailboxes() override;
    common::Result<core::SyncCursor> cursor(std::string_view upn) override;
    common::Status saveCursor(std::string_view upn, const core::SyncCursor& cursor) override;

    common::Result<std::vector<core::MeetingChange>> applyDeltaPage(
        std::string_view upn, const core::DeltaPage& page, const core::SyncCursor& next) override;
    common::Result<std::vector<core::MeetingChange>> applyDeltaPages(
        const std::vector<core::PageUpdate>& updates) override;
    common::Result<std::vector<core::MeetingChange>> replaceAll(
        std::string_view upn, const std::vector<core::Meeting>& meetings,
        const core::SyncCursor& next) override;

    common::Result<std::vector<core::Meeting>> meetingsInWindow(std::string_view upn,
                                                                core::UtcSeconds from,
                                                                core::UtcSeconds to) override;
    common::Result<std::optional<core::Meeting>> meeting(std::string_view upn,
                                                         std::string_view id) override;
    common::Result<std::size_t> countMeetings(std::string_view upn, core::UtcSeconds from,
                                              core::UtcSeconds to) override;
    common::Result<std::vector<std::pair<std::string, std::size_t>>> countAllMeetings(
        core::UtcSeconds from, core::UtcSeconds to) override;
    common::Result<std::vector<core::Meeting>> dumpDecrypted(std::string_view upn) override;

    common::Result<std::vector<core::MeetingChange>> pendingChanges(
        std::size_t limit = 1000) override;
    common::Status acknowledgeChanges(std::uint64_t sequence) override;

    // --- keys and maintenance -----------------------------------------------------------
    // Creates a new active data key; older keys stay for reading what they sealed.
    common::Status rotateDataKey();
    struct DataKeyInfo {
        std::string id;        // as in envelopes
        std::string provider;  // KeyProvider::name() that wrapped it
        std::string kek_id;    // the key-encryption key
        core::UtcSeconds created{};
        bool active = false;
    };
    // For `calconnctl keys status`: every data key, oldest first. No key material.
    common::Result<std::vector<DataKeyInfo>> listDataKeys();
    std::string activeDataKeyId() const;
    // Checkpoints the WAL into the database file and truncates it.
    common::Status checkpoint();

    class Impl;

private:
    explicit MeetingStore(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace calconn::store
