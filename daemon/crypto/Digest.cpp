#include "crypto/Digest.h"

#include <openssl/evp.h>

#include <cstdlib>

#include "crypto/Random.h"

namespace calconn::crypto {

Sha256Digest sha256(std::string_view data) {
    Sha256Digest digest{};
    unsigned int size = 0;
    // One-shot EVP digest; it only fails on allocation failure, which aborts like new would.
    if (EVP_Digest(data.data(), data.size(), digest.data(), &size, EVP_sha256(), nullptr) != 1 ||
        size != digest.size()) {
        std::abort();
    }
    return digest;
}

std::string sha256Hex(std::string_view data) { return toHex(sha256(data)); }

}  // namespace calconn::crypto
