#include "store/MeetingStore.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <map>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <unordered_map>

#include "crypto/AesGcm.h"
#include "crypto/Random.h"
#include "crypto/SecretString.h"
#include "store/FieldCodec.h"
#include "store/Migrations.h"
#include "store/SqliteConnection.h"

namespace calconn::store {

using common::ErrorCode;
using common::makeError;
using common::Result;
using common::Status;
using core::ChangeKind;
using core::Meeting;
using core::MeetingChange;
using sqlite::Connection;
using sqlite::Statement;
using sqlite::Transaction;

namespace {

constexpr std::int64_t kFlagAllDay = 1;
constexpr std::int64_t kFlagCancelled = 2;
constexpr std::int64_t kFlagOnline = 4;

std::int64_t toUnix(core::UtcSeconds t) { return t.time_since_epoch().count(); }
core::UtcSeconds fromUnix(std::int64_t s) { return core::UtcSeconds(std::chrono::seconds(s)); }
std::optional<std::int64_t> toUnix(const std::optional<core::UtcSeconds>& t) {
    if (!t) return std::nullopt;
    return toUnix(*t);
}
std::optional<core::UtcSeconds> fromUnix(const std::optional<std::int64_t>& s) {
    if (!s) return std::nullopt;
    return fromUnix(*s);
}

// Associated data binding an envelope to its column and record; NUL separators keep the
// encoding unambiguous whatever characters a Graph id holds.
std::string associatedData(std::string_view column, std::int64_t record, std::string_view sub_id) {
    std::string aad(column);
    aad.push_back('\0');
    aad += std::to_string(record);
    aad.push_back('\0');
    aad.append(sub_id);
    return aad;
}

struct MailboxRef {
    std::int64_t id = 0;
    std::string upn;
};

struct StoredVersion {
    std::string change_key;
    bool cancelled = false;
};

constexpr const char* kMeetingColumns =
    "graph_id, ical_uid, series_master_id, type, start_utc, end_utc, flags, sensitivity, "
    "show_as, response, change_key, last_modified_utc, subject, body, location, organizer, "
    "attendees, join_url";

}  // namespace

class MeetingStore::Impl {
public:
    Impl(const StoreOptions& options, core::KeyProvider& keys)
        : options_(options),
          keys_(keys),
          clock_(options.clock != nullptr ? options.clock : &system_clock_),
          path_(options.state_directory / options.file_name) {}

    Status open();

    // --- connections
    class ReaderLease {
    public:
        ReaderLease(Impl& impl, std::unique_ptr<Connection> c) : impl_(impl), c_(std::move(c)) {}
        ~ReaderLease() { impl_.releaseReader(std::move(c_)); }
        ReaderLease(const ReaderLease&) = delete;
        ReaderLease& operator=(const ReaderLease&) = delete;
        Connection& operator*() { return *c_; }

    private:
        Impl& impl_;
        std::unique_ptr<Connection> c_;
    };
    ReaderLease acquireReader() {
        std::unique_lock lock(readers_mutex_);
        readers_cv_.wait(lock, [&] { return !idle_readers_.empty(); });
        auto c = std::move(idle_readers_.back());
        idle_readers_.pop_back();
        return ReaderLease(*this, std::move(c));
    }
    void releaseReader(std::unique_ptr<Connection> c) {
        {
            std::lock_guard lock(readers_mutex_);
            idle_readers_.push_back(std::move(c));
        }
        readers_cv_.notify_one();
    }

    // --- keys
    Status loadDataKeys();
    Status createDataKey();
    Result<std::optional<std::vector<std::uint8_t>>> seal(std::string_view plaintext,
                                                          std::string_view column,
                                                          std::int64_t record,
                                                          std::string_view sub_id);
    Result<std::string> unseal(std::span<const std::uint8_t> envelope, std::string_view column,
                               std::int64_t record, std::string_view sub_id) const;

    // --- helpers running on a given connection
    Result<std::optional<MailboxRef>> findMailbox(Connection& c, std::string_view upn);
    Result<MailboxRef> requireMailbox(Connection& c, std::string_view upn);
    Status writeCursor(Connection& c, const MailboxRef& mb, const core::SyncCursor& cursor);
    Result<std::optional<StoredVersion>> storedVersion(Connection& c, const MailboxRef& mb,
                                                       std::string_view id);
    Status writeMeeting(Connection& c, const MailboxRef& mb, const Meeting& m);
    Result<MeetingChange> recordChange(Connection& c, const MailboxRef& mb, ChangeKind kind,
                                       std::string_view id, std::string_view change_key);
    Status upsert(Connection& c, const MailboxRef& mb, const Meeting& m,
                  std::vector<MeetingChange>& out);
    Status remove(Connection& c, const MailboxRef& mb, std::string_view id,
                  std::vector<MeetingChange>& out);
    Status writeMailbox(Connection& c, const core::Mailbox& mailbox);
    Status applyPage(Connection& c, std::string_view upn, const core::DeltaPage& page,
                     const core::SyncCursor& next, std::vector<MeetingChange>& changes);
    Result<Meeting> readMeeting(const Statement& row, const MailboxRef& mb) const;
    Result<std::vector<Meeting>> readMeetings(Statement& stmt, const MailboxRef& mb) const;
    Status fault(std::string_view step) {
        return options_.fault_injection ? options_.fault_injection(step) : Status{};
    }

