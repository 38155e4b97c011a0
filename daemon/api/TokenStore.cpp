#include "api/TokenStore.h"

#include <Poco/Logger.h>
#include <sys/stat.h>

#include <cerrno>

#include "crypto/SecretString.h"
#include "platform/Logging.h"

namespace calconn::api {

namespace {

// Longer "tokens" are not ours; refusing them early bounds the hashing work per request.
constexpr std::size_t kMaxTokenLength = 512;

bool equalsIgnoringCase(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i];
        char y = b[i];
        if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
        if (x != y) return false;
    }
    return true;
}

Sha256Digest digestFromHex(const std::string& hex) {
    Sha256Digest digest{};
    auto nibble = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
    for (std::size_t i = 0; i < digest.size(); ++i) {
        digest[i] = static_cast<std::uint8_t>(nibble(hex[2 * i]) << 4 | nibble(hex[2 * i + 1]));
    }
    return digest;
}

}  // namespace

bool permits(const TokenScope& scope, const Resource& resource) {
    if (scope.kind == ScopeKind::Admin) return true;
    if (resource.kind != scope.kind) return false;
    return equalsIgnoringCase(scope.subject, resource.subject);
}

std::optional<std::string_view> bearerToken(std::string_view authorization) {
    constexpr std::string_view kScheme = "bearer";
    if (authorization.size() <= kScheme.size() ||
        !equalsIgnoringCase(authorization.substr(0, kScheme.size()), kScheme) ||
        authorization[kScheme.size()] != ' ') {
        return std::nullopt;
    }
    std::string_view token = authorization.substr(kScheme.size());
    while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
    while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
    if (token.empty() || token.find(' ') != std::string_view::npos) return std::nullopt;
    return token;
}

TokenStore::TokenStore(std::string path) : path_(std::move(path)) {}

void TokenStore::setPath(std::string path) {
    std::lock_guard lock(mutex_);
    if (path == path_) return;
    path_ = std::move(path);
    stamp_.reset();  // the next authentication reads it
}

void TokenStore::reload() {
    std::lock_guard lock(mutex_);
    readLocked(stampLocked());
}

std::size_t TokenStore::size() const {
    std::lock_guard lock(mutex_);
    return entries_.size();
}

TokenStore::FileStamp TokenStore::stampLocked() const {
    struct stat st {};
    if (::stat(path_.c_str(), &st) != 0) return FileStamp{};
    return FileStamp{
        true, static_cast<unsigned long long>(st.st_ino), static_cast<long long>(st.st_size),
        static_cast<long long>(st.st_mtim.tv_sec) * 1'000'000'000LL + st.st_mtim.tv_nsec};
}

void TokenStore::readLocked(const FileStamp& stamp) {
    Poco::Logger& logger = platform::moduleLogger("api");
    stamp_ = stamp;
    if (!stamp.exists) {
        // Logged once per change: the stamp of a missing file stays the same.
        logger.warning("api tokens file " + path_ +
                       " does not exist: requests that need a token are refused; create one "
                       "with `calconnctl token create`");
        entries_.clear();
        return;
    }
    auto parsed = readTokensFile(path_);
    if (!parsed) {
        // Keep serving with the tokens read last: a half-edited file must not lock admins out
        // or let revoked tokens back in (revocation rewrites the file atomically).
        logger.error("cannot use api tokens file, keeping the " + std::to_string(entries_.size()) +
                     " tokens read before: " + parsed.error().toString());
        return;
    }
    std::vector<Entry> entries;
    for (TokenEntry& entry : *parsed) {
        Entry e;
        e.digest = digestFromHex(entry.sha256);
        e.principal = Principal{std::move(entry.name), std::move(entry.scope)};
        entries.push_back(std::move(e));
    }
    entries_ = std::move(entries);
    logger.information("api tokens file " + path_ + " read: " + std::to_string(entries_.size()) +
                       " tokens");
}

std::optional<Principal> TokenStore::authenticate(std::string_view token) {
    if (token.empty() || token.size() > kMaxTokenLength) return std::nullopt;
    const Sha256Digest presented = sha256(token);
    std::lock_guard lock(mutex_);
    if (const FileStamp stamp = stampLocked(); !stamp_ || stamp != *stamp_) readLocked(stamp);
    // Every entry is compared, each in constant time, so timing tells nothing about which
    // hash (or how much of it) matched.
    const Entry* match = nullptr;
    for (const Entry& entry : entries_) {
        if (crypto::constantTimeEquals(std::span<const std::uint8_t>(presented),
                                       std::span<const std::uint8_t>(entry.digest))) {
            match = &entry;
        }
    }
    if (!match) return std::nullopt;
    return match->principal;
}

}  // namespace calconn::api
