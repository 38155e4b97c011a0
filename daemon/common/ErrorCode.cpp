#include "common/ErrorCode.h"

namespace calconn::common {

std::string_view errorCodeName(ErrorCode code) {
    switch (code) {
        case ErrorCode::Ok: return "ok";
        case ErrorCode::InvalidArgument: return "invalid_argument";
        case ErrorCode::Config: return "config";
        case ErrorCode::NotFound: return "not_found";
        case ErrorCode::AlreadyExists: return "already_exists";
        case ErrorCode::PermissionDenied: return "permission_denied";
        case ErrorCode::Unauthenticated: return "unauthenticated";
        case ErrorCode::Throttled: return "throttled";
        case ErrorCode::Unavailable: return "unavailable";
        case ErrorCode::Timeout: return "timeout";
        case ErrorCode::Conflict: return "conflict";
        case ErrorCode::Gone: return "gone";
        case ErrorCode::Io: return "io";
        case ErrorCode::Crypto: return "crypto";
        case ErrorCode::Storage: return "storage";
        case ErrorCode::Protocol: return "protocol";
        case ErrorCode::Cancelled: return "cancelled";
        case ErrorCode::Internal: return "internal";
    }
    return "unknown";
}

}  // namespace calconn::common