    StoreOptions options_;
    core::KeyProvider& keys_;
    common::SystemClock system_clock_;
    const common::Clock* clock_;
    std::filesystem::path path_;
    int schema_version_ = 0;

    std::mutex writer_mutex_;  // ONE writer: every write transaction holds this
    std::unique_ptr<Connection> writer_;

    std::mutex readers_mutex_;
    std::condition_variable readers_cv_;
    std::vector<std::unique_ptr<Connection>> idle_readers_;

    mutable std::shared_mutex keys_mutex_;
    std::map<std::string, crypto::SecretString, std::less<>> data_keys_;  // id -> unwrapped key
    std::string active_key_id_;
};

Status MeetingStore::Impl::open() {
    std::error_code ec;
    if (!std::filesystem::is_directory(options_.state_directory, ec)) {
        return makeError(ErrorCode::Io, "state directory does not exist",
                         options_.state_directory.string());
    }
    // Create the file private before SQLite does (it would use 0644 minus the umask); SQLite
    // gives the -wal and -shm files the database file's permissions. Times and ids are clear
    // text, so even with every sensitive column encrypted this is nobody else's business.
    const int fd =
        ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd >= 0) {
        ::close(fd);
    } else if (errno != EEXIST) {
        return makeError(ErrorCode::Io,
                         std::string("cannot create database: ") + std::strerror(errno),
                         path_.string());
    }
    const int busy_ms = static_cast<int>(options_.busy_timeout.count());
    auto writer = Connection::open(path_, {.read_only = false, .busy_timeout_ms = busy_ms});
    if (!writer) return writer.error();
    writer_ = std::move(*writer);
    if (auto st = migrate(*writer_); !st) return st;
    auto version = store::schemaVersion(*writer_);
    if (!version) return version.error();
    schema_version_ = *version;
    if (auto st = loadDataKeys(); !st) return st;
    if (active_key_id_.empty()) {
        if (auto st = createDataKey(); !st) return st;
    }
    for (int i = 0; i < std::max(1, options_.reader_connections); ++i) {
        auto reader = Connection::open(path_, {.read_only = true, .busy_timeout_ms = busy_ms});
        if (!reader) return reader.error();
        idle_readers_.push_back(std::move(*reader));
    }
    return {};
}

Status MeetingStore::Impl::loadDataKeys() {
    auto stmt = writer_->prepare("SELECT id, kek_id, wrapped, active FROM data_keys ORDER BY id");
    if (!stmt) return stmt.error();
    std::unique_lock lock(keys_mutex_);
    for (;;) {
        auto row = stmt->step();
        if (!row) return row.error();
        if (!*row) break;
        const std::string id = std::to_string(stmt->columnInt(0));
        core::WrappedKey wrapped;
        wrapped.kek_id = stmt->columnText(1);
        auto blob = stmt->columnBlob(2);
        wrapped.blob.assign(blob.begin(), blob.end());
        crypto::SecretString key(crypto::kAesKeySize);
        if (auto st = keys_.unwrapKey(id, wrapped, key.bytes()); !st) {
            return makeError(ErrorCode::Crypto,
                             "cannot unwrap data key " + id + ": " + st.error().message,
                             path_.string());
        }
        data_keys_.insert_or_assign(id, std::move(key));
        if (stmt->columnInt(3) != 0) active_key_id_ = id;
    }
    return {};
}

Status MeetingStore::Impl::createDataKey() {
    auto tx = Transaction::begin(*writer_);
    if (!tx) return tx.error();
    std::string id;
    {
        auto insert = writer_->prepare(
            "INSERT INTO data_keys (provider, kek_id, wrapped, created_utc, active) "
            "VALUES (?, '', x'', ?, 0) RETURNING id");
        if (!insert) return insert.error();
        insert->bind(1, keys_.name())
            .bind(2, toUnix(std::chrono::floor<std::chrono::seconds>(clock_->now())));
        auto row = insert->step();
        if (!row) return row.error();
        id = std::to_string(insert->columnInt(0));
        if (auto st = insert->run(); !st) return st;
    }
    crypto::SecretString key(crypto::kAesKeySize);
    if (auto st = crypto::randomBytes(key.bytes()); !st) return st;
    auto wrapped = keys_.wrapKey(id, key.bytes());
    if (!wrapped) return wrapped.error();
    if (auto st = writer_->exec("UPDATE data_keys SET active = 0"); !st) return st;
    auto update =
        writer_->prepare("UPDATE data_keys SET kek_id = ?, wrapped = ?, active = 1 WHERE id = ?");
    if (!update) return update.error();
    update->bind(1, wrapped->kek_id).bindBlob(2, wrapped->blob).bind(3, std::stoll(id));
    if (auto st = update->run(); !st) return st;
    if (auto st = tx->commit(); !st) return st;
    std::unique_lock lock(keys_mutex_);
    data_keys_.insert_or_assign(id, std::move(key));
    active_key_id_ = id;
    return {};
}

