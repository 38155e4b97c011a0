// AES-256-GCM seal/open over byte spans, and the versioned envelope every stored secret uses.
// A nonce must never repeat under one key: sealEnvelope draws a fresh random 96-bit nonce per
// call, which is safe for far more than the 2^32 messages a data key will ever protect.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "common/Result.h"
#include "crypto/SecretString.h"

namespace calconn::crypto {

inline constexpr std::size_t kAesKeySize = 32;
inline constexpr std::size_t kGcmNonceSize = 12;
inline constexpr std::size_t kGcmTagSize = 16;

// Raw primitive: returns ciphertext || tag.
common::Result<std::vector<std::uint8_t>> aesGcmSeal(std::span<const std::uint8_t> key,
                                                     std::span<const std::uint8_t> nonce,
                                                     std::span<const std::uint8_t> plaintext,
                                                     std::span<const std::uint8_t> aad);

// Raw primitive: takes ciphertext || tag; ErrorCode::Crypto when authentication fails.
common::Result<SecretString> aesGcmOpen(std::span<const std::uint8_t> key,
                                        std::span<const std::uint8_t> nonce,
                                        std::span<const std::uint8_t> sealed,
                                        std::span<const std::uint8_t> aad);

// Envelope, version 1:
//
//   offset 0        1 byte   version (0x01)
//   offset 1        1 byte   key id length L (1..255)
//   offset 2        L bytes  key id (which data key sealed it; opaque to this module)
//   offset 2+L      12 bytes nonce (random per envelope)
//   offset 14+L     N bytes  ciphertext (N = plaintext length)
//   offset 14+L+N   16 bytes GCM tag
//
// The GCM associated data is the header (version, L, key id) followed by the caller's `aad`,
// so changing the key id, the version, or moving the envelope to another record/column (a
// different caller aad) makes openEnvelope fail.
inline constexpr std::uint8_t kEnvelopeVersion = 1;

common::Result<std::vector<std::uint8_t>> sealEnvelope(std::string_view key_id,
                                                       std::span<const std::uint8_t> key,
                                                       std::span<const std::uint8_t> plaintext,
                                                       std::span<const std::uint8_t> aad);
common::Result<std::vector<std::uint8_t>> sealEnvelope(std::string_view key_id,
                                                       std::span<const std::uint8_t> key,
                                                       std::string_view plaintext,
                                                       std::string_view aad);

// The key id of an envelope, to pick the key before opening. Checks the framing only.
common::Result<std::string_view> envelopeKeyId(std::span<const std::uint8_t> envelope);

common::Result<SecretString> openEnvelope(std::span<const std::uint8_t> key,
                                          std::span<const std::uint8_t> envelope,
                                          std::span<const std::uint8_t> aad);
common::Result<SecretString> openEnvelope(std::span<const std::uint8_t> key,
                                          std::span<const std::uint8_t> envelope,
                                          std::string_view aad);

inline std::span<const std::uint8_t> asBytes(std::string_view text) {
    return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

}  // namespace calconn::crypto
