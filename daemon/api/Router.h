// A small route table for the control socket and the REST API: method + path pattern
// -> handler. Patterns are literal segments and {name} captures, e.g. "/v1/mailboxes/{upn}".
// Handlers see plain value types, never Poco, so they are trivial to unit-test.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/ErrorCode.h"

namespace calconn::api {

struct ApiRequest {
    std::string method;                         // "GET", "POST", ...
    std::string path;                           // without the query string
    std::map<std::string, std::string> query;   // decoded ?a=b&c=d
    std::map<std::string, std::string> params;  // {name} captures of the matched pattern
    std::string body;
    std::map<std::string, std::string> headers;  // names in lower case ("authorization")
};

class EventStream;

struct ApiResponse {
    ApiResponse() = default;
    ApiResponse(int status_code, std::string type, std::string text)
        : status(status_code), content_type(std::move(type)), body(std::move(text)) {}

    int status = 200;
    std::string content_type = "application/json";
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;  // extra headers, e.g. ETag
    // Set for a server-sent event stream: the server sends the headers and `body` at once,
    // then the stream's frames as they come, until either side closes.
    std::shared_ptr<EventStream> stream;
};

// {"error": {"code": "<errorCodeName>", "message": "..."}} with the given HTTP status.
ApiResponse jsonError(int status, common::ErrorCode code, const std::string& message);

class Router {
public:
    using Handler = std::function<ApiResponse(const ApiRequest&)>;

    // Later additions win nothing: the first matching route answers.
    void add(std::string method, std::string pattern, Handler handler);

    // Finds the route, fills request.params and calls the handler; 404 when no pattern
    // matches the path, 405 when one matches but not with this method.
    ApiResponse dispatch(ApiRequest request) const;

    // The pattern of the route that answers this method and path, if any.
    std::optional<std::string> matchedPattern(const std::string& method, const std::string& path) const;

    // "GET /v1/status" lines, in the order added (for help texts and tests).
    std::vector<std::string> describe() const;

private:
    struct Route {
        std::string method;
        std::vector<std::string> segments;
        std::string pattern;
        Handler handler;
    };
    std::vector<Route> routes_;
};

}  // namespace calconn::api
