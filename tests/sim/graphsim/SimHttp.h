// Transport-neutral HTTP request/response types used by every graphsim component.
// The Poco server converts to and from these so handlers can be tested without sockets.
#pragma once

#include <algorithm>
#include <cctype>
#include <map>
#include <string>
#include <string_view>

namespace calconn::graphsim {

// Case-insensitive ordering for header names (HTTP field names are case-insensitive).
struct CaseInsensitiveLess {
    using is_transparent = void;
    bool operator()(std::string_view a, std::string_view b) const {
        return std::lexicographical_compare(
            a.begin(), a.end(), b.begin(), b.end(), [](unsigned char x, unsigned char y) {
                return std::tolower(x) < std::tolower(y);
            });
    }
};

using HeaderMap = std::map<std::string, std::string, CaseInsensitiveLess>;

struct SimRequest {
    std::string method;  // "GET", "POST", ... (upper case)
    std::string path;    // decoded-as-received path without the query, e.g. "/v1.0/users/x/events"
    std::string query;   // raw query string without '?', still percent-encoded
    HeaderMap headers;
    std::string body;

    // Header value or empty string.
    std::string header(std::string_view name) const {
        auto it = headers.find(name);
        return it == headers.end() ? std::string() : it->second;
    }
};

struct SimResponse {
    int status = 200;
    HeaderMap headers;  // Content-Type is set here like any other header
    std::string body;

    // Transport-level faults requested by fault injection (the server honours them).
    bool reset_connection = false;  // close the socket without a response
    bool truncate = false;          // announce the full length, send half the body, close
};

// Percent-decodes a query component ('+' becomes space).
std::string urlDecode(std::string_view text);
// Percent-encodes everything except unreserved characters.
std::string urlEncode(std::string_view text);
// Splits a raw query string into decoded name/value pairs (later duplicates win).
std::map<std::string, std::string> parseQuery(std::string_view raw_query);

}  // namespace calconn::graphsim