Result<std::optional<std::vector<std::uint8_t>>> MeetingStore::Impl::seal(
    std::string_view plaintext, std::string_view column, std::int64_t record,
    std::string_view sub_id) {
    // Empty values are stored as NULL: nothing to hide, nothing to encrypt.
    if (plaintext.empty()) return std::optional<std::vector<std::uint8_t>>();
    std::shared_lock lock(keys_mutex_);
    const auto& key = data_keys_.at(active_key_id_);
    auto sealed = crypto::sealEnvelope(active_key_id_, key.bytes(), crypto::asBytes(plaintext),
                                       crypto::asBytes(associatedData(column, record, sub_id)));
    if (!sealed) return sealed.error();
    return std::optional(std::move(*sealed));
}

Result<std::string> MeetingStore::Impl::unseal(std::span<const std::uint8_t> envelope,
                                               std::string_view column, std::int64_t record,
                                               std::string_view sub_id) const {
    if (envelope.empty()) return std::string();
    auto key_id = crypto::envelopeKeyId(envelope);
    if (!key_id) return key_id.error();
    std::shared_lock lock(keys_mutex_);
    auto it = data_keys_.find(*key_id);
    if (it == data_keys_.end()) {
        return makeError(ErrorCode::Crypto, "unknown data key " + std::string(*key_id),
                         std::string(column));
    }
    auto plain = crypto::openEnvelope(it->second.bytes(), envelope,
                                      crypto::asBytes(associatedData(column, record, sub_id)));
    if (!plain) {
        return makeError(ErrorCode::Crypto,
                         "cannot decrypt " + std::string(column) + ": " + plain.error().message,
                         std::string(sub_id));
    }
    return std::string(plain->view());
}

Result<std::optional<MailboxRef>> MeetingStore::Impl::findMailbox(Connection& c,
                                                                  std::string_view upn) {
    auto stmt = c.prepare("SELECT id, upn FROM mailboxes WHERE upn = ?");
    if (!stmt) return stmt.error();
    stmt->bind(1, upn);
    auto row = stmt->step();
    if (!row) return row.error();
    if (!*row) return std::optional<MailboxRef>();
    return std::optional(MailboxRef{stmt->columnInt(0), stmt->columnText(1)});
}

Result<MailboxRef> MeetingStore::Impl::requireMailbox(Connection& c, std::string_view upn) {
    auto mb = findMailbox(c, upn);
    if (!mb) return mb.error();
    if (!*mb) return makeError(ErrorCode::NotFound, "unknown mailbox", std::string(upn));
    return **mb;
}

Status MeetingStore::Impl::writeCursor(Connection& c, const MailboxRef& mb,
                                       const core::SyncCursor& cursor) {
    auto link = seal(cursor.link, "sync_link", mb.id, {});
    if (!link) return link.error();
    auto stmt = c.prepare(
        "UPDATE mailboxes SET sync_link = ?, sync_link_is_delta = ?, window_start_utc = ?, "
        "window_end_utc = ? WHERE id = ?");
    if (!stmt) return stmt.error();
    stmt->bindOptionalBlob(1, *link)
        .bind(2, std::int64_t{cursor.is_delta_link ? 1 : 0})
        .bindOptional(3, toUnix(cursor.window_start))
        .bindOptional(4, toUnix(cursor.window_end))
        .bind(5, mb.id);
    return stmt->run();
}

Result<std::optional<StoredVersion>> MeetingStore::Impl::storedVersion(Connection& c,
                                                                       const MailboxRef& mb,
                                                                       std::string_view id) {
    auto stmt =
        c.prepare("SELECT change_key, flags FROM meetings WHERE mailbox_id = ? AND graph_id = ?");
    if (!stmt) return stmt.error();
    stmt->bind(1, mb.id).bind(2, id);
    auto row = stmt->step();
    if (!row) return row.error();
    if (!*row) return std::optional<StoredVersion>();
    return std::optional(
        StoredVersion{stmt->columnText(0), (stmt->columnInt(1) & kFlagCancelled) != 0});
}

Status MeetingStore::Impl::writeMeeting(Connection& c, const MailboxRef& mb, const Meeting& m) {
    struct Sealed {
        const char* column;
        std::string plaintext;
    };
    Sealed fields[] = {
        {"subject", m.subject},
        {"body", m.body.content.empty() ? std::string() : codec::encodeBody(m.body)},
        {"location", m.location == core::Location{} && m.locations.empty()
                         ? std::string()
                         : codec::encodeLocations(m.location, m.locations)},
        {"organizer",
         m.organizer == core::EmailAddress{} ? std::string() : codec::encodeOrganizer(m.organizer)},
        {"attendees", m.attendees.empty() ? std::string() : codec::encodeAttendees(m.attendees)},
        {"join_url", m.online_meeting_join_url},
    };
    std::optional<std::vector<std::uint8_t>> blobs[std::size(fields)];
    for (std::size_t i = 0; i < std::size(fields); ++i) {
        auto sealed = seal(fields[i].plaintext, fields[i].column, mb.id, m.id);
        if (!sealed) return sealed.error();
        blobs[i] = std::move(*sealed);
    }
    std::int64_t flags = 0;
    if (m.is_all_day) flags |= kFlagAllDay;
    if (m.is_cancelled) flags |= kFlagCancelled;
    if (m.is_online_meeting) flags |= kFlagOnline;
    auto stmt = c.prepare(
        "INSERT INTO meetings (mailbox_id, graph_id, ical_uid, series_master_id, type, "
        "start_utc, end_utc, flags, sensitivity, show_as, response, change_key, last_modified_utc, "
        "subject, body, location, organizer, attendees, join_url) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (mailbox_id, graph_id) DO UPDATE SET ical_uid = excluded.ical_uid, "
        "series_master_id = excluded.series_master_id, type = excluded.type, "
        "start_utc = excluded.start_utc, end_utc = excluded.end_utc, flags = excluded.flags, "
        "sensitivity = excluded.sensitivity, show_as = excluded.show_as, "
        "response = excluded.response, change_key = excluded.change_key, "
        "last_modified_utc = excluded.last_modified_utc, subject = excluded.subject, "
        "body = excluded.body, location = excluded.location, organizer = excluded.organizer, "
        "attendees = excluded.attendees, join_url = excluded.join_url");
    if (!stmt) return stmt.error();
    stmt->bind(1, mb.id)
        .bind(2, m.id)
        .bind(3, m.ical_uid)
        .bind(4, m.series_master_id)
        .bind(5, core::meetingTypeName(m.type))
        .bind(6, toUnix(m.start))
        .bind(7, toUnix(m.end))
        .bind(8, flags)
        .bind(9, core::sensitivityName(m.sensitivity))
        .bind(10, core::showAsName(m.show_as))
        .bind(11, core::responseTypeName(m.response))
        .bind(12, m.change_key)
        .bindOptional(13, toUnix(m.last_modified));
    for (std::size_t i = 0; i < std::size(blobs); ++i) {
        stmt->bindOptionalBlob(static_cast<int>(14 + i), blobs[i]);
    }
    return stmt->run();
}

