// URL helpers for detection: a small non-validating splitter, percent-decoding exactly once, and
// the per-service grammar (host on a label boundary + path) that says whether a URL or address is
// a join target of a service, and why not when it is not.
#pragma once

#include <string>
#include <string_view>

#include "detect/Detection.h"

namespace calconn::detect {

struct UrlParts {
    std::string scheme;  // lower-case, without ':'
    std::string host;    // lower-case, without userinfo and port
    std::string_view path;
    std::string_view query;     // without '?'
    std::string_view fragment;  // without '#'
    bool has_authority = false;
};

// Splits `url` (which must outlive the result's views). False when there is no scheme.
bool splitUrl(std::string_view url, UrlParts& out);

// Decodes %XX escapes once; malformed escapes are kept literally.
std::string percentDecode(std::string_view in);

// Value of query parameter `name` (not decoded), up to the first literal '&'; empty if absent.
std::string_view queryParam(std::string_view query, std::string_view name, bool* found = nullptr);

// Host equals `domain` or is a sub-domain of it (label boundary).
bool hostUnder(std::string_view host, std::string_view domain);

struct Classification {
    Service service = Service::None;
    Modality modality = Modality::Web;
    bool joinable = false;
    bool has_credentials = false;
    std::string normalised;   // URI per §7 (web URLs unchanged)
    std::string meeting_key;  // identifies the meeting across variants ("zoom:8441236509")
    std::string why;          // short reason, e.g. "Zoom personal link" or "Zoom /u/ page is not a join link"
};

// Classifies a URI that has been unwrapped and unescaped (http(s), sip(s), h323, tel, app schemes).
Classification classifyUri(std::string_view uri);

}  // namespace calconn::detect
