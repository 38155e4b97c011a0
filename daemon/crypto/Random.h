// Cryptographically secure random bytes (OpenSSL's DRBG, seeded from the kernel).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "common/Result.h"

namespace calconn::crypto {

common::Status randomBytes(std::span<std::uint8_t> out);
common::Result<std::vector<std::uint8_t>> randomBytes(std::size_t count);
// `count` random bytes as lower-case hex (2*count characters), e.g. for clientState secrets.
common::Result<std::string> randomHex(std::size_t count);

std::string toHex(std::span<const std::uint8_t> bytes);

}  // namespace calconn::crypto
