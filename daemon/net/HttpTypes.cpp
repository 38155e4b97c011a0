#include "net/HttpTypes.h"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace calconn::net {

using common::ErrorCode;
using common::makeError;

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(a[i])) !=
            std::tolower(static_cast<unsigned char>(b[i]))) {
            return false;
        }
    }
    return true;
}

void HttpHeaders::add(std::string name, std::string value) {
    fields_.emplace_back(std::move(name), std::move(value));
}

void HttpHeaders::set(std::string name, std::string value) {
    remove(name);
    add(std::move(name), std::move(value));
}

void HttpHeaders::remove(std::string_view name) {
    fields_.erase(std::remove_if(fields_.begin(), fields_.end(),
                                 [&](const Field& f) { return equalsIgnoreCase(f.first, name); }),
                  fields_.end());
}

std::optional<std::string> HttpHeaders::get(std::string_view name) const {
    for (const auto& field : fields_) {
        if (equalsIgnoreCase(field.first, name)) return field.second;
    }
    return std::nullopt;
}

std::vector<std::string> HttpHeaders::getAll(std::string_view name) const {
    std::vector<std::string> out;
    for (const auto& field : fields_) {
        if (equalsIgnoreCase(field.first, name)) out.push_back(field.second);
    }
    return out;
}

bool isIdempotentMethod(std::string_view method) {
    return method == "GET" || method == "HEAD" || method == "PUT" || method == "DELETE" ||
           method == "OPTIONS";
}

bool failedBeforeSending(const common::Error& error) {
    return error.context.rfind(kPhaseConnect, 0) == 0;
}

common::Result<UrlParts> splitUrl(std::string_view url) {
    UrlParts parts;
    const auto scheme_end = url.find("://");
    if (scheme_end == std::string_view::npos) {
        return makeError(ErrorCode::InvalidArgument, "url has no scheme");
    }
    for (char c : url.substr(0, scheme_end)) {
        parts.scheme.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
    if (parts.scheme != "http" && parts.scheme != "https") {
        return makeError(ErrorCode::InvalidArgument, "url scheme is not http or https",
                         parts.scheme);
    }
    std::string_view rest = url.substr(scheme_end + 3);
    const auto authority_end = rest.find_first_of("/?#");
    std::string_view authority = rest.substr(0, authority_end);
    std::string_view target =
        authority_end == std::string_view::npos ? std::string_view{} : rest.substr(authority_end);
    if (authority.find('@') != std::string_view::npos) {
        return makeError(ErrorCode::InvalidArgument, "url must not carry user information");
    }
    std::string_view port_text;
    if (!authority.empty() && authority.front() == '[') {
        const auto close = authority.find(']');
        if (close == std::string_view::npos) {
            return makeError(ErrorCode::InvalidArgument, "url has an unterminated ipv6 literal");
        }
        parts.host = std::string(authority.substr(1, close - 1));
        std::string_view after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') {
                return makeError(ErrorCode::InvalidArgument, "url has junk after the host");
            }
            port_text = after.substr(1);
        }
    } else {
        const auto colon = authority.rfind(':');
        if (colon != std::string_view::npos) {
            port_text = authority.substr(colon + 1);
            authority = authority.substr(0, colon);
        }
        parts.host = std::string(authority);
    }
    if (parts.host.empty()) return makeError(ErrorCode::InvalidArgument, "url has no host");
    parts.port = parts.scheme == "https" ? 443 : 80;
    if (!port_text.empty()) {
        unsigned value = 0;
        auto [ptr, ec] =
            std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
        if (ec != std::errc{} || ptr != port_text.data() + port_text.size() || value == 0 ||
            value > 65535) {
            return makeError(ErrorCode::InvalidArgument, "url has an invalid port");
        }
        parts.port = static_cast<std::uint16_t>(value);
    }
    // The fragment is never sent.
    const auto hash = target.find('#');
    if (hash != std::string_view::npos) target = target.substr(0, hash);
    if (target.empty() || target.front() != '/') {
        parts.target = "/";
        parts.target += target;  // "?query" without a path
    } else {
        parts.target = std::string(target);
    }
    for (char c : parts.target) {
        if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
            return makeError(ErrorCode::InvalidArgument,
                             "url contains a space or control character");
        }
    }
    return parts;
}

}  // namespace calconn::net
