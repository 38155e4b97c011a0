#include "crypto/Hkdf.h"

#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include <memory>

namespace calconn::crypto {
namespace {

struct KdfDeleter {
    void operator()(EVP_KDF* kdf) const { EVP_KDF_free(kdf); }
    void operator()(EVP_KDF_CTX* ctx) const { EVP_KDF_CTX_free(ctx); }
};

}  // namespace

common::Result<SecretString> hkdfSha256(std::span<const std::uint8_t> input_key,
                                        std::span<const std::uint8_t> salt,
                                        std::span<const std::uint8_t> info, std::size_t length) {
    if (length == 0 || length > std::size_t{255} * 32) {
        return common::makeError(common::ErrorCode::InvalidArgument,
                                 "hkdf output length out of range");
    }
    std::unique_ptr<EVP_KDF, KdfDeleter> kdf(EVP_KDF_fetch(nullptr, "HKDF", nullptr));
    if (!kdf) return common::makeError(common::ErrorCode::Crypto, "hkdf unavailable");
    std::unique_ptr<EVP_KDF_CTX, KdfDeleter> ctx(EVP_KDF_CTX_new(kdf.get()));
    if (!ctx) return common::makeError(common::ErrorCode::Crypto, "hkdf context allocation failed");

    // OSSL_PARAM wants non-const pointers; OpenSSL only reads them.
    char digest[] = "SHA256";
    static constexpr std::uint8_t kEmpty = 0;
    auto ptr = [](std::span<const std::uint8_t> s) {
        return const_cast<std::uint8_t*>(s.empty() ? &kEmpty : s.data());
    };
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, ptr(input_key), input_key.size()),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, ptr(salt), salt.size()),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, ptr(info), info.size()),
        OSSL_PARAM_construct_end(),
    };
    SecretString out(length);
    if (EVP_KDF_derive(ctx.get(), out.data(), out.size(), params) != 1) {
        return common::makeError(common::ErrorCode::Crypto, "hkdf derivation failed");
    }
    return out;
}

}  // namespace calconn::crypto
