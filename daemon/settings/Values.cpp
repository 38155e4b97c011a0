#include "settings/Values.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <limits>
#include <vector>

namespace calconn::settings {
namespace {

using common::ErrorCode;
using common::makeError;

common::Error invalid(std::string message) {
    return makeError(ErrorCode::Config, std::move(message));
}

std::string quoted(std::string_view text) { return "'" + std::string(text) + "'"; }

bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isHex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }
bool isAlnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

// Reads decimal digits at text[pos...]; false on overflow or when there is none.
bool readNumber(std::string_view text, std::size_t& pos, std::uint64_t& out) {
    const auto start = pos;
    out = 0;
    while (pos < text.size() && isDigit(text[pos])) {
        const auto digit = static_cast<std::uint64_t>(text[pos] - '0');
        if (out > (std::numeric_limits<std::uint64_t>::max() - digit) / 10) return false;
        out = out * 10 + digit;
        ++pos;
    }
    return pos > start;
}

struct Unit {
    std::string_view name;
    std::uint64_t factor;
};

constexpr std::array kDurationUnits = {Unit{"w", std::uint64_t{7} * 86400}, Unit{"d", 86400},
                                       Unit{"h", 3600}, Unit{"m", 60}, Unit{"s", 1}};
constexpr std::array kSizeUnits = {Unit{"GiB", 1024ULL * 1024 * 1024},
                                   Unit{"MiB", std::uint64_t{1024} * 1024}, Unit{"KiB", 1024},
                                   Unit{"B", 1}};

bool validHostName(std::string_view host) {
    if (host.empty() || host.size() > 253) return false;
    std::size_t label = 0;
    for (char c : host) {
        if (c == '.') {
            if (label == 0) return false;
            label = 0;
        } else if (isAlnum(c) || c == '-' || c == '_') {
            if (++label > 63) return false;
        } else {
            return false;
        }
    }
    return label > 0;
}

bool validIpv6(std::string_view host) {
    if (host.size() < 2) return false;
    for (char c : host) {
        if (!isHex(c) && c != ':' && c != '.') return false;
    }
    return host.find(':') != std::string_view::npos;
}

// host[:port] where host may be [v6]; port_required for listen addresses.
bool splitHostPort(std::string_view text, std::string_view& host, std::string_view& port) {
    if (!text.empty() && text.front() == '[') {
        const auto close = text.find(']');
        if (close == std::string_view::npos) return false;
        host = text.substr(0, close + 1);
        auto rest = text.substr(close + 1);
        if (rest.empty()) {
            port = {};
            return true;
        }
        if (rest.front() != ':') return false;
        port = rest.substr(1);
        return true;
    }
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) {
        host = text;
        port = {};
        return true;
    }
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    return true;
}

bool validHost(std::string_view host) {
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
        return validIpv6(host.substr(1, host.size() - 2));
    }
    return validHostName(host);
}

bool validPort(std::string_view port, bool allow_zero) {
    if (port.empty() || port.size() > 5) return false;
    std::size_t pos = 0;
    std::uint64_t value = 0;
    if (!readNumber(port, pos, value) || pos != port.size()) return false;
    return value <= 65535 && (allow_zero || value > 0);
}

}  // namespace

