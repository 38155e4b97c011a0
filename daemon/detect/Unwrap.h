// Undoes link rewriting by mail-security gateways (research/linkdetect.md §4): Microsoft Safe
// Links, Proofpoint URL Defense v1/v2/v3, Cisco Secure Email, Barracuda and Google redirects,
// recursively with a depth cap, decoding exactly once per layer. Mimecast cannot be decoded
// offline: its destination domain is reported and the link stays wrapped.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace calconn::detect {

struct Unwrapped {
    std::string url;                    // innermost target (or the Mimecast link itself)
    std::vector<std::string> gateways;  // layers removed, outermost first: "safelinks", "proofpoint-v3", ...
    bool unresolved = false;            // Mimecast: target not decodable offline
    std::string mimecast_domain;        // its domain= parameter, when present
};

Unwrapped unwrapUrl(std::string_view url, int max_depth = 5);

// Proofpoint v3 body decoder, exposed for tests: `encoded` is the text after "/v3/__" up to the
// end of the URL. Returns the original URL, or "" when the text is not a v3 payload.
std::string decodeProofpointV3(std::string_view encoded);

}  // namespace calconn::detect
