#include "crypto/AesGcm.h"

#include <openssl/evp.h>

#include <climits>
#include <cstring>
#include <memory>

#include "crypto/Random.h"

namespace calconn::crypto {
namespace {

using common::ErrorCode;
using common::makeError;

struct CtxDeleter {
    void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CtxDeleter>;

// Fetched once: implicit fetching by EVP_aes_256_gcm() costs a lookup on every init.
const EVP_CIPHER* aes256Gcm() {
    static EVP_CIPHER* cipher = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
    return cipher;
}

// Thread-local context: reset and reused instead of allocated per message.
EVP_CIPHER_CTX* threadContext() {
    thread_local CipherCtx ctx(EVP_CIPHER_CTX_new());
    return ctx.get();
}

common::Status checkSizes(std::span<const std::uint8_t> key, std::span<const std::uint8_t> nonce,
                          std::size_t data_size, std::size_t aad_size) {
    if (key.size() != kAesKeySize)
        return makeError(ErrorCode::InvalidArgument, "aes key must be 32 bytes");
    if (nonce.size() != kGcmNonceSize)
        return makeError(ErrorCode::InvalidArgument, "gcm nonce must be 12 bytes");
    if (data_size > INT_MAX || aad_size > INT_MAX) {
        return makeError(ErrorCode::InvalidArgument, "message too large");
    }
    return {};
}

common::Status addAad(EVP_CIPHER_CTX* ctx, std::span<const std::uint8_t> aad, bool encrypt) {
    if (aad.empty()) return {};
    int len = 0;
    const int rc =
        encrypt ? EVP_EncryptUpdate(ctx, nullptr, &len, aad.data(), static_cast<int>(aad.size()))
                : EVP_DecryptUpdate(ctx, nullptr, &len, aad.data(), static_cast<int>(aad.size()));
    if (rc != 1) return makeError(ErrorCode::Crypto, "gcm associated data rejected");
    return {};
}

common::Result<std::vector<std::uint8_t>> seal(std::span<const std::uint8_t> key,
                                               std::span<const std::uint8_t> nonce,
                                               std::span<const std::uint8_t> plaintext,
                                               std::span<const std::uint8_t> aad1,
                                               std::span<const std::uint8_t> aad2,
                                               std::vector<std::uint8_t> out) {
    if (auto st = checkSizes(key, nonce, plaintext.size(), aad1.size() + aad2.size()); !st)
        return st.error();
    EVP_CIPHER_CTX* ctx = threadContext();
    const EVP_CIPHER* cipher = aes256Gcm();
    if (ctx == nullptr || cipher == nullptr)
        return makeError(ErrorCode::Crypto, "aes-256-gcm unavailable");
    if (EVP_EncryptInit_ex2(ctx, cipher, key.data(), nonce.data(), nullptr) != 1) {
        return makeError(ErrorCode::Crypto, "aes-gcm init failed");
    }
    if (auto st = addAad(ctx, aad1, true); !st) return st.error();
    if (auto st = addAad(ctx, aad2, true); !st) return st.error();
    const std::size_t offset = out.size();
    out.resize(offset + plaintext.size() + kGcmTagSize);
    int len = 0;
    if (!plaintext.empty() && EVP_EncryptUpdate(ctx, out.data() + offset, &len, plaintext.data(),
                                                static_cast<int>(plaintext.size())) != 1) {
        return makeError(ErrorCode::Crypto, "aes-gcm encryption failed");
    }
    int final_len = 0;
    if (EVP_EncryptFinal_ex(ctx, out.data() + offset + len, &final_len) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, kGcmTagSize,
                            out.data() + offset + plaintext.size()) != 1) {
        return makeError(ErrorCode::Crypto, "aes-gcm finalisation failed");
    }
    return out;
}

common::Result<SecretString> open(std::span<const std::uint8_t> key,
                                  std::span<const std::uint8_t> nonce,
                                  std::span<const std::uint8_t> sealed,
                                  std::span<const std::uint8_t> aad1,
                                  std::span<const std::uint8_t> aad2) {
    if (sealed.size() < kGcmTagSize) return makeError(ErrorCode::Crypto, "ciphertext too short");
    if (auto st = checkSizes(key, nonce, sealed.size(), aad1.size() + aad2.size()); !st)
        return st.error();
    EVP_CIPHER_CTX* ctx = threadContext();
    const EVP_CIPHER* cipher = aes256Gcm();
    if (ctx == nullptr || cipher == nullptr)
        return makeError(ErrorCode::Crypto, "aes-256-gcm unavailable");
    if (EVP_DecryptInit_ex2(ctx, cipher, key.data(), nonce.data(), nullptr) != 1) {
        return makeError(ErrorCode::Crypto, "aes-gcm init failed");
    }
    if (auto st = addAad(ctx, aad1, false); !st) return st.error();
    if (auto st = addAad(ctx, aad2, false); !st) return st.error();
    const std::size_t text_size = sealed.size() - kGcmTagSize;
    SecretString out(text_size);
    int len = 0;
    if (text_size > 0 &&
        EVP_DecryptUpdate(ctx, out.data(), &len, sealed.data(), static_cast<int>(text_size)) != 1) {
        return makeError(ErrorCode::Crypto, "aes-gcm decryption failed");
    }
    std::uint8_t tag[kGcmTagSize];
    std::memcpy(tag, sealed.data() + text_size, kGcmTagSize);
    std::uint8_t scratch[16];
    int final_len = 0;
    if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, kGcmTagSize, tag) != 1 ||
        EVP_DecryptFinal_ex(ctx, scratch, &final_len) != 1) {
        return makeError(
            ErrorCode::Crypto,
            "authentication failed: wrong key, wrong associated data or tampered data");
    }
    return out;
}

}  // namespace