common::Result<std::chrono::seconds> parseDuration(std::string_view text) {
    const std::string hint = " (use a number and a unit s, m, h, d or w, e.g. 90s or 1h30m)";
    if (text.empty()) return invalid("empty duration" + hint);
    std::size_t pos = 0;
    std::uint64_t total = 0;
    while (pos < text.size()) {
        std::uint64_t number = 0;
        if (!readNumber(text, pos, number))
            return invalid("invalid duration " + quoted(text) + hint);
        const auto unit_start = pos;
        while (pos < text.size() && std::isalpha(static_cast<unsigned char>(text[pos]))) ++pos;
        const auto unit_name = text.substr(unit_start, pos - unit_start);
        if (unit_name.empty()) {
            return invalid("duration " + quoted(text) + " has no unit" + hint);
        }
        const auto unit = std::find_if(kDurationUnits.begin(), kDurationUnits.end(),
                                       [&](const Unit& u) { return u.name == unit_name; });
        if (unit == kDurationUnits.end()) {
            return invalid("invalid duration " + quoted(text) + hint);
        }
        constexpr std::uint64_t kMax = 100ULL * 365 * 86400;  // a century is plenty
        if (number > kMax / unit->factor || total + number * unit->factor > kMax) {
            return invalid("duration " + quoted(text) + " is too long");
        }
        total += number * unit->factor;
    }
    return std::chrono::seconds(static_cast<std::int64_t>(total));
}

std::string formatDuration(std::chrono::seconds value) {
    const auto count = static_cast<std::uint64_t>(std::max<std::int64_t>(0, value.count()));
    if (count == 0) return "0s";
    for (const auto& unit : kDurationUnits) {
        if (unit.name == "w") continue;  // "14d" reads better than "2w"
        if (count % unit.factor == 0)
            return std::to_string(count / unit.factor) + std::string(unit.name);
    }
    return std::to_string(count) + "s";
}

common::Result<std::uint64_t> parseSize(std::string_view text) {
    const std::string hint = " (use a number and a unit B, KiB, MiB or GiB, e.g. 512KiB)";
    std::size_t pos = 0;
    std::uint64_t number = 0;
    if (!readNumber(text, pos, number)) return invalid("invalid size " + quoted(text) + hint);
    const auto unit_name = text.substr(pos);
    if (unit_name.empty()) return invalid("size " + quoted(text) + " has no unit" + hint);
    const auto unit = std::find_if(kSizeUnits.begin(), kSizeUnits.end(),
                                   [&](const Unit& u) { return u.name == unit_name; });
    if (unit == kSizeUnits.end()) return invalid("invalid size " + quoted(text) + hint);
    if (number > std::numeric_limits<std::uint64_t>::max() / unit->factor) {
        return invalid("size " + quoted(text) + " is too large");
    }
    return number * unit->factor;
}

std::string formatSize(std::uint64_t bytes) {
    if (bytes == 0) return "0B";
    for (const auto& unit : kSizeUnits) {
        if (bytes % unit.factor == 0)
            return std::to_string(bytes / unit.factor) + std::string(unit.name);
    }
    return std::to_string(bytes) + "B";
}

common::Status checkUrl(std::string_view text, std::string_view schemes) {
    const auto sep = text.find("://");
    if (sep == std::string_view::npos) {
        return invalid("invalid URL " + quoted(text) + " (expected scheme://host[:port][/path])");
    }
    const auto scheme = text.substr(0, sep);
    bool allowed = false;
    std::string_view rest_schemes = schemes;
    while (!rest_schemes.empty()) {
        const auto bar = rest_schemes.find('|');
        if (rest_schemes.substr(0, bar) == scheme) allowed = true;
        if (bar == std::string_view::npos) break;
        rest_schemes.remove_prefix(bar + 1);
    }
    if (!allowed) {
        return invalid("URL " + quoted(text) + " must use " + std::string(schemes));
    }
    auto authority = text.substr(sep + 3);
    authority = authority.substr(0, authority.find_first_of("/?#"));
    if (authority.find('@') != std::string_view::npos) {
        return invalid("URL " + quoted(text) + " must not contain credentials; use a *_file key");
    }
    std::string_view host;
    std::string_view port;
    if (!splitHostPort(authority, host, port) || host.empty()) {
        return invalid("URL " + quoted(text) + " has no host");
    }
    if (!validHost(host)) return invalid("URL " + quoted(text) + " has an invalid host");
    if (authority.size() > host.size() && !validPort(port, false)) {
        return invalid("URL " + quoted(text) + " has an invalid port");
    }
    for (char c : text) {
        if (std::isspace(static_cast<unsigned char>(c)) ||
            std::iscntrl(static_cast<unsigned char>(c))) {
            return invalid("URL " + quoted(text) + " contains white space");
        }
    }
    return {};
}

