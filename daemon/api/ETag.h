// Strong entity tags over response bodies, so that clients polling a meeting list revalidate
// with If-None-Match and get 304 without a body while nothing changed.
#pragma once

#include <string>
#include <string_view>

#include "api/Router.h"

namespace calconn::api {

// "\"<32 hex digits of SHA-256(body)>\"": equal bodies, equal tags.
std::string strongEtag(std::string_view body);

// True when an If-None-Match value names `etag`: "*", or a listed tag equal to it under the
// weak comparison RFC 9110 prescribes for If-None-Match (a W/ prefix is ignored).
bool ifNoneMatchMatches(std::string_view header, std::string_view etag);

// For a 200 answer to GET: adds the ETag header, and turns the answer into 304 with an empty
// body when the request's If-None-Match matches. Other answers are left alone.
void applyEtag(const ApiRequest& request, ApiResponse& response);

}  // namespace calconn::api
