// Minimal JSON text helpers for outbound payloads whose field order must be stable (signed
// webhook bodies, Bookings Put): escaping per RFC 8259, control characters as \u00XX.
#pragma once

#include <string>
#include <string_view>

namespace calconn::devices {

// The string as a JSON string literal, quotes included.
std::string jsonString(std::string_view text);

}  // namespace calconn::devices