Result<MeetingChange> MeetingStore::Impl::recordChange(Connection& c, const MailboxRef& mb,
                                                       ChangeKind kind, std::string_view id,
                                                       std::string_view change_key) {
    auto stmt = c.prepare(
        "INSERT INTO change_outbox (mailbox, graph_id, kind, change_key, created_utc) "
        "VALUES (?, ?, ?, ?, ?) RETURNING seq");
    if (!stmt) return stmt.error();
    stmt->bind(1, mb.upn)
        .bind(2, id)
        .bind(3, core::changeKindName(kind))
        .bind(4, change_key)
        .bind(5, toUnix(std::chrono::floor<std::chrono::seconds>(clock_->now())));
    auto row = stmt->step();
    if (!row) return row.error();
    if (!*row) return makeError(ErrorCode::Storage, "outbox insert returned no sequence");
    MeetingChange change{static_cast<std::uint64_t>(stmt->columnInt(0)), kind, mb.upn,
                         std::string(id), std::string(change_key)};
    if (auto st = stmt->run(); !st) return st.error();
    return change;
}

Status MeetingStore::Impl::upsert(Connection& c, const MailboxRef& mb, const Meeting& m,
                                  std::vector<MeetingChange>& out) {
    if (m.id.empty()) return makeError(ErrorCode::InvalidArgument, "meeting without id", mb.upn);
    if (m.end < m.start)
        return makeError(ErrorCode::InvalidArgument, "meeting ends before it starts", m.id);
    auto stored = storedVersion(c, mb, m.id);
    if (!stored) return stored.error();
    ChangeKind kind = ChangeKind::Added;
    if (*stored) {
        const StoredVersion& old = **stored;
        if (!m.change_key.empty()) {
            if (old.change_key == m.change_key) return {};  // a replay: already applied
        } else {
            // No version stamp: compare content so a replay still yields nothing.
            auto stmt = c.prepare(
                "SELECT graph_id, ical_uid, series_master_id, type, start_utc, end_utc, flags, "
                "sensitivity, show_as, response, change_key, last_modified_utc, subject, body, "
                "location, organizer, attendees, join_url FROM meetings "
                "WHERE mailbox_id = ? AND graph_id = ?");
            if (!stmt) return stmt.error();
            stmt->bind(1, mb.id).bind(2, m.id);
            auto row = stmt->step();
            if (!row) return row.error();
            if (*row) {
                auto current = readMeeting(*stmt, mb);
                if (!current) return current.error();
                Meeting incoming = m;
                incoming.mailbox = mb.upn;
                if (*current == incoming) return {};
            }
        }
        kind = (!old.cancelled && m.is_cancelled) ? ChangeKind::Cancelled : ChangeKind::Changed;
    }
    if (auto st = writeMeeting(c, mb, m); !st) return st;
    auto change = recordChange(c, mb, kind, m.id, m.change_key);
    if (!change) return change.error();
    out.push_back(std::move(*change));
    return {};
}

Status MeetingStore::Impl::remove(Connection& c, const MailboxRef& mb, std::string_view id,
                                  std::vector<MeetingChange>& out) {
    auto stored = storedVersion(c, mb, id);
    if (!stored) return stored.error();
    if (!*stored) return {};  // unknown or already removed: a replay, or out of our window
    auto stmt = c.prepare("DELETE FROM meetings WHERE mailbox_id = ? AND graph_id = ?");
    if (!stmt) return stmt.error();
    stmt->bind(1, mb.id).bind(2, id);
    if (auto st = stmt->run(); !st) return st;
    auto change = recordChange(c, mb, ChangeKind::Removed, id, (*stored)->change_key);
    if (!change) return change.error();
    out.push_back(std::move(*change));
    return {};
}

