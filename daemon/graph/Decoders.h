// Pure decoders from Graph and identity-platform JSON (simdjson) to graph:: values.
// Unknown fields are ignored; a known field with the wrong type, truncated or invalid JSON
// give a Protocol error naming the field path — never a crash or a silent default.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "common/Result.h"
#include "graph/GraphTypes.h"
#include "net/HttpTypes.h"

namespace calconn::graph {

common::Result<Event> decodeEvent(std::string_view json);
common::Result<EventPage> decodeEventPage(std::string_view json);
common::Result<DeltaPage> decodeDeltaPage(std::string_view json);
common::Result<MailboxSettings> decodeMailboxSettings(std::string_view json);
common::Result<Subscription> decodeSubscription(std::string_view json);
common::Result<TokenResponse> decodeTokenResponse(std::string_view json);

// Never fails: an unreadable body still yields the status, headers and a generic kind.
GraphError decodeGraphError(int http_status, std::string_view body,
                            const net::HttpHeaders& headers = {});
TokenError decodeTokenError(int http_status, std::string_view body);

// Our error for a Graph failure: code from the status and Graph code (401 Unauthenticated,
// 403 PermissionDenied, 404 NotFound, 410 Gone, 409/412 Conflict, 429 Throttled, 5xx
// Unavailable, other 4xx InvalidArgument); context carries "kind=<kind> code=<graph code>
// request-id=<id> [retry-after-ms=<n>]" so callers can branch with errorKindOf().
common::Error toError(const GraphError& error);
common::Error toError(const TokenError& error);
GraphErrorKind errorKindOf(const common::Error& error);
// The Graph error code ("ErrorItemNotFound") and the server's Retry-After hint carried in an
// error made by toError(), if any.
std::string graphCodeOf(const common::Error& error);
std::optional<std::chrono::milliseconds> retryAfterOf(const common::Error& error);

// Graph's error codes that mean "drop the delta link and resync" (compared ignoring case).
bool isResyncCode(std::string_view code);

}  // namespace calconn::graph
