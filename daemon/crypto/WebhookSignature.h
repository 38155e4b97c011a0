// The signature calconn puts on every webhook it sends (device booking lists, presence):
// `X-Calconn-Signature: sha256=<lower-case hex HMAC-SHA256(secret, body)>` over the exact body
// bytes. Receivers recompute it over the raw body and compare in constant time.
#pragma once

#include <string>
#include <string_view>

namespace calconn::crypto {

inline constexpr std::string_view kSignatureHeader = "X-Calconn-Signature";

// Lower-case hex HMAC-SHA256 of body under secret.
std::string hmacSha256Hex(std::string_view secret, std::string_view body);

// "sha256=" + hmacSha256Hex(secret, body): the X-Calconn-Signature value.
std::string signatureHeaderValue(std::string_view secret, std::string_view body);

// Receiver side (and tests): constant-time check of a header value against the body.
bool verifySignature(std::string_view secret, std::string_view body, std::string_view header_value);

}  // namespace calconn::crypto
