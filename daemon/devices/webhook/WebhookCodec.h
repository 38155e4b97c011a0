// The webhook form of a room's booking list, for booking panels and other endpoints:
//   {"room":"...","generated_at":"...Z","bookings":[{id,title,private,tentative,start,end,
//    duration_minutes,start_time_buffer,end_time_buffer,organizer:{name,email},
//    join:{number,protocol,platform}|null}]}
// POSTed as application/json with `X-Calconn-Signature: sha256=<hex HMAC-SHA256(secret, body)>`
// over the exact body bytes; receivers recompute it and compare in constant time.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "devices/DeviceBooking.h"

namespace calconn::devices::webhook {

inline constexpr std::string_view kSignatureHeader = "X-Calconn-Signature";

std::string webhookBody(std::string_view room, core::UtcSeconds generated_at,
                        const std::vector<DeviceBooking>& bookings);

// Lower-case hex HMAC-SHA256 of body under secret.
std::string hmacSha256Hex(std::string_view secret, std::string_view body);

// "sha256=" + hmacSha256Hex(secret, body): the X-Calconn-Signature value.
std::string signatureHeaderValue(std::string_view secret, std::string_view body);

// Receiver side (and tests): constant-time check of a header value against the body.
bool verifySignature(std::string_view secret, std::string_view body, std::string_view header_value);

}  // namespace calconn::devices::webhook
