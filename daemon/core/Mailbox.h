// A configured mailbox (user or room) and the state of its synchronisation, as shown by
// `calconnctl status` and the REST API. Pure data; the store persists it, sync drives it.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace calconn::core {

enum class MailboxKind { User, Room };

enum class MailboxState { Pending, Active, Error };

// Why a mailbox is in state Error. Names are stable: they appear in logs and API answers.
enum class MailboxErrorReason {
    None,
    ConsentMissing,     // 401/403 for the tenant: admin consent not (or no longer) granted
    OutOfScope,         // 403 ErrorAccessDenied: outside the application access policy
    MailboxNotFound,    // 404 for the user
    NotEnabledForRest,  // MailboxNotEnabledForRESTAPI
    Throttled,          // repeated 429 beyond the retry budget
    Unavailable,        // Graph unreachable or 5xx beyond retries
    Internal,
};

struct Mailbox {
    std::string
        upn;  // user principal name or room address, as configured (compared case-insensitively)
    std::string graph_id;  // Graph object id once known, else empty
    MailboxKind kind = MailboxKind::User;
    MailboxState state = MailboxState::Pending;
    MailboxErrorReason error_reason = MailboxErrorReason::None;
    std::string error_message;                          // human text for the last error, no secrets
    std::optional<std::chrono::sys_seconds> last_sync;  // last successful sync round

    bool operator==(const Mailbox&) const = default;
};

std::string_view mailboxKindName(MailboxKind kind);             // "user", "room"
std::string_view mailboxStateName(MailboxState state);          // "pending", "active", "error"
std::string_view mailboxErrorReasonName(MailboxErrorReason r);  // "", "consent_missing", ...
std::optional<MailboxKind> parseMailboxKind(std::string_view name);
std::optional<MailboxState> parseMailboxState(std::string_view name);
std::optional<MailboxErrorReason> parseMailboxErrorReason(std::string_view name);

}  // namespace calconn::core