Result<Meeting> MeetingStore::Impl::readMeeting(const Statement& row, const MailboxRef& mb) const {
    Meeting m;
    m.mailbox = mb.upn;
    m.id = row.columnText(0);
    m.ical_uid = row.columnText(1);
    m.series_master_id = row.columnText(2);
    auto type = core::parseMeetingType(row.columnText(3));
    auto sensitivity = core::parseSensitivity(row.columnText(7));
    auto show_as = core::parseShowAs(row.columnText(8));
    auto response = core::parseResponseType(row.columnText(9));
    if (!type || !sensitivity || !show_as || !response) {
        return makeError(ErrorCode::Storage, "meeting row with an unknown enum value", m.id);
    }
    m.type = *type;
    m.sensitivity = *sensitivity;
    m.show_as = *show_as;
    m.response = *response;
    m.start = fromUnix(row.columnInt(4));
    m.end = fromUnix(row.columnInt(5));
    const std::int64_t flags = row.columnInt(6);
    m.is_all_day = (flags & kFlagAllDay) != 0;
    m.is_cancelled = (flags & kFlagCancelled) != 0;
    m.is_online_meeting = (flags & kFlagOnline) != 0;
    m.change_key = row.columnText(10);
    m.last_modified = fromUnix(row.columnOptionalInt(11));

    auto field = [&](int column, std::string_view name) {
        return unseal(row.columnBlob(column), name, mb.id, m.id);
    };
    auto subject = field(12, "subject");
    if (!subject) return subject.error();
    m.subject = std::move(*subject);
    auto body = field(13, "body");
    if (!body) return body.error();
    if (!body->empty()) {
        auto decoded = codec::decodeBody(*body);
        if (!decoded) return decoded.error();
        m.body = std::move(*decoded);
    }
    auto location = field(14, "location");
    if (!location) return location.error();
    if (!location->empty()) {
        if (auto st = codec::decodeLocations(*location, m.location, m.locations); !st)
            return st.error();
    }
    auto organizer = field(15, "organizer");
    if (!organizer) return organizer.error();
    if (!organizer->empty()) {
        auto decoded = codec::decodeOrganizer(*organizer);
        if (!decoded) return decoded.error();
        m.organizer = std::move(*decoded);
    }
    auto attendees = field(16, "attendees");
    if (!attendees) return attendees.error();
    if (!attendees->empty()) {
        auto decoded = codec::decodeAttendees(*attendees);
        if (!decoded) return decoded.error();
        m.attendees = std::move(*decoded);
    }
    auto join_url = field(17, "join_url");
    if (!join_url) return join_url.error();
    m.online_meeting_join_url = std::move(*join_url);
    return m;
}

Result<std::vector<Meeting>> MeetingStore::Impl::readMeetings(Statement& stmt,
                                                              const MailboxRef& mb) const {
    std::vector<Meeting> out;
    for (;;) {
        auto row = stmt.step();
        if (!row) return row.error();
        if (!*row) return out;
        auto m = readMeeting(stmt, mb);
        if (!m) return m.error();
        out.push_back(std::move(*m));
    }
}

// ---------------------------------------------------------------------------------------------

MeetingStore::MeetingStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
MeetingStore::~MeetingStore() = default;

Result<std::unique_ptr<MeetingStore>> MeetingStore::open(const StoreOptions& options,
                                                         core::KeyProvider& keys) {
    auto impl = std::make_unique<Impl>(options, keys);
    if (auto st = impl->open(); !st) return st.error();
    return std::unique_ptr<MeetingStore>(new MeetingStore(std::move(impl)));
}

const std::filesystem::path& MeetingStore::path() const { return impl_->path_; }
int MeetingStore::schemaVersion() const { return impl_->schema_version_; }

Status MeetingStore::Impl::writeMailbox(Connection& c, const core::Mailbox& mailbox) {
    if (mailbox.upn.empty()) return makeError(ErrorCode::InvalidArgument, "mailbox without upn");
    auto stmt = c.prepare(
        "INSERT INTO mailboxes (upn, graph_id, kind, state, error_reason, error_message, "
        "last_sync_utc) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (upn) DO UPDATE SET graph_id = "
        "excluded.graph_id, "
        "kind = excluded.kind, state = excluded.state, error_reason = excluded.error_reason, "
        "error_message = excluded.error_message, last_sync_utc = excluded.last_sync_utc");
    if (!stmt) return stmt.error();
    stmt->bind(1, mailbox.upn)
        .bind(2, mailbox.graph_id)
        .bind(3, core::mailboxKindName(mailbox.kind))
        .bind(4, core::mailboxStateName(mailbox.state))
        .bind(5, core::mailboxErrorReasonName(mailbox.error_reason))
        .bind(6, mailbox.error_message)
        .bindOptional(7, toUnix(mailbox.last_sync));
    return stmt->run();
}

Status MeetingStore::saveMailbox(const core::Mailbox& mailbox) {
    std::lock_guard lock(impl_->writer_mutex_);
    return impl_->writeMailbox(*impl_->writer_, mailbox);
}

Status MeetingStore::saveMailboxes(const std::vector<core::Mailbox>& mailboxes) {
    std::lock_guard lock(impl_->writer_mutex_);
    Connection& c = *impl_->writer_;
    auto tx = Transaction::begin(c);
    if (!tx) return tx.error();
    for (const auto& mailbox : mailboxes) {
        if (auto st = impl_->writeMailbox(c, mailbox); !st) return st;
    }
    return tx->commit();
}

