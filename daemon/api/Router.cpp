#include "api/Router.h"

#include <sstream>

#include <Poco/JSON/Object.h>

namespace calconn::api {

namespace {

std::vector<std::string> splitPath(const std::string& path) {
    std::vector<std::string> segments;
    std::string current;
    for (char c : path) {
        if (c == '/') {
            if (!current.empty()) segments.push_back(std::move(current));
            current.clear();
        } else {
            current += c;
        }
    }
    if (!current.empty()) segments.push_back(std::move(current));
    return segments;
}

bool isCapture(const std::string& segment) {
    return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

bool matches(const std::vector<std::string>& pattern, const std::vector<std::string>& path,
             std::map<std::string, std::string>& params) {
    if (pattern.size() != path.size()) return false;
    std::map<std::string, std::string> captured;
    for (size_t i = 0; i < pattern.size(); ++i) {
        if (isCapture(pattern[i])) {
            captured[pattern[i].substr(1, pattern[i].size() - 2)] = path[i];
        } else if (pattern[i] != path[i]) {
            return false;
        }
    }
    params = std::move(captured);
    return true;
}

}  // namespace

ApiResponse jsonError(int status, common::ErrorCode code, const std::string& message) {
    Poco::JSON::Object::Ptr error = new Poco::JSON::Object;
    error->set("code", std::string(common::errorCodeName(code)));
    error->set("message", message);
    Poco::JSON::Object root;
    root.set("error", error);
    std::ostringstream out;
    root.stringify(out);
    return ApiResponse{status, "application/json", out.str()};
}

void Router::add(std::string method, std::string pattern, Handler handler) {
    Route route;
    route.segments = splitPath(pattern);
    route.method = std::move(method);
    route.pattern = std::move(pattern);
    route.handler = std::move(handler);
    routes_.push_back(std::move(route));
}

ApiResponse Router::dispatch(ApiRequest request) const {
    const std::vector<std::string> segments = splitPath(request.path);
    bool path_known = false;
    for (const Route& route : routes_) {
        std::map<std::string, std::string> params;
        if (!matches(route.segments, segments, params)) continue;
        path_known = true;
        if (route.method != request.method) continue;
        request.params = std::move(params);
        return route.handler(request);
    }
    if (path_known) {
        return jsonError(405, common::ErrorCode::InvalidArgument,
                         "method " + request.method + " not allowed on " + request.path);
    }
    return jsonError(404, common::ErrorCode::NotFound, "no such resource: " + request.path);
}

std::optional<std::string> Router::matchedPattern(const std::string& method,
                                                  const std::string& path) const {
    const std::vector<std::string> segments = splitPath(path);
    for (const Route& route : routes_) {
        std::map<std::string, std::string> params;
        if (route.method == method && matches(route.segments, segments, params)) return route.pattern;
    }
    return std::nullopt;
}

std::vector<std::string> Router::describe() const {
    std::vector<std::string> lines;
    for (const Route& route : routes_) lines.push_back(route.method + " " + route.pattern);
    return lines;
}

}  // namespace calconn::api
