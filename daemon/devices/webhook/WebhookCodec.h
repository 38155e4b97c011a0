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

#include "crypto/WebhookSignature.h"
#include "devices/DeviceBooking.h"

namespace calconn::devices::webhook {

inline constexpr std::string_view kSignatureHeader = crypto::kSignatureHeader;

std::string webhookBody(std::string_view room, core::UtcSeconds generated_at,
                        const std::vector<DeviceBooking>& bookings);

// The signature helpers live in crypto (presence webhooks sign the same way).
using crypto::hmacSha256Hex;
using crypto::signatureHeaderValue;
using crypto::verifySignature;

}  // namespace calconn::devices::webhook
