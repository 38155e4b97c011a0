// One error-code enum for the whole daemon. Each code has a stable name used in logs
// (ERROR_CODE=) and in API answers; never renumber or rename a published code.
#pragma once

#include <string_view>

namespace calconn::common {

enum class ErrorCode {
    Ok,
    InvalidArgument,  // malformed input from a user, a file or a peer
    Config,           // configuration invalid
    NotFound,
    AlreadyExists,
    PermissionDenied,
    Unauthenticated,
    Throttled,        // peer asked us to slow down (429, budget exhausted)
    Unavailable,      // peer unreachable, 5xx, reset, timeout
    Timeout,
    Conflict,         // precondition failed, concurrent change
    Gone,             // sync state expired (410) and similar
    Io,               // local file or socket failure
    Crypto,
    Storage,
    Protocol,         // peer answered something we cannot decode
    Cancelled,
    Internal,         // a bug: aborts in debug builds where detected
};

// Stable lower_snake_case name, e.g. "invalid_argument".
std::string_view errorCodeName(ErrorCode code);

}  // namespace calconn::common
