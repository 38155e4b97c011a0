// Private to the store module: thin RAII over the SQLite C API (connection, cached prepared
// statements, transactions) that turns SQLite errors into ErrorCode::Storage at this edge.
// Only forward declarations of SQLite's types appear here; nothing outside daemon/store
// includes this header.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/Result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace calconn::store::sqlite {

class Connection;

// A cached prepared statement in use: bind, step, read; reset (bindings cleared) when it goes
// out of scope so the next user finds it clean.
class Statement {
public:
    Statement(Connection& connection, sqlite3_stmt* stmt) : connection_(&connection), stmt_(stmt) {}
    ~Statement();
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    Statement(Statement&& other) noexcept;
    Statement& operator=(Statement&&) = delete;

    // Parameters are 1-based, like SQLite's. Text and blobs are copied (SQLITE_TRANSIENT)
    // unless the caller guarantees lifetime until step(): bindStatic does not copy.
    Statement& bind(int index, std::int64_t value);
    Statement& bind(int index, std::string_view text);
    Statement& bindBlob(int index, std::span<const std::uint8_t> blob);
    Statement& bindNull(int index);
    Statement& bindOptional(int index, const std::optional<std::int64_t>& value);
    Statement& bindOptionalBlob(int index, const std::optional<std::vector<std::uint8_t>>& blob);

    // true: a row is available; false: done.
    common::Result<bool> step();
    // Runs to completion (for statements that return no rows).
    common::Status run();

    bool isNull(int column) const;
    std::int64_t columnInt(int column) const;
    std::string columnText(int column) const;
    std::span<const std::uint8_t> columnBlob(int column) const;  // valid until the next step
    std::optional<std::int64_t> columnOptionalInt(int column) const;

private:
    Connection* connection_;
    sqlite3_stmt* stmt_;
};

class Connection {
public:
    struct Options {
        bool read_only = false;  // query_only: a reader connection can never write by mistake
        int busy_timeout_ms = 5000;
    };

    static common::Result<std::unique_ptr<Connection>> open(const std::filesystem::path& path,
                                                            const Options& options);
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    // Executes one or more statements without results (DDL, pragmas, BEGIN/COMMIT).
    common::Status exec(std::string_view sql);
    // A statement from this connection's cache; prepared once, reused ever after.
    common::Result<Statement> prepare(const char* sql);
    // The single text value of a one-row query (pragmas).
    common::Result<std::string> queryText(const char* sql);

    std::int64_t changes() const;
    std::string lastError() const;
    common::Error error(std::string_view what) const;

private:
    explicit Connection(sqlite3* db, std::filesystem::path path)
        : db_(db), path_(std::move(path)) {}

    sqlite3* db_;
    std::filesystem::path path_;
    std::unordered_map<std::string, sqlite3_stmt*> statements_;
};

// BEGIN IMMEDIATE on construction (takes the write lock up front, so a transaction never fails
// half-way with SQLITE_BUSY on its first write); ROLLBACK on destruction unless committed.
class Transaction {
public:
    static common::Result<Transaction> begin(Connection& connection);
    ~Transaction();
    Transaction(Transaction&& other) noexcept;
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    Transaction& operator=(Transaction&&) = delete;

    common::Status commit();

private:
    explicit Transaction(Connection& connection) : connection_(&connection) {}
    Connection* connection_;
};

}  // namespace calconn::store::sqlite
