#include "store/Migrations.h"

#include <array>
#include <string>

namespace calconn::store {
namespace {

using common::ErrorCode;
using common::makeError;

// Columns holding meeting text (subject, body, location, organizer, attendees, join_url) and the
// sync link are AES-256-GCM envelopes (crypto/AesGcm.h) under a data key from data_keys; the
// associated data names the record and the column, so a blob cannot be moved elsewhere.
// Times are Unix seconds (UTC). Enums are stored by their stable names (core/Names.cpp).
constexpr std::array<const char*, 1> kMigrations{{
    // 1: initial schema
    R"sql(
CREATE TABLE data_keys (
    id          INTEGER PRIMARY KEY,
    provider    TEXT    NOT NULL,          -- KeyProvider::name()
    kek_id      TEXT    NOT NULL,          -- which key-encryption key wrapped it
    wrapped     BLOB    NOT NULL,
    created_utc INTEGER NOT NULL,
    active      INTEGER NOT NULL DEFAULT 0 -- exactly one active key seals new data
);
CREATE TABLE mailboxes (
    id                 INTEGER PRIMARY KEY,
    upn                TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    graph_id           TEXT    NOT NULL DEFAULT '',
    kind               TEXT    NOT NULL,
    state              TEXT    NOT NULL DEFAULT 'pending',
    error_reason       TEXT    NOT NULL DEFAULT '',
    error_message      TEXT    NOT NULL DEFAULT '',
    last_sync_utc      INTEGER,
    sync_link          BLOB,                       -- encrypted nextLink or deltaLink
    sync_link_is_delta INTEGER NOT NULL DEFAULT 0,
    window_start_utc   INTEGER,
    window_end_utc     INTEGER
);
CREATE TABLE meetings (
    id                INTEGER PRIMARY KEY,  -- rows carry kilobytes of ciphertext: keep a rowid table
    mailbox_id        INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
    graph_id          TEXT    NOT NULL,
    ical_uid          TEXT    NOT NULL DEFAULT '',
    series_master_id  TEXT    NOT NULL DEFAULT '',
    type              TEXT    NOT NULL,
    start_utc         INTEGER NOT NULL,
    end_utc           INTEGER NOT NULL,
    flags             INTEGER NOT NULL DEFAULT 0, -- 1 all day, 2 cancelled, 4 online meeting
    sensitivity       TEXT    NOT NULL,
    show_as           TEXT    NOT NULL,
    response          TEXT    NOT NULL,
    change_key        TEXT    NOT NULL DEFAULT '',
    last_modified_utc INTEGER,
    subject           BLOB,
    body              BLOB,
    location          BLOB,
    organizer         BLOB,
    attendees         BLOB,
    join_url          BLOB,
    UNIQUE (mailbox_id, graph_id)
);
CREATE INDEX meetings_by_start ON meetings (mailbox_id, start_utc);
CREATE TABLE change_outbox (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    mailbox     TEXT    NOT NULL,
    graph_id    TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    change_key  TEXT    NOT NULL,
    created_utc INTEGER NOT NULL
);
)sql",
}};

}  // namespace

int latestSchemaVersion() { return static_cast<int>(kMigrations.size()); }

common::Result<int> schemaVersion(sqlite::Connection& connection) {
    auto exists = connection.queryText(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'");
    if (!exists) return exists.error();
    if (*exists == "0") return 0;
    auto version = connection.queryText("SELECT max(version) FROM schema_version");
    if (!version) return version.error();
    return version->empty() ? 0 : std::stoi(*version);
}

common::Status migrate(sqlite::Connection& connection) {
    for (;;) {
        auto tx = sqlite::Transaction::begin(connection);
        if (!tx) return tx.error();
        // Read inside the write transaction: two processes opening the same file at once
        // cannot both apply the same migration.
        if (auto st = connection.exec(
                "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
            !st) {
            return st;
        }
        auto current = schemaVersion(connection);
        if (!current) return current.error();
        if (*current > latestSchemaVersion()) {
            return makeError(ErrorCode::Storage, "database schema version " +
                                                     std::to_string(*current) +
                                                     " is newer than this calconnd supports (" +
                                                     std::to_string(latestSchemaVersion()) +
                                                     "); run a newer calconnd or restore a backup");
        }
        if (*current == latestSchemaVersion()) return tx->commit();
        const int next = *current + 1;
        if (auto st = connection.exec(kMigrations[static_cast<std::size_t>(next - 1)]); !st) {
            return makeError(ErrorCode::Storage, "migration " + std::to_string(next) +
                                                     " failed: " + st.error().message);
        }
        if (auto st =
                connection.exec("DELETE FROM schema_version; INSERT INTO schema_version VALUES (" +
                                std::to_string(next) + ")");
            !st) {
            return st;
        }
        if (auto st = tx->commit(); !st) return st;
    }
}

}  // namespace calconn::store
