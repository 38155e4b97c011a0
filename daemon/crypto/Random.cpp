#include "crypto/Random.h"

#include <openssl/rand.h>

#include <climits>

namespace calconn::crypto {

common::Status randomBytes(std::span<std::uint8_t> out) {
    std::size_t done = 0;
    while (done < out.size()) {
        const std::size_t chunk = std::min<std::size_t>(out.size() - done, INT_MAX);
        if (RAND_bytes(out.data() + done, static_cast<int>(chunk)) != 1) {
            return common::makeError(common::ErrorCode::Crypto, "random generator failed");
        }
        done += chunk;
    }
    return {};
}

common::Result<std::vector<std::uint8_t>> randomBytes(std::size_t count) {
    std::vector<std::uint8_t> out(count);
    if (auto st = randomBytes(std::span(out)); !st) return st.error();
    return out;
}

common::Result<std::string> randomHex(std::size_t count) {
    auto bytes = randomBytes(count);
    if (!bytes) return bytes.error();
    return toHex(*bytes);
}

std::string toHex(std::span<const std::uint8_t> bytes) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (std::uint8_t b : bytes) {
        out.push_back(kDigits[b >> 4]);
        out.push_back(kDigits[b & 0x0f]);
    }
    return out;
}

}  // namespace calconn::crypto
