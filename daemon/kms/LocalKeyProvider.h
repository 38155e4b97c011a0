// The default key provider: a 32-byte master key on the local disk (or handed over by systemd
// through $CREDENTIALS_DIRECTORY) wraps the store's data keys with AES-256-GCM. A KMS-backed
// provider replaces it behind core::KeyProvider without any change to the store.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "common/Result.h"
#include "core/KeyProvider.h"
#include "crypto/SecretString.h"

namespace calconn::kms {

struct LocalKeyProviderOptions {
    // Where the master key file lives (and is created on first start):
    // <state_directory>/<file_name>.
    std::filesystem::path state_directory;
    std::string file_name = "master.key";
    // When non-empty and <credentials_directory>/<credential_name> exists, the key is read from
    // there and never created (systemd LoadCredential=). Empty: not used; see fromEnvironment().
    std::filesystem::path credentials_directory;
    std::string credential_name = "calconn-master-key";
};

// Master key file format: 32 raw bytes, or their standard base64 (44 characters, optional
// trailing newline). A newly created file holds base64 plus a newline.
//
// Permissions policy: the state-directory file must not be readable or writable by group or
// others; open() REFUSES such a file (ErrorCode::PermissionDenied, message says to chmod 0600)
// rather than warning, because a key that others could read must be treated as exposed and
// the admin has to decide (rotate or accept). Credentials from $CREDENTIALS_DIRECTORY are not
// mode-checked: systemd places them on a private, read-only mount only the service can read.
class LocalKeyProvider final : public core::KeyProvider {
public:
    // Reads the master key, creating it (0600, O_EXCL, fsync'd, atomically linked into place)
    // when neither the credential nor the file exists.
    static common::Result<std::unique_ptr<LocalKeyProvider>> open(
        const LocalKeyProviderOptions& options);

    // Fills options.credentials_directory from $CREDENTIALS_DIRECTORY when it is set.
    static LocalKeyProviderOptions fromEnvironment(std::filesystem::path state_directory);

    std::string name() const override { return "local"; }
    common::Result<core::WrappedKey> wrapKey(std::string_view key_id,
                                             std::span<const std::uint8_t> key) override;
    common::Status unwrapKey(std::string_view key_id, const core::WrappedKey& wrapped,
                             std::span<std::uint8_t> out) override;

    // "local-" + 16 hex digits derived from the master key (not the key itself): tells which
    // master key wrapped a data key, so a replaced key file gives a clear error.
    const std::string& kekId() const { return kek_id_; }
    // Where the key came from (file or credential path), for the startup log.
    const std::filesystem::path& source() const { return source_; }
    bool created() const { return created_; }

private:
    LocalKeyProvider(crypto::SecretString kek, std::string kek_id, std::filesystem::path source,
                     bool created);

    crypto::SecretString kek_;  // HKDF(master key, "calconn local kek v1"), never the raw key
    std::string kek_id_;
    std::filesystem::path source_;
    bool created_ = false;
};

}  // namespace calconn::kms
