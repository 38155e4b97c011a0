// JSON string escaping per RFC 8259 (control characters as \u00XX), for the few outbound
// payloads written by hand because their byte layout matters (signed bodies, JWT parts).
#pragma once

#include <string>
#include <string_view>

namespace calconn::common {

// The escaped contents, without quotes.
std::string jsonEscape(std::string_view text);

// The string as a JSON string literal, quotes included.
std::string jsonString(std::string_view text);

}  // namespace calconn::common
