// SHA-256 of a byte string: token hashes, ETags, and stable non-reversible keys.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace calconn::crypto {

using Sha256Digest = std::array<std::uint8_t, 32>;

Sha256Digest sha256(std::string_view data);
// 64 lower-case hex digits.
std::string sha256Hex(std::string_view data);

}  // namespace calconn::crypto
