// Our own HTTP value types: adapters above net/ see these, never Poco's. Header names compare
// case-insensitively (HTTP says so, and Graph mixes `Retry-After` and `retry-after`).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/Result.h"

namespace calconn::net {

bool equalsIgnoreCase(std::string_view a, std::string_view b);

// Ordered list of header fields; lookups ignore case. A header may appear more than once
// (Prefer is sent as several fields), so this is a list, not a map.
class HttpHeaders {
public:
    using Field = std::pair<std::string, std::string>;

    HttpHeaders() = default;
    HttpHeaders(std::initializer_list<Field> fields) : fields_(fields) {}

    // Appends a field even if one of that name exists.
    void add(std::string name, std::string value);
    // Replaces every field of that name by one.
    void set(std::string name, std::string value);
    void remove(std::string_view name);

    // First value of that name, if any.
    std::optional<std::string> get(std::string_view name) const;
    std::vector<std::string> getAll(std::string_view name) const;
    bool has(std::string_view name) const { return get(name).has_value(); }

    const std::vector<Field>& fields() const { return fields_; }
    bool empty() const { return fields_.empty(); }

private:
    std::vector<Field> fields_;
};

struct HttpRequest {
    std::string method = "GET";
    std::string url;  // absolute http(s) URL; its path and query are sent exactly as given
    HttpHeaders headers;
    std::string body;
    // Whole-exchange read timeout for this request; zero = the client's default.
    std::chrono::milliseconds timeout{0};
    // True when resending is harmless even if the first copy was processed (a token request,
    // a PATCH guarded by If-Match). GET, HEAD, PUT, DELETE and OPTIONS are always safe.
    bool retry_safe = false;
};

struct HttpResponse {
    int status = 0;
    std::string reason;
    HttpHeaders headers;
    std::string body;
};

// Idempotent methods may be resent after a failure that happened after sending.
bool isIdempotentMethod(std::string_view method);
inline bool isRetrySafe(const HttpRequest& request) {
    return request.retry_safe || isIdempotentMethod(request.method);
}

// Transport failures are common::Error values whose context starts with the phase in which
// they happened: "connect ..." means nothing reached the peer (safe to retry any method);
// "exchange ..." means the request may have been processed.
inline constexpr std::string_view kPhaseConnect = "connect";
inline constexpr std::string_view kPhaseExchange = "exchange";
bool failedBeforeSending(const common::Error& error);

// Scheme, host and port of an absolute URL, and the part sent on the request line
// (path and query, untouched: Graph's nextLink/deltaLink are opaque and must not be re-encoded).
struct UrlParts {
    std::string scheme;  // "http" or "https", lower case
    std::string host;    // without brackets for IPv6 literals
    std::uint16_t port = 0;
    std::string target;  // "/path?query", at least "/"
};
common::Result<UrlParts> splitUrl(std::string_view url);

}  // namespace calconn::net
