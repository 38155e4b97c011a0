// calconnd's view of the API tokens file: the entries with their hashes, re-read when the
// file changes (checked on each authentication: a stat, no read) or on reload(). A presented
// token is hashed and compared with every entry in constant time.
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/TokenFile.h"

namespace calconn::api {

struct Principal {
    std::string name;  // the token's name (for logs: never the token)
    TokenScope scope;
};

// What a request wants to see: a user's data, a room's data, or the daemon itself.
struct Resource {
    ScopeKind kind = ScopeKind::Admin;
    std::string subject;  // UPN or room mailbox as given in the path; empty for Admin
};

// admin sees everything; user:X only resources of user X; room:Y only resources of room Y.
// Addresses compare case-insensitively.
bool permits(const TokenScope& scope, const Resource& resource);

// The token of an "Authorization: Bearer <token>" header value; none for other schemes.
std::optional<std::string_view> bearerToken(std::string_view authorization);

class TokenStore {
public:
    explicit TokenStore(std::string path);

    // A new path (reloaded configuration), read before the next authentication.
    void setPath(std::string path);
    // Reads the file again even if it looks unchanged (SIGHUP).
    void reload();

    std::optional<Principal> authenticate(std::string_view token);
    std::size_t size() const;

private:
    struct FileStamp {
        bool exists = false;
        unsigned long long inode = 0;
        long long size = 0;
        long long mtime_ns = 0;
        bool operator==(const FileStamp&) const = default;
    };
    struct Entry {
        Principal principal;
        Sha256Digest digest{};
    };
    FileStamp stampLocked() const;
    void readLocked(const FileStamp& stamp);

    mutable std::mutex mutex_;
    std::string path_;
    std::optional<FileStamp> stamp_;  // of the last read; none before the first
    std::vector<Entry> entries_;
};

}  // namespace calconn::api
