#include "store/SqliteConnection.h"

#include <sqlite3.h>

#include <utility>

namespace calconn::store::sqlite {

using common::ErrorCode;
using common::makeError;

Statement::~Statement() {
    if (stmt_ != nullptr) {
        sqlite3_reset(stmt_);
        sqlite3_clear_bindings(stmt_);
    }
}

Statement::Statement(Statement&& other) noexcept
    : connection_(other.connection_), stmt_(std::exchange(other.stmt_, nullptr)) {}

Statement& Statement::bind(int index, std::int64_t value) {
    sqlite3_bind_int64(stmt_, index, value);
    return *this;
}

Statement& Statement::bind(int index, std::string_view text) {
    sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
    return *this;
}

Statement& Statement::bindBlob(int index, std::span<const std::uint8_t> blob) {
    // A zero-length blob would bind as NULL with a null pointer; give it a valid address.
    static constexpr std::uint8_t kEmpty = 0;
    sqlite3_bind_blob(stmt_, index, blob.empty() ? &kEmpty : blob.data(),
                      static_cast<int>(blob.size()), SQLITE_TRANSIENT);
    return *this;
}

Statement& Statement::bindNull(int index) {
    sqlite3_bind_null(stmt_, index);
    return *this;
}

Statement& Statement::bindOptional(int index, const std::optional<std::int64_t>& value) {
    return value ? bind(index, *value) : bindNull(index);
}

Statement& Statement::bindOptionalBlob(int index,
                                       const std::optional<std::vector<std::uint8_t>>& blob) {
    return blob ? bindBlob(index, *blob) : bindNull(index);
}

common::Result<bool> Statement::step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return connection_->error("statement failed");
}

common::Status Statement::run() {
    for (;;) {
        auto more = step();
        if (!more) return more.error();
        if (!*more) return {};
    }
}

bool Statement::isNull(int column) const {
    return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

std::int64_t Statement::columnInt(int column) const { return sqlite3_column_int64(stmt_, column); }

std::string Statement::columnText(int column) const {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
    const int size = sqlite3_column_bytes(stmt_, column);
    return text == nullptr ? std::string() : std::string(text, static_cast<std::size_t>(size));
}

std::span<const std::uint8_t> Statement::columnBlob(int column) const {
    const auto* data = static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt_, column));
    const int size = sqlite3_column_bytes(stmt_, column);
    if (data == nullptr) return {};
    return {data, static_cast<std::size_t>(size)};
}

std::optional<std::int64_t> Statement::columnOptionalInt(int column) const {
    if (isNull(column)) return std::nullopt;
    return columnInt(column);
}

common::Result<std::unique_ptr<Connection>> Connection::open(const std::filesystem::path& path,
                                                             const Options& options) {
    sqlite3* db = nullptr;
    // NOMUTEX: each connection is used by one thread at a time (the store serialises access).
    const int flags =
        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW;
    const int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
    if (rc != SQLITE_OK) {
        std::string message = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
        sqlite3_close_v2(db);
        return makeError(ErrorCode::Storage, "cannot open database: " + message, path.string());
    }
    std::unique_ptr<Connection> connection(new Connection(db, path));
    sqlite3_extended_result_codes(db, 1);
    sqlite3_busy_timeout(db, options.busy_timeout_ms);
    // WAL: readers never block the writer and vice versa. synchronous=FULL: in WAL mode each
    // COMMIT fsyncs the WAL, so a committed transaction (and the delta link saved in it) also
    // survives power loss and kernel crashes, not only a killed process as NORMAL would
    // guarantee. The cost is one fsync per transaction, which batching a page per transaction
    // keeps small.
    auto mode = connection->queryText("PRAGMA journal_mode=WAL");
    if (!mode) return mode.error();
    if (*mode != "wal") {
        return makeError(ErrorCode::Storage,
                         "database refuses WAL mode (journal_mode=" + *mode + ")", path.string());
    }
    std::string pragmas =
        "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY;";
    if (options.read_only) pragmas += " PRAGMA query_only=ON;";
    if (auto st = connection->exec(pragmas); !st) return st.error();
    return connection;
}

Connection::~Connection() {
    for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
    sqlite3_close_v2(db_);
}

common::Status Connection::exec(std::string_view sql) {
    std::string text(sql);
    char* message = nullptr;
    const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &message);
    if (rc != SQLITE_OK) {
        std::string what = message != nullptr ? message : sqlite3_errstr(rc);
        sqlite3_free(message);
        return makeError(ErrorCode::Storage, "sql failed: " + what, path_.string());
    }
    return {};
}

common::Result<Statement> Connection::prepare(const char* sql) {
    auto it = statements_.find(sql);
    if (it == statements_.end()) {
        sqlite3_stmt* stmt = nullptr;
        const int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
        if (rc != SQLITE_OK) return error("cannot prepare statement");
        it = statements_.emplace(sql, stmt).first;
    }
    return Statement(*this, it->second);
}

common::Result<std::string> Connection::queryText(const char* sql) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql, -1, &stmt, nullptr) != SQLITE_OK)
        return error("cannot prepare query");
    std::string out;
    const int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
        const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
        if (text != nullptr) out = text;
    }
    sqlite3_finalize(stmt);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return error("query failed");
    return out;
}

std::int64_t Connection::changes() const { return sqlite3_changes64(db_); }

std::string Connection::lastError() const { return sqlite3_errmsg(db_); }

common::Error Connection::error(std::string_view what) const {
    return makeError(ErrorCode::Storage, std::string(what) + ": " + lastError(), path_.string());
}

common::Result<Transaction> Transaction::begin(Connection& connection) {
    if (auto st = connection.exec("BEGIN IMMEDIATE"); !st) return st.error();
    return Transaction(connection);
}

Transaction::Transaction(Transaction&& other) noexcept
    : connection_(std::exchange(other.connection_, nullptr)) {}

Transaction::~Transaction() {
    if (connection_ != nullptr) {
        // Best effort: if ROLLBACK itself fails SQLite has already rolled back (or the
        // connection is unusable, which the next statement reports).
        (void)connection_->exec("ROLLBACK");
    }
}

common::Status Transaction::commit() {
    if (connection_ == nullptr)
        return makeError(ErrorCode::Internal, "transaction already finished");
    auto st = connection_->exec("COMMIT");
    if (st) connection_ = nullptr;
    return st;
}

}  // namespace calconn::store::sqlite