Result<std::vector<MeetingChange>> MeetingStore::removeMailbox(std::string_view upn) {
    std::lock_guard lock(impl_->writer_mutex_);
    Connection& c = *impl_->writer_;
    auto tx = Transaction::begin(c);
    if (!tx) return tx.error();
    auto mb = impl_->requireMailbox(c, upn);
    if (!mb) return mb.error();
    std::vector<std::pair<std::string, std::string>> ids;
    {
        auto stmt = c.prepare(
            "SELECT graph_id, change_key FROM meetings WHERE mailbox_id = ? ORDER BY graph_id");
        if (!stmt) return stmt.error();
        stmt->bind(1, mb->id);
        for (;;) {
            auto row = stmt->step();
            if (!row) return row.error();
            if (!*row) break;
            ids.emplace_back(stmt->columnText(0), stmt->columnText(1));
        }
    }
    std::vector<MeetingChange> changes;
    for (const auto& [id, change_key] : ids) {
        auto change = impl_->recordChange(c, *mb, ChangeKind::Removed, id, change_key);
        if (!change) return change.error();
        changes.push_back(std::move(*change));
    }
    auto del = c.prepare("DELETE FROM mailboxes WHERE id = ?");  // meetings go by ON DELETE CASCADE
    if (!del) return del.error();
    del->bind(1, mb->id);
    if (auto st = del->run(); !st) return st.error();
    if (auto st = tx->commit(); !st) return st.error();
    return changes;
}

namespace {

Result<core::Mailbox> readMailbox(const Statement& row) {
    core::Mailbox m;
    m.upn = row.columnText(0);
    m.graph_id = row.columnText(1);
    auto kind = core::parseMailboxKind(row.columnText(2));
    auto state = core::parseMailboxState(row.columnText(3));
    auto reason = core::parseMailboxErrorReason(row.columnText(4));
    if (!kind || !state || !reason)
        return makeError(ErrorCode::Storage, "mailbox row with an unknown enum value", m.upn);
    m.kind = *kind;
    m.state = *state;
    m.error_reason = *reason;
    m.error_message = row.columnText(5);
    m.last_sync = fromUnix(row.columnOptionalInt(6));
    return m;
}

constexpr const char* kMailboxSelect =
    "SELECT upn, graph_id, kind, state, error_reason, error_message, last_sync_utc FROM mailboxes";

}  // namespace

Result<std::optional<core::Mailbox>> MeetingStore::mailbox(std::string_view upn) {
    auto reader = impl_->acquireReader();
    auto stmt = (*reader).prepare(
        "SELECT upn, graph_id, kind, state, error_reason, error_message, last_sync_utc FROM "
        "mailboxes "
        "WHERE upn = ?");
    if (!stmt) return stmt.error();
    stmt->bind(1, upn);
    auto row = stmt->step();
    if (!row) return row.error();
    if (!*row) return std::optional<core::Mailbox>();
    auto m = readMailbox(*stmt);
    if (!m) return m.error();
    return std::optional(std::move(*m));
}

Result<std::vector<core::Mailbox>> MeetingStore::listMailboxes() {
    auto reader = impl_->acquireReader();
    static const std::string sql = std::string(kMailboxSelect) + " ORDER BY upn";
    auto stmt = (*reader).prepare(sql.c_str());
    if (!stmt) return stmt.error();
    std::vector<core::Mailbox> out;
    for (;;) {
        auto row = stmt->step();
        if (!row) return row.error();
        if (!*row) return out;
        auto m = readMailbox(*stmt);
        if (!m) return m.error();
        out.push_back(std::move(*m));
    }
}

Result<core::SyncCursor> MeetingStore::cursor(std::string_view upn) {
    auto reader = impl_->acquireReader();
    auto stmt = (*reader).prepare(
        "SELECT id, sync_link, sync_link_is_delta, window_start_utc, window_end_utc FROM mailboxes "
        "WHERE upn = ?");
    if (!stmt) return stmt.error();
    stmt->bind(1, upn);
    auto row = stmt->step();
    if (!row) return row.error();
    if (!*row) return makeError(ErrorCode::NotFound, "unknown mailbox", std::string(upn));
    core::SyncCursor cursor;
    auto link = impl_->unseal(stmt->columnBlob(1), "sync_link", stmt->columnInt(0), {});
    if (!link) return link.error();
    cursor.link = std::move(*link);
    cursor.is_delta_link = stmt->columnInt(2) != 0;
    cursor.window_start = fromUnix(stmt->columnOptionalInt(3));
    cursor.window_end = fromUnix(stmt->columnOptionalInt(4));
    return cursor;
}

Status MeetingStore::saveCursor(std::string_view upn, const core::SyncCursor& cursor) {
    std::lock_guard lock(impl_->writer_mutex_);
    Connection& c = *impl_->writer_;
    auto mb = impl_->requireMailbox(c, upn);
    if (!mb) return mb.error();
    return impl_->writeCursor(c, *mb, cursor);
}

