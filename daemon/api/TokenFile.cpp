#include "api/TokenFile.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <span>
#include <sstream>

#include "common/IsoTime.h"
#include "common/Text.h"
#include "crypto/Random.h"

namespace calconn::api {

namespace {

constexpr std::string_view kTokenPrefix = "cc_";

// A mailbox address as a scope names it: something@domain, no spaces or control characters.
bool plausibleAddress(std::string_view address) {
    const auto at = address.find('@');
    if (at == std::string_view::npos || at == 0 || at + 1 >= address.size()) return false;
    if (address.find('@', at + 1) != std::string_view::npos) return false;
    for (char c : address) {
        if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f || c == '/' || c == '"')
            return false;
    }
    return address.size() <= 320;
}

std::string base64Url(std::span<const std::uint8_t> bytes) {
    static constexpr char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string out;
    std::size_t i = 0;
    for (; i + 3 <= bytes.size(); i += 3) {
        const std::uint32_t n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
        out += kAlphabet[(n >> 18) & 63];
        out += kAlphabet[(n >> 12) & 63];
        out += kAlphabet[(n >> 6) & 63];
        out += kAlphabet[n & 63];
    }
    if (const std::size_t rest = bytes.size() - i; rest > 0) {
        std::uint32_t n = static_cast<std::uint32_t>(bytes[i]) << 16;
        if (rest == 2) n |= static_cast<std::uint32_t>(bytes[i + 1]) << 8;
        out += kAlphabet[(n >> 18) & 63];
        out += kAlphabet[(n >> 12) & 63];
        if (rest == 2) out += kAlphabet[(n >> 6) & 63];
    }
    return out;
}

bool isLowerHex(std::string_view text) {
    for (char c : text) {
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    }
    return true;
}

common::Error configError(const std::string& message, const std::string& origin) {
    return common::makeError(common::ErrorCode::Config, message, origin);
}

common::Error ioError(const std::string& what, int err, const std::string& path) {
    return common::makeError(common::ErrorCode::Io, what + ": " + std::strerror(err), path);
}

// Closes a file descriptor on every path out.
struct Fd {
    int fd = -1;
    ~Fd() {
        if (fd >= 0) ::close(fd);
    }
};

}  // namespace

common::Result<TokenScope> TokenScope::parse(std::string_view text) {
    if (text == "admin") return TokenScope{ScopeKind::Admin, {}};
    const auto colon = text.find(':');
    const std::string_view kind = text.substr(0, colon);
    if (colon != std::string_view::npos && (kind == "user" || kind == "room")) {
        const std::string_view address = text.substr(colon + 1);
        if (!plausibleAddress(address)) {
            return common::makeError(common::ErrorCode::InvalidArgument,
                                     "scope " + std::string(kind) +
                                         ": needs a mailbox address such as " + std::string(kind) +
                                         ":name@example.com");
        }
        return TokenScope{kind == "user" ? ScopeKind::User : ScopeKind::Room, common::asciiLower(address)};
    }
    return common::makeError(common::ErrorCode::InvalidArgument,
                             "scope must be admin, user:UPN or room:MAILBOX");
}

std::string TokenScope::toString() const {
    switch (kind) {
        case ScopeKind::Admin:
            return "admin";
        case ScopeKind::User:
            return "user:" + subject;
        case ScopeKind::Room:
            return "room:" + subject;
    }
    return "admin";
}

common::Result<std::string> generateToken() {
    auto bytes = crypto::randomBytes(32);
    if (!bytes) return bytes.error();
    return std::string(kTokenPrefix) + base64Url(*bytes);
}

bool validTokenName(std::string_view name) {
    if (name.empty() || name.size() > 64) return false;
    for (char c : name) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
        if (!ok) return false;
    }
    return true;
}

common::Result<std::vector<TokenEntry>> parseTokensFile(const std::string& text,
                                                        const std::string& origin) {
    YAML::Node root;
    try {
        root = YAML::Load(text);
    } catch (const YAML::Exception& e) {
        return configError("not valid YAML: line " + std::to_string(e.mark.line + 1) + ": " + e.msg,
                           origin);
    }
    std::vector<TokenEntry> entries;
    if (!root || root.IsNull()) return entries;
    if (!root.IsMap()) return configError("expected a mapping with a `tokens` list", origin);
    const YAML::Node tokens = root["tokens"];
    if (!tokens || tokens.IsNull()) return entries;
    if (!tokens.IsSequence()) return configError("`tokens` must be a list", origin);
    for (std::size_t i = 0; i < tokens.size(); ++i) {
        const YAML::Node item = tokens[i];
        const std::string where = "tokens[" + std::to_string(i) + "]";
        if (!item.IsMap()) return configError(where + ": expected name, scope and sha256", origin);
        auto scalar = [&](const char* key) -> std::optional<std::string> {
            const YAML::Node value = item[key];
            if (!value || !value.IsScalar()) return std::nullopt;
            return value.Scalar();
        };
        TokenEntry entry;
        const auto name = scalar("name");
        if (!name || !validTokenName(*name)) {
            return configError(where + ".name: missing or not letters, digits, '.', '_', '-'",
                               origin);
        }
        entry.name = *name;
        const auto scope = scalar("scope");
        if (!scope) return configError(where + " (" + entry.name + "): scope is missing", origin);
        auto parsed = TokenScope::parse(*scope);
        if (!parsed) {
            return configError(where + " (" + entry.name + "): " + parsed.error().message, origin);
        }
        entry.scope = *parsed;
        const std::string hash = common::asciiLower(scalar("sha256").value_or(""));
        if (hash.size() != 64 || !isLowerHex(hash)) {
            return configError(where + " (" + entry.name + "): sha256 must be 64 hex digits",
                               origin);
        }
        entry.sha256 = hash;
        if (const auto created = scalar("created")) {
            entry.created = common::parseIsoUtc(*created);
            if (!entry.created) {
                return configError(where + " (" + entry.name + "): created is not an ISO 8601 time",
                                   origin);
            }
        }
        for (const TokenEntry& other : entries) {
            if (other.name == entry.name) {
                return configError(where + ": the name " + entry.name + " is used twice", origin);
            }
        }
        entries.push_back(std::move(entry));
    }
    return entries;
}

