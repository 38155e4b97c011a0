#include "kms/LocalKeyProvider.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "crypto/AesGcm.h"
#include "crypto/Hkdf.h"
#include "crypto/Random.h"

namespace calconn::kms {
namespace {

using common::ErrorCode;
using common::makeError;
namespace fs = std::filesystem;

constexpr std::size_t kMasterKeySize = 32;
constexpr std::size_t kMaxKeyFileSize = 256;

std::string errnoText(int err) { return std::strerror(err); }

class Fd {
public:
    explicit Fd(int fd) : fd_(fd) {}
    ~Fd() {
        if (fd_ >= 0) ::close(fd_);
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    int get() const { return fd_; }
    int release() {
        int fd = fd_;
        fd_ = -1;
        return fd;
    }

private:
    int fd_;
};

common::Result<crypto::SecretString> decodeKey(const crypto::SecretString& raw,
                                               const fs::path& path) {
    if (raw.size() == kMasterKeySize) return crypto::SecretString(raw.bytes());
    std::size_t len = raw.size();
    while (len > 0 && (raw.data()[len - 1] == '\n' || raw.data()[len - 1] == '\r')) --len;
    if (len == 44) {
        crypto::SecretString decoded(33);  // EVP_DecodeBlock writes 3 bytes per 4, padding included
        const int n = EVP_DecodeBlock(decoded.data(), raw.data(), static_cast<int>(len));
        if (n == 33 && raw.data()[43] == '=' && raw.data()[42] != '=') {
            return crypto::SecretString(decoded.bytes().first(kMasterKeySize));
        }
    }
    return makeError(ErrorCode::Crypto,
                     "master key file must hold 32 raw bytes or their base64 (44 characters)",
                     path.string());
}

common::Result<crypto::SecretString> readKeyFile(const fs::path& path, bool check_mode) {
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (fd.get() < 0) {
        const int err = errno;
        return makeError(err == ENOENT ? ErrorCode::NotFound : ErrorCode::Io,
                         "cannot open master key file: " + errnoText(err), path.string());
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) {
        return makeError(ErrorCode::Io, "cannot stat master key file: " + errnoText(errno),
                         path.string());
    }
    if (!S_ISREG(st.st_mode)) {
        return makeError(ErrorCode::InvalidArgument, "master key file is not a regular file",
                         path.string());
    }
    if (check_mode && (st.st_mode & 0077) != 0) {
        char mode[8];
        std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
        return makeError(ErrorCode::PermissionDenied,
                         std::string("master key file is accessible by group or others (mode ") +
                             mode + "); treat the key as exposed, then chmod 0600 it",
                         path.string());
    }
    if (st.st_size <= 0 || static_cast<std::size_t>(st.st_size) > kMaxKeyFileSize) {
        return makeError(ErrorCode::Crypto, "master key file has an unexpected size",
                         path.string());
    }
    crypto::SecretString raw(static_cast<std::size_t>(st.st_size));
    std::size_t done = 0;
    while (done < raw.size()) {
        const ssize_t n = ::read(fd.get(), raw.data() + done, raw.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            return makeError(ErrorCode::Io, "cannot read master key file", path.string());
        }
        done += static_cast<std::size_t>(n);
    }
    return decodeKey(raw, path);
}

common::Status writeAll(int fd, const std::uint8_t* data, std::size_t size) {
    std::size_t done = 0;
    while (done < size) {
        const ssize_t n = ::write(fd, data + done, size - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return makeError(ErrorCode::Io, "write failed: " + errnoText(errno));
        done += static_cast<std::size_t>(n);
    }
    return {};
}

common::Status fsyncDirectory(const fs::path& dir) {
    Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (fd.get() < 0 || ::fsync(fd.get()) != 0) {
        return makeError(ErrorCode::Io, "cannot fsync state directory: " + errnoText(errno),
                         dir.string());
    }
    return {};
}

// Creates the key file without ever exposing a partial or wider-permission file: write a
// private temporary (O_EXCL, 0600 whatever the umask), fsync it, then link() it into place,
// which fails instead of clobbering when another process won the race.
// Returns false (not an error) when the file appeared meanwhile.
common::Result<bool> createKeyFile(const fs::path& path) {
    crypto::SecretString key(kMasterKeySize);
    if (auto st = crypto::randomBytes(key.bytes()); !st) return st.error();
    crypto::SecretString text(45);
    EVP_EncodeBlock(text.data(), key.data(), static_cast<int>(key.size()));  // 44 chars + NUL
    text.data()[44] = '\n';

    const fs::path tmp = path.string() + ".tmp." + std::to_string(::getpid());
    ::unlink(tmp.c_str());  // a leftover of ours from a crash
    Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (fd.get() < 0) {
        return makeError(ErrorCode::Io, "cannot create master key file: " + errnoText(errno),
                         tmp.string());
    }
    common::Status written = writeAll(fd.get(), text.data(), text.size());
    if (written && ::fchmod(fd.get(), 0600) != 0)
        written = makeError(ErrorCode::Io, "fchmod failed");
    if (written && ::fsync(fd.get()) != 0) written = makeError(ErrorCode::Io, "fsync failed");
    if (!written) {
        ::unlink(tmp.c_str());
        return makeError(ErrorCode::Io, written.error().message, tmp.string());
    }
    ::close(fd.release());
    const int rc = ::link(tmp.c_str(), path.c_str());
    const int err = errno;
    ::unlink(tmp.c_str());
    if (rc != 0) {
        if (err == EEXIST) return false;
        return makeError(ErrorCode::Io, "cannot install master key file: " + errnoText(err),
                         path.string());
    }
    if (auto st = fsyncDirectory(path.parent_path()); !st) return st.error();
    return true;
}

}  // namespace

LocalKeyProvider::LocalKeyProvider(crypto::SecretString kek, std::string kek_id, fs::path source,
                                   bool created)
    : kek_(std::move(kek)),
      kek_id_(std::move(kek_id)),
      source_(std::move(source)),
      created_(created) {}

LocalKeyProviderOptions LocalKeyProvider::fromEnvironment(fs::path state_directory) {
    LocalKeyProviderOptions options;
    options.state_directory = std::move(state_directory);
    if (const char* dir = std::getenv("CREDENTIALS_DIRECTORY"); dir != nullptr && *dir != '\0') {
        options.credentials_directory = dir;
    }
    return options;
}

common::Result<std::unique_ptr<LocalKeyProvider>> LocalKeyProvider::open(
    const LocalKeyProviderOptions& options) {
    fs::path source;
    bool created = false;
    common::Result<crypto::SecretString> master = makeError(ErrorCode::NotFound, "no master key");

    if (!options.credentials_directory.empty()) {
        source = options.credentials_directory / options.credential_name;
        master = readKeyFile(source, /*check_mode=*/false);
        if (!master && master.error().code != ErrorCode::NotFound) return master.error();
    }
    if (!master) {
        if (options.state_directory.empty()) {
            return makeError(ErrorCode::InvalidArgument, "no state directory for the master key");
        }
        source = options.state_directory / options.file_name;
        master = readKeyFile(source, /*check_mode=*/true);
        if (!master && master.error().code == ErrorCode::NotFound) {
            auto made = createKeyFile(source);
            if (!made) return made.error();
            created = *made;
            master = readKeyFile(source, /*check_mode=*/true);
        }
        if (!master) return master.error();
    }

    static constexpr std::string_view kSalt = "calconn local key provider";
    auto kek = crypto::hkdfSha256(master->bytes(), crypto::asBytes(kSalt),
                                  crypto::asBytes("kek v1"), crypto::kAesKeySize);
    if (!kek) return kek.error();
    auto id_bytes = crypto::hkdfSha256(master->bytes(), crypto::asBytes(kSalt),
                                       crypto::asBytes("kek id v1"), 8);
    if (!id_bytes) return id_bytes.error();
    std::string kek_id = "local-" + crypto::toHex(id_bytes->bytes());
    return std::unique_ptr<LocalKeyProvider>(
        new LocalKeyProvider(std::move(*kek), std::move(kek_id), std::move(source), created));
}

common::Result<core::WrappedKey> LocalKeyProvider::wrapKey(std::string_view key_id,
                                                           std::span<const std::uint8_t> key) {
    auto blob = crypto::sealEnvelope(kek_id_, kek_.bytes(), key, crypto::asBytes(key_id));
    if (!blob) return blob.error();
    return core::WrappedKey{kek_id_, std::move(*blob)};
}

common::Status LocalKeyProvider::unwrapKey(std::string_view key_id, const core::WrappedKey& wrapped,
                                           std::span<std::uint8_t> out) {
    if (wrapped.kek_id != kek_id_) {
        return makeError(ErrorCode::Crypto,
                         "data key was wrapped by another master key (" + wrapped.kek_id +
                             ", this one is " + kek_id_ + "); was the master key file replaced?",
                         std::string(key_id));
    }
    auto key = crypto::openEnvelope(kek_.bytes(), wrapped.blob, crypto::asBytes(key_id));
    if (!key)
        return makeError(ErrorCode::Crypto, "cannot unwrap data key: " + key.error().message,
                         std::string(key_id));
    if (key->size() != out.size()) {
        return makeError(ErrorCode::Crypto, "unwrapped data key has the wrong size",
                         std::string(key_id));
    }
    std::memcpy(out.data(), key->data(), out.size());
    return {};
}

}  // namespace calconn::kms
