// Private to the store module: the schema, as an ordered list of migrations. A migration is
// never edited once released; a change is a new migration appended at the end.
#pragma once

#include "common/Result.h"
#include "store/SqliteConnection.h"

namespace calconn::store {

int latestSchemaVersion();

// Applies every migration newer than the database's schema_version, each in its own
// transaction, in order. Refuses (ErrorCode::Storage) a database whose version is newer than
// this code knows: running old code on it could corrupt data it does not understand.
common::Status migrate(sqlite::Connection& connection);

// The database's current schema version (0 for an empty database).
common::Result<int> schemaVersion(sqlite::Connection& connection);

}  // namespace calconn::store
