// HKDF-SHA256 (RFC 5869): derives independent keys from one master secret.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "common/Result.h"
#include "crypto/SecretString.h"

namespace calconn::crypto {

common::Result<SecretString> hkdfSha256(std::span<const std::uint8_t> input_key,
                                        std::span<const std::uint8_t> salt,
                                        std::span<const std::uint8_t> info, std::size_t length);

}  // namespace calconn::crypto
