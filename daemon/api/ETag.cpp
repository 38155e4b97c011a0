#include "api/ETag.h"

#include "api/TokenFile.h"

namespace calconn::api {

std::string strongEtag(std::string_view body) {
    return "\"" + sha256Hex(body).substr(0, 32) + "\"";
}

bool ifNoneMatchMatches(std::string_view header, std::string_view etag) {
    std::size_t pos = 0;
    while (pos < header.size()) {
        while (pos < header.size() &&
               (header[pos] == ' ' || header[pos] == '\t' || header[pos] == ',')) {
            ++pos;
        }
        if (pos >= header.size()) break;
        if (header[pos] == '*') return true;
        if (header.substr(pos, 2) == "W/") pos += 2;
        if (pos >= header.size() || header[pos] != '"') return false;  // malformed: no match
        const std::size_t close = header.find('"', pos + 1);
        if (close == std::string_view::npos) return false;
        if (header.substr(pos, close - pos + 1) == etag) return true;
        pos = close + 1;
    }
    return false;
}

void applyEtag(const ApiRequest& request, ApiResponse& response) {
    if (response.status != 200 || request.method != "GET") return;
    const std::string etag = strongEtag(response.body);
    response.headers.emplace_back("ETag", etag);
    // Per-user data: caches may keep it but must revalidate, and only for this client.
    response.headers.emplace_back("Cache-Control", "private, no-cache");
    const auto header = request.headers.find("if-none-match");
    if (header != request.headers.end() && ifNoneMatchMatches(header->second, etag)) {
        response.status = 304;
        response.body.clear();
    }
}

}  // namespace calconn::api