Status MeetingStore::Impl::applyPage(Connection& c, std::string_view upn,
                                     const core::DeltaPage& page, const core::SyncCursor& next,
                                     std::vector<MeetingChange>& changes) {
    auto mb = requireMailbox(c, upn);
    if (!mb) return mb.error();
    for (const auto& m : page.upserts) {
        if (auto st = upsert(c, *mb, m, changes); !st) return st;
    }
    for (const auto& id : page.removals) {
        if (auto st = remove(c, *mb, id, changes); !st) return st;
    }
    if (auto st = fault("page_applied"); !st) return st;
    return writeCursor(c, *mb, next);
}

Result<std::vector<MeetingChange>> MeetingStore::applyDeltaPage(std::string_view upn,
                                                                const core::DeltaPage& page,
                                                                const core::SyncCursor& next) {
    std::lock_guard lock(impl_->writer_mutex_);
    Connection& c = *impl_->writer_;
    auto tx = Transaction::begin(c);
    if (!tx) return tx.error();
    std::vector<MeetingChange> changes;
    if (auto st = impl_->applyPage(c, upn, page, next, changes); !st) return st.error();
    if (auto st = impl_->fault("before_commit"); !st) return st.error();
    if (auto st = tx->commit(); !st) return st.error();
    return changes;
}

Result<std::vector<MeetingChange>> MeetingStore::applyDeltaPages(
    const std::vector<core::PageUpdate>& updates) {
    std::lock_guard lock(impl_->writer_mutex_);
    Connection& c = *impl_->writer_;
    auto tx = Transaction::begin(c);
    if (!tx) return tx.error();
    std::vector<MeetingChange> changes;
    for (const auto& update : updates) {
        if (auto st = impl_->applyPage(c, update.upn, update.page, update.next, changes); !st)
            return st.error();
    }
    if (auto st = impl_->fault("before_commit"); !st) return st.error();
    if (auto st = tx->commit(); !st) return st.error();
    return changes;
}

Result<std::vector<MeetingChange>> MeetingStore::replaceAll(std::string_view upn,
                                                            const std::vector<Meeting>& meetings,
                                                            const core::SyncCursor& next) {
    std::lock_guard lock(impl_->writer_mutex_);
    Connection& c = *impl_->writer_;
    auto tx = Transaction::begin(c);
    if (!tx) return tx.error();
    auto mb = impl_->requireMailbox(c, upn);
    if (!mb) return mb.error();
    std::set<std::string, std::less<>> existing;
    {
        auto stmt = c.prepare("SELECT graph_id FROM meetings WHERE mailbox_id = ?");
        if (!stmt) return stmt.error();
        stmt->bind(1, mb->id);
        for (;;) {
            auto row = stmt->step();
            if (!row) return row.error();
            if (!*row) break;
            existing.insert(stmt->columnText(0));
        }
    }
    std::vector<MeetingChange> changes;
    for (const auto& m : meetings) {
        if (auto st = impl_->upsert(c, *mb, m, changes); !st) return st.error();
        existing.erase(m.id);
    }
    for (const auto& id : existing) {  // what vanished from Graph
        if (auto st = impl_->remove(c, *mb, id, changes); !st) return st.error();
    }
    if (auto st = impl_->fault("page_applied"); !st) return st.error();
    if (auto st = impl_->writeCursor(c, *mb, next); !st) return st.error();
    if (auto st = impl_->fault("before_commit"); !st) return st.error();
    if (auto st = tx->commit(); !st) return st.error();
    return changes;
}

Result<std::vector<Meeting>> MeetingStore::meetingsInWindow(std::string_view upn,
                                                            core::UtcSeconds from,
                                                            core::UtcSeconds to) {
    auto reader = impl_->acquireReader();
    Connection& c = *reader;
    auto mb = impl_->requireMailbox(c, upn);
    if (!mb) return mb.error();
    static const std::string sql =
        std::string("SELECT ") + kMeetingColumns +
        " FROM meetings WHERE mailbox_id = ?1 AND type != 'seriesMaster' "
        "AND start_utc < ?3 AND (end_utc > ?2 OR (end_utc = start_utc AND "
        "start_utc >= ?2)) ORDER BY start_utc, graph_id";
    auto stmt = c.prepare(sql.c_str());
    if (!stmt) return stmt.error();
    stmt->bind(1, mb->id).bind(2, toUnix(from)).bind(3, toUnix(to));
    return impl_->readMeetings(*stmt, *mb);
}

Result<std::optional<Meeting>> MeetingStore::meeting(std::string_view upn, std::string_view id) {
    auto reader = impl_->acquireReader();
    Connection& c = *reader;
    auto mb = impl_->requireMailbox(c, upn);
    if (!mb) return mb.error();
    static const std::string sql = std::string("SELECT ") + kMeetingColumns +
                                   " FROM meetings WHERE mailbox_id = ? AND graph_id = ?";
    auto stmt = c.prepare(sql.c_str());
    if (!stmt) return stmt.error();
    stmt->bind(1, mb->id).bind(2, id);
    auto all = impl_->readMeetings(*stmt, *mb);
    if (!all) return all.error();
    if (all->empty()) return std::optional<Meeting>();
    return std::optional(std::move(all->front()));
}

