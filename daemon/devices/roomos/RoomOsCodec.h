// The RoomOS xAPI over HTTP, as pure functions: `xCommand Bookings Put` as a /putxml command
// envelope with the JSON payload in <body>, Bookings Clear/List, the session cookie, and the
// device's answers turned into Results (research/devices-webex-kms.md §1.2-1.3).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/Result.h"
#include "devices/DeviceBooking.h"
#include "net/HttpTypes.h"

namespace calconn::devices::roomos {

inline constexpr std::string_view kPutXmlPath = "/putxml";
inline constexpr std::string_view kSessionBeginPath = "/xmlapi/session/begin";
inline constexpr std::string_view kSessionEndPath = "/xmlapi/session/end";
// The older private TMS push endpoint (research §1.4): the fallback when Bookings Put is
// unknown to the firmware or refused as "not entitled" (on-premises registration).
inline constexpr std::string_view kLegacyPutPath = "/bookingsputxml";

// {"Bookings":[...]} with the documented fields in a fixed order.
std::string bookingsPutJson(const std::vector<DeviceBooking>& bookings);

// &, < and > (and quotes) as entities: the JSON can then carry any title, "]]>" included.
std::string xmlEscape(std::string_view text);

// <Command><Bookings><Put><body>JSON</body></Put></Bookings></Command>
std::string bookingsPutCommand(std::string_view json);
std::string bookingsPutCommand(const std::vector<DeviceBooking>& bookings);
std::string bookingsClearCommand();
std::string bookingsListCommand();

// The same list in the TMS <Bookings><Booking>... form that /bookingsputxml takes.
std::string legacyBookingsXml(const std::vector<DeviceBooking>& bookings);
// 2xx is success (what the device answers beyond that is not documented).
common::Status parseLegacyResponse(int http_status, std::string_view body);
// True when a Bookings Put error means "this firmware cannot take Bookings Put": 404, an
// unknown command, or "not entitled".
bool wantsLegacyFallback(const common::Error& error);

// "Basic base64(user:password)".
std::string basicAuthorization(std::string_view username, std::string_view password);

// The session cookie from a session/begin answer: SecureSessionId (newer firmware over
// HTTPS) or SessionId (older). Returns "NAME=VALUE", ready for a Cookie header.
std::optional<std::string> sessionCookie(const net::HttpHeaders& headers);

// A /putxml answer as a Result:
//   2xx with <...Result status="OK"> -> ok;
//   2xx with status="Error" -> InvalidArgument with the <Reason> text (PermissionDenied when
//     the reason says so);
//   401 -> Unauthenticated, 403 -> PermissionDenied, 503 and 429 -> Throttled, other 5xx ->
//   Unavailable, 404/405 -> NotFound (command or API not available), other -> Protocol;
//   2xx whose body is not a command result -> Protocol.
common::Status parseCommandResponse(int http_status, std::string_view body);

// Status of a session begin/end answer (204 expected; 200 tolerated).
common::Status parseSessionResponse(int http_status, std::string_view body);

}  // namespace calconn::devices::roomos
