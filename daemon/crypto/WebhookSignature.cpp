#include "crypto/WebhookSignature.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace calconn::crypto {

std::string hmacSha256Hex(std::string_view secret, std::string_view body) {
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
         reinterpret_cast<const unsigned char*>(body.data()), body.size(), mac, &mac_len);
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(mac_len * 2);
    for (unsigned int i = 0; i < mac_len; ++i) {
        out += kHex[mac[i] >> 4];
        out += kHex[mac[i] & 0x0f];
    }
    OPENSSL_cleanse(mac, sizeof mac);
    return out;
}

std::string signatureHeaderValue(std::string_view secret, std::string_view body) {
    return "sha256=" + hmacSha256Hex(secret, body);
}

bool verifySignature(std::string_view secret, std::string_view body,
                     std::string_view header_value) {
    const std::string expected = signatureHeaderValue(secret, body);
    if (header_value.size() != expected.size()) return false;
    return CRYPTO_memcmp(expected.data(), header_value.data(), expected.size()) == 0;
}

}  // namespace calconn::crypto
