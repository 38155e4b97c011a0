#include "detect/Unwrap.h"

#include "detect/Url.h"

#include <utility>

namespace calconn::detect {

namespace {

bool startsWith(std::string_view s, std::string_view prefix) {
    return s.size() >= prefix.size() && s.substr(0, prefix.size()) == prefix;
}

// Proofpoint's v1/v2 decoders html-unescape after percent-decoding.
std::string basicHtmlUnescape(const std::string& s) {
    if (s.find('&') == std::string::npos) return s;
    static constexpr std::pair<std::string_view, char> kRefs[] = {
        {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&#39;", '\''}, {"&amp;", '&'}};
    std::string out;
    out.reserve(s.size());
    std::string_view in(s);
    for (std::size_t i = 0; i < in.size();) {
        bool replaced = false;
        if (in[i] == '&') {
            for (const auto& [ref, ch] : kRefs) {
                if (in.substr(i, ref.size()) == ref) {
                    out += ch;
                    i += ref.size();
                    replaced = true;
                    break;
                }
            }
        }
        if (!replaced) out += in[i++];
    }
    return out;
}

int base64Value(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '-' || c == '+') return 62;
    if (c == '_' || c == '/') return 63;
    return -1;
}

bool base64UrlDecode(std::string_view in, std::string& out) {
    unsigned int buffer = 0;
    int bits = 0;
    for (char c : in) {
        if (c == '=') break;
        int v = base64Value(c);
        if (v < 0) return false;
        buffer = (buffer << 6) | static_cast<unsigned int>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((buffer >> bits) & 0xFF);
        }
    }
    return true;
}

// Splits UTF-8 into characters (each kept as its byte sequence); Proofpoint counts characters.
std::vector<std::string_view> utf8Chars(std::string_view s) {
    std::vector<std::string_view> chars;
    std::size_t i = 0;
    while (i < s.size()) {
        auto b = static_cast<unsigned char>(s[i]);
        std::size_t len = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : (b >> 3) == 0x1E ? 4 : 1;
        if (i + len > s.size()) len = s.size() - i;
        chars.push_back(s.substr(i, len));
        i += len;
    }
    return chars;
}

int v3RunLength(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A' + 2;
    if (c >= 'a' && c <= 'z') return c - 'a' + 28;
    if (c >= '0' && c <= '9') return c - '0' + 54;
    if (c == '-') return 64;
    if (c == '_') return 65;
    return -1;
}

struct Layer {
    bool matched = false;
    std::string name;
    std::string target;
    bool unresolved = false;
    std::string domain;
};

Layer peel(std::string_view url) {
    Layer layer;
    UrlParts u;
    if (!splitUrl(url, u) || (u.scheme != "https" && u.scheme != "http")) return layer;
    const std::string& host = u.host;
    auto param = [&](std::string_view name) {
        bool found = false;
        auto value = queryParam(u.query, name, &found);
        return found ? std::string(value) : std::string();
    };
    if (hostUnder(host, "safelinks.protection.outlook.com") ||
        hostUnder(host, "safelinks.protection.office365.us") ||
        hostUnder(host, "safelinks.protection.outlook.de") ||
        hostUnder(host, "safelinks.protection.partner.outlook.cn") ||
        hostUnder(host, "safelinks.protection.apps.mil") ||
        (host == "statics.teams.cdn.office.net" && u.path.find("safelinks") != std::string_view::npos) ||
        ((host == "outlook.office.com" || host == "outlook.office365.com" || host == "outlook.live.com") &&
         u.path.find("safelink") != std::string_view::npos)) {
        std::string v = param("url");
        if (v.empty()) return layer;
        layer = {true, "safelinks", percentDecode(v), false, {}};
        return layer;
    }
    if (host == "urldefense.proofpoint.com" || host == "urldefense.com" || hostUnder(host, "urldefense.us")) {
        if (startsWith(u.path, "/v1/")) {
            std::string v = param("u");
            if (v.empty()) return layer;
            return {true, "proofpoint-v1", basicHtmlUnescape(percentDecode(v)), false, {}};
        }
        if (startsWith(u.path, "/v2/")) {
            std::string v = param("u");
            if (v.empty()) return layer;
            for (char& c : v) {
                if (c == '-') c = '%';
                else if (c == '_') c = '/';
            }
            return {true, "proofpoint-v2", basicHtmlUnescape(percentDecode(v)), false, {}};
        }
        auto v3 = url.find("/v3/__");
        if (v3 != std::string_view::npos) {
            std::string decoded = decodeProofpointV3(url.substr(v3 + 6));
            if (decoded.empty()) return layer;
            return {true, "proofpoint-v3", decoded, false, {}};
        }
        return layer;
    }
    if (host == "secure-web.cisco.com") {
        // https://secure-web.cisco.com/<token>/<target percent-encoded>
        std::string_view path = u.path;
        if (path.size() < 3) return layer;
        auto slash = path.find('/', 1);
        if (slash == std::string_view::npos) return layer;
        std::size_t start = static_cast<std::size_t>(path.data() - url.data()) + slash + 1;
        return {true, "cisco", percentDecode(url.substr(start)), false, {}};
    }
    if (host == "linkprotect.cudasvc.com" && startsWith(u.path, "/url")) {
        std::string v = param("a");
        if (v.empty()) return layer;
        return {true, "barracuda", percentDecode(v), false, {}};
    }
    if ((host == "www.google.com" || host == "google.com" || startsWith(host, "www.google.")) &&
        u.path == "/url") {
        std::string v = param("q");
        if (v.empty()) v = param("url");
        if (v.empty()) return layer;
        return {true, "google-redirect", percentDecode(v), false, {}};
    }
    if ((hostUnder(host, "mimecast.com") && startsWith(host, "protect")) || hostUnder(host, "mimecastprotect.com")) {
        layer.matched = true;
        layer.name = "mimecast";
        layer.target = std::string(url);
        layer.unresolved = true;
        layer.domain = percentDecode(param("domain"));
        return layer;
    }
    // A Google Calendar copy that lost its "google.com/url?q=" prefix keeps the encoded target and
    // the "&sa=D&source=..." tail.
    auto tail = url.find("&sa=D&");
    if (tail != std::string_view::npos && url.find("source=", tail) != std::string_view::npos) {
        return {true, "google-redirect-tail", percentDecode(url.substr(0, tail)), false, {}};
    }
    return layer;
}

}  // namespace

std::string decodeProofpointV3(std::string_view encoded) {
    auto sep = encoded.find("__;");
    if (sep == std::string_view::npos) return {};
    std::string target = percentDecode(encoded.substr(0, sep));
    std::string_view after = encoded.substr(sep + 3);
    auto bang = after.find('!');
    std::string_view b64 = after.substr(0, bang);
    std::string replacement_bytes;
    if (!base64UrlDecode(b64, replacement_bytes)) return {};
    auto replacements = utf8Chars(replacement_bytes);
    std::size_t next = 0;
    std::string out;
    out.reserve(target.size());
    for (std::size_t i = 0; i < target.size(); ++i) {
        if (target[i] != '*') {
            out += target[i];
            continue;
        }
        int count = 1;
        if (i + 2 < target.size() + 1 && i + 1 < target.size() && target[i + 1] == '*' && i + 2 < target.size()) {
            count = v3RunLength(target[i + 2]);
            if (count < 0) return {};
            i += 2;
        }
        for (int k = 0; k < count; ++k) {
            if (next >= replacements.size()) return {};
            out += replacements[next++];
        }
    }
    return out;
}

Unwrapped unwrapUrl(std::string_view url, int max_depth) {
    Unwrapped result;
    result.url = std::string(url);
    for (int depth = 0; depth < max_depth; ++depth) {
        Layer layer = peel(result.url);
        if (!layer.matched) break;
        result.gateways.push_back(layer.name);
        if (layer.unresolved) {
            result.unresolved = true;
            result.mimecast_domain = layer.domain;
            break;
        }
        if (layer.target == result.url) break;  // no progress
        result.url = std::move(layer.target);
    }
    return result;
}

}  // namespace calconn::detect