Result<std::size_t> MeetingStore::countMeetings(std::string_view upn, core::UtcSeconds from,
                                                core::UtcSeconds to) {
    auto reader = impl_->acquireReader();
    Connection& c = *reader;
    auto mb = impl_->requireMailbox(c, upn);
    if (!mb) return mb.error();
    auto stmt = c.prepare(
        "SELECT count(*) FROM meetings WHERE mailbox_id = ?1 AND type != 'seriesMaster' "
        "AND start_utc < ?3 AND (end_utc > ?2 OR (end_utc = start_utc AND start_utc >= ?2))");
    if (!stmt) return stmt.error();
    stmt->bind(1, mb->id).bind(2, toUnix(from)).bind(3, toUnix(to));
    auto row = stmt->step();
    if (!row) return row.error();
    return static_cast<std::size_t>(stmt->columnInt(0));
}

Result<std::vector<std::pair<std::string, std::size_t>>> MeetingStore::countAllMeetings(
    core::UtcSeconds from, core::UtcSeconds to) {
    auto reader = impl_->acquireReader();
    auto stmt = (*reader).prepare(
        "SELECT mb.upn, count(m.graph_id) FROM mailboxes mb LEFT JOIN meetings m "
        "ON m.mailbox_id = mb.id AND m.type != 'seriesMaster' AND m.start_utc < ?2 "
        "AND (m.end_utc > ?1 OR (m.end_utc = m.start_utc AND m.start_utc >= ?1)) "
        "GROUP BY mb.id ORDER BY mb.upn");
    if (!stmt) return stmt.error();
    stmt->bind(1, toUnix(from)).bind(2, toUnix(to));
    std::vector<std::pair<std::string, std::size_t>> out;
    for (;;) {
        auto row = stmt->step();
        if (!row) return row.error();
        if (!*row) return out;
        out.emplace_back(stmt->columnText(0), static_cast<std::size_t>(stmt->columnInt(1)));
    }
}

Result<std::vector<Meeting>> MeetingStore::dumpDecrypted(std::string_view upn) {
    auto reader = impl_->acquireReader();
    Connection& c = *reader;
    auto mb = impl_->requireMailbox(c, upn);
    if (!mb) return mb.error();
    static const std::string sql = std::string("SELECT ") + kMeetingColumns +
                                   " FROM meetings WHERE mailbox_id = ? ORDER BY graph_id";
    auto stmt = c.prepare(sql.c_str());
    if (!stmt) return stmt.error();
    stmt->bind(1, mb->id);
    return impl_->readMeetings(*stmt, *mb);
}

Result<std::vector<MeetingChange>> MeetingStore::pendingChanges(std::size_t limit) {
    auto reader = impl_->acquireReader();
    auto stmt = (*reader).prepare(
        "SELECT seq, kind, mailbox, graph_id, change_key FROM change_outbox ORDER BY seq LIMIT ?");
    if (!stmt) return stmt.error();
    stmt->bind(1, static_cast<std::int64_t>(limit));
    std::vector<MeetingChange> out;
    for (;;) {
        auto row = stmt->step();
        if (!row) return row.error();
        if (!*row) return out;
        MeetingChange change;
        change.sequence = static_cast<std::uint64_t>(stmt->columnInt(0));
        const std::string kind = stmt->columnText(1);
        if (kind == "added")
            change.kind = ChangeKind::Added;
        else if (kind == "changed")
            change.kind = ChangeKind::Changed;
        else if (kind == "cancelled")
            change.kind = ChangeKind::Cancelled;
        else if (kind == "removed")
            change.kind = ChangeKind::Removed;
        else
            return makeError(ErrorCode::Storage, "outbox row with unknown kind", kind);
        change.mailbox = stmt->columnText(2);
        change.meeting_id = stmt->columnText(3);
        change.change_key = stmt->columnText(4);
        out.push_back(std::move(change));
    }
}

Status MeetingStore::acknowledgeChanges(std::uint64_t sequence) {
    std::lock_guard lock(impl_->writer_mutex_);
    auto stmt = impl_->writer_->prepare("DELETE FROM change_outbox WHERE seq <= ?");
    if (!stmt) return stmt.error();
    stmt->bind(1, static_cast<std::int64_t>(sequence));
    return stmt->run();
}

Status MeetingStore::rotateDataKey() {
    std::lock_guard lock(impl_->writer_mutex_);
    return impl_->createDataKey();
}

Result<std::vector<MeetingStore::DataKeyInfo>> MeetingStore::listDataKeys() {
    auto reader = impl_->acquireReader();
    auto stmt = (*reader).prepare(
        "SELECT id, provider, kek_id, created_utc, active FROM data_keys ORDER BY id");
    if (!stmt) return stmt.error();
    std::vector<DataKeyInfo> out;
    for (;;) {
        auto row = stmt->step();
        if (!row) return row.error();
        if (!*row) return out;
        out.push_back(DataKeyInfo{std::to_string(stmt->columnInt(0)), stmt->columnText(1),
                                  stmt->columnText(2), fromUnix(stmt->columnInt(3)),
                                  stmt->columnInt(4) != 0});
    }
}

std::string MeetingStore::activeDataKeyId() const {
    std::shared_lock lock(impl_->keys_mutex_);
    return impl_->active_key_id_;
}

Status MeetingStore::checkpoint() {
    std::lock_guard lock(impl_->writer_mutex_);
    auto result = impl_->writer_->queryText("PRAGMA wal_checkpoint(TRUNCATE)");
    if (!result) return result.error();
    return {};
}

}  // namespace calconn::store