std::string urlHost(std::string_view url) {
    const auto sep = url.find("://");
    if (sep == std::string_view::npos) return {};
    auto authority = url.substr(sep + 3);
    authority = authority.substr(0, authority.find_first_of("/?#"));
    std::string_view host;
    std::string_view port;
    if (!splitHostPort(authority, host, port)) return {};
    return std::string(host);
}

common::Status checkGuid(std::string_view text) {
    static constexpr std::array kGroups = {8, 4, 4, 4, 12};
    std::size_t pos = 0;
    bool ok = text.size() == 36;
    for (std::size_t g = 0; ok && g < kGroups.size(); ++g) {
        for (int i = 0; ok && i < kGroups[g]; ++i, ++pos) ok = isHex(text[pos]);
        if (ok && g + 1 < kGroups.size()) ok = text[pos++] == '-';
    }
    if (!ok) {
        return invalid(
            "invalid GUID " + quoted(text) +
            " (expected 8-4-4-4-12 hex digits, e.g. 2f0c8a1b-0000-4000-8000-000000000000)");
    }
    return {};
}

common::Status checkEmail(std::string_view text) {
    const auto at = text.find('@');
    const auto bad = [&] { return invalid("invalid e-mail address " + quoted(text)); };
    if (at == std::string_view::npos || at == 0 ||
        text.find('@', at + 1) != std::string_view::npos) {
        return bad();
    }
    for (char c : text.substr(0, at)) {
        if (std::isspace(static_cast<unsigned char>(c)) ||
            std::iscntrl(static_cast<unsigned char>(c)) || c == '<' || c == '>' || c == ',' ||
            c == ';' || c == '"') {
            return bad();
        }
    }
    const auto domain = text.substr(at + 1);
    if (!validHostName(domain) || domain.find('.') == std::string_view::npos) return bad();
    return {};
}

common::Status checkHostPort(std::string_view text) {
    std::string_view host;
    std::string_view port;
    if (!splitHostPort(text, host, port) || host.empty() || port.empty()) {
        return invalid("invalid listen address " + quoted(text) +
                       " (expected host:port, e.g. 127.0.0.1:8443)");
    }
    if (!validHost(host)) return invalid("invalid host in listen address " + quoted(text));
    if (!validPort(port, true)) return invalid("invalid port in listen address " + quoted(text));
    return {};
}

common::Result<std::string> normalizeSha256(std::string_view text) {
    std::string hex;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == ':' && i % 3 == 2) continue;
        if (!isHex(c)) {
            hex.clear();
            break;
        }
        hex += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    if (hex.size() != 64) {
        return invalid("invalid SHA-256 fingerprint " + quoted(text) + " (expected 64 hex digits)");
    }
    return hex;
}

common::Result<std::int64_t> parseInteger(std::string_view text) {
    std::size_t pos = 0;
    const bool negative = !text.empty() && text.front() == '-';
    if (negative || (!text.empty() && text.front() == '+')) pos = 1;
    std::uint64_t value = 0;
    if (!readNumber(text, pos, value) || pos != text.size() ||
        value > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
        return invalid("invalid integer " + quoted(text));
    }
    const auto signed_value = static_cast<std::int64_t>(value);
    return negative ? -signed_value : signed_value;
}

common::Result<bool> parseBoolean(std::string_view text) {
    if (text == "true") return true;
    if (text == "false") return false;
    return invalid("invalid boolean " + quoted(text) + " (expected true or false)");
}

std::size_t editDistance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t above = row[j];
            row[j] =
                std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diagonal = above;
        }
    }
    return row[b.size()];
}

}  // namespace calconn::settings