std::string renderTokensFile(const std::vector<TokenEntry>& entries) {
    YAML::Emitter out;
    out << YAML::BeginMap << YAML::Key << "tokens" << YAML::Value << YAML::BeginSeq;
    for (const TokenEntry& entry : entries) {
        out << YAML::BeginMap;
        out << YAML::Key << "name" << YAML::Value << YAML::DoubleQuoted << entry.name;
        out << YAML::Key << "scope" << YAML::Value << YAML::DoubleQuoted << entry.scope.toString();
        out << YAML::Key << "sha256" << YAML::Value << entry.sha256;
        if (entry.created) {
            out << YAML::Key << "created" << YAML::Value << common::formatIsoUtc(*entry.created);
        }
        out << YAML::EndMap;
    }
    out << YAML::EndSeq << YAML::EndMap;
    return "# calconn REST API bearer tokens: SHA-256 hashes only, never the tokens.\n"
           "# Managed with `calconnctl token create|revoke|list`; calconnd re-reads it on "
           "change.\n" +
           std::string(out.c_str()) + "\n";
}

common::Result<std::vector<TokenEntry>> readTokensFile(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        if (errno == ENOENT) return std::vector<TokenEntry>{};
        return ioError("cannot read tokens file", errno, path);
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) return ioError("cannot read tokens file", errno, path);
    std::ostringstream text;
    text << in.rdbuf();
    return parseTokensFile(text.str(), path);
}

common::Status writeTokensFile(const std::string& path, const std::vector<TokenEntry>& entries) {
    const std::filesystem::path target(path);
    const std::filesystem::path dir =
        target.has_parent_path() ? target.parent_path() : std::filesystem::path(".");
    struct stat existing {};
    const bool exists = ::stat(path.c_str(), &existing) == 0;
    std::string temp_name = (dir / ("." + target.filename().string() + ".XXXXXX")).string();
    Fd temp{::mkstemp(temp_name.data())};
    if (temp.fd < 0)
        return ioError("cannot create a temporary file beside the tokens file", errno, path);
    bool renamed = false;
    struct Cleanup {
        const std::string& name;
        const bool& done;
        ~Cleanup() {
            if (!done) ::unlink(name.c_str());
        }
    } cleanup{temp_name, renamed};

    if (exists) {
        ::fchmod(temp.fd, existing.st_mode & 07777);
        // Keeping owner and group needs privileges we may not have; the mode still protects it.
        (void)::fchown(temp.fd, existing.st_uid, existing.st_gid);
    } else {
        ::fchmod(temp.fd, 0640);
        struct stat dir_stat {};
        if (::stat(dir.c_str(), &dir_stat) == 0 && dir_stat.st_gid != ::getegid()) {
            (void)::fchown(temp.fd, static_cast<uid_t>(-1), dir_stat.st_gid);
        }
    }
    const std::string text = renderTokensFile(entries);
    std::size_t written = 0;
    while (written < text.size()) {
        const ssize_t n = ::write(temp.fd, text.data() + written, text.size() - written);
        if (n < 0) {
            if (errno == EINTR) continue;
            return ioError("cannot write the tokens file", errno, path);
        }
        written += static_cast<std::size_t>(n);
    }
    if (::fsync(temp.fd) != 0) return ioError("cannot write the tokens file", errno, path);
    if (::rename(temp_name.c_str(), path.c_str()) != 0) {
        return ioError("cannot replace the tokens file", errno, path);
    }
    renamed = true;
    Fd dir_fd{::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
    if (dir_fd.fd >= 0) (void)::fsync(dir_fd.fd);
    return {};
}

common::Status updateTokensFile(
    const std::string& path,
    const std::function<common::Status(std::vector<TokenEntry>&)>& change) {
    const std::filesystem::path target(path);
    const std::filesystem::path dir =
        target.has_parent_path() ? target.parent_path() : std::filesystem::path(".");
    Fd dir_fd{::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
    if (dir_fd.fd < 0)
        return ioError("cannot open the tokens file's directory", errno, dir.string());
    if (::flock(dir_fd.fd, LOCK_EX) != 0) {
        return ioError("cannot lock the tokens file's directory", errno, dir.string());
    }
    auto entries = readTokensFile(path);
    if (!entries) return entries.error();
    if (auto status = change(*entries); !status) return status;
    return writeTokensFile(path, *entries);  // the lock goes with dir_fd
}

}  // namespace calconn::api
