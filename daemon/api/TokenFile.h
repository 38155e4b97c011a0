// The API tokens file (api.tokens_file): one entry per bearer token with its name, its scope
// and the SHA-256 of the token, never the token itself. calconnctl writes it (create, revoke);
// calconnd reads it (TokenStore). Scopes: "admin", "user:UPN", "room:MAILBOX".
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/Result.h"
#include "core/Meeting.h"
#include "crypto/Digest.h"

namespace calconn::api {

enum class ScopeKind { Admin, User, Room };

struct TokenScope {
    ScopeKind kind = ScopeKind::Admin;
    std::string subject;  // lower-case UPN or room mailbox; empty for admin

    // "admin", "user:alice@contoso.com", "room:room-4b@contoso.com" (address case-insensitive).
    static common::Result<TokenScope> parse(std::string_view text);
    std::string toString() const;
    bool operator==(const TokenScope&) const = default;
};

struct TokenEntry {
    std::string name;
    TokenScope scope;
    std::string sha256;  // 64 lower-case hex digits of SHA-256(token)
    std::optional<core::UtcSeconds> created;
    bool operator==(const TokenEntry&) const = default;
};

using crypto::sha256;
using crypto::Sha256Digest;
using crypto::sha256Hex;

// A new token: "cc_" and 256 random bits in base64url without padding (46 characters).
common::Result<std::string> generateToken();

// Letters, digits, '.', '_', '-'; 1 to 64 characters.
bool validTokenName(std::string_view name);

// Parses the file's text; `origin` names the file in error messages. Every entry must be
// complete and valid, names unique (ErrorCode::Config naming the entry otherwise). An empty
// file or one without `tokens` holds no tokens.
common::Result<std::vector<TokenEntry>> parseTokensFile(const std::string& text,
                                                        const std::string& origin);
std::string renderTokensFile(const std::vector<TokenEntry>& entries);

// A missing file holds no tokens.
common::Result<std::vector<TokenEntry>> readTokensFile(const std::string& path);

// Replaces the file atomically (temporary file in the same directory, fsync, rename). An
// existing file keeps its mode, owner and group; a new one gets mode 0640 and the group of
// its directory (/etc/calconn is root:calconn, so calconnd can read it).
common::Status writeTokensFile(const std::string& path, const std::vector<TokenEntry>& entries);

// Read-modify-write under an exclusive lock on the file's directory, so two calconnctl runs
// do not lose each other's change. `change` edits the entries or returns an error.
common::Status updateTokensFile(
    const std::string& path, const std::function<common::Status(std::vector<TokenEntry>&)>& change);

}  // namespace calconn::api