common::Result<std::vector<std::uint8_t>> aesGcmSeal(std::span<const std::uint8_t> key,
                                                     std::span<const std::uint8_t> nonce,
                                                     std::span<const std::uint8_t> plaintext,
                                                     std::span<const std::uint8_t> aad) {
    return seal(key, nonce, plaintext, aad, {}, {});
}

common::Result<SecretString> aesGcmOpen(std::span<const std::uint8_t> key,
                                        std::span<const std::uint8_t> nonce,
                                        std::span<const std::uint8_t> sealed,
                                        std::span<const std::uint8_t> aad) {
    return open(key, nonce, sealed, aad, {});
}

common::Result<std::vector<std::uint8_t>> sealEnvelope(std::string_view key_id,
                                                       std::span<const std::uint8_t> key,
                                                       std::span<const std::uint8_t> plaintext,
                                                       std::span<const std::uint8_t> aad) {
    if (key_id.empty() || key_id.size() > 255) {
        return makeError(ErrorCode::InvalidArgument, "envelope key id must be 1..255 bytes");
    }
    std::vector<std::uint8_t> out;
    const std::size_t header_size = 2 + key_id.size();
    out.reserve(header_size + kGcmNonceSize + plaintext.size() + kGcmTagSize);
    out.push_back(kEnvelopeVersion);
    out.push_back(static_cast<std::uint8_t>(key_id.size()));
    out.insert(out.end(), key_id.begin(), key_id.end());
    out.resize(header_size + kGcmNonceSize);
    std::span<std::uint8_t> nonce(out.data() + header_size, kGcmNonceSize);
    if (auto st = randomBytes(nonce); !st) return st.error();
    // Copy the header and nonce: `out` reallocates in seal only if reserve was too small, but
    // keeping independent copies makes that reasoning unnecessary.
    std::uint8_t header[2 + 255];
    std::memcpy(header, out.data(), header_size);
    std::uint8_t nonce_copy[kGcmNonceSize];
    std::memcpy(nonce_copy, nonce.data(), kGcmNonceSize);
    return seal(key, nonce_copy, plaintext, std::span<const std::uint8_t>(header, header_size), aad,
                std::move(out));
}

common::Result<std::vector<std::uint8_t>> sealEnvelope(std::string_view key_id,
                                                       std::span<const std::uint8_t> key,
                                                       std::string_view plaintext,
                                                       std::string_view aad) {
    return sealEnvelope(key_id, key, asBytes(plaintext), asBytes(aad));
}

common::Result<std::string_view> envelopeKeyId(std::span<const std::uint8_t> envelope) {
    if (envelope.size() < 2) return makeError(ErrorCode::Crypto, "envelope truncated");
    if (envelope[0] != kEnvelopeVersion) {
        return makeError(ErrorCode::Crypto, "unsupported envelope version",
                         std::to_string(envelope[0]));
    }
    const std::size_t id_len = envelope[1];
    if (id_len == 0 || envelope.size() < 2 + id_len + kGcmNonceSize + kGcmTagSize) {
        return makeError(ErrorCode::Crypto, "envelope truncated");
    }
    return std::string_view(reinterpret_cast<const char*>(envelope.data() + 2), id_len);
}

common::Result<SecretString> openEnvelope(std::span<const std::uint8_t> key,
                                          std::span<const std::uint8_t> envelope,
                                          std::span<const std::uint8_t> aad) {
    auto key_id = envelopeKeyId(envelope);
    if (!key_id) return key_id.error();
    const std::size_t header_size = 2 + key_id->size();
    return open(key, envelope.subspan(header_size, kGcmNonceSize),
                envelope.subspan(header_size + kGcmNonceSize), envelope.first(header_size), aad);
}

common::Result<SecretString> openEnvelope(std::span<const std::uint8_t> key,
                                          std::span<const std::uint8_t> envelope,
                                          std::string_view aad) {
    return openEnvelope(key, envelope, asBytes(aad));
}

}  // namespace calconn::crypto
