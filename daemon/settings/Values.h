// Parsers and canonical formatters for the typed configuration values (durations, sizes, URLs,
// GUIDs, e-mail addresses, listen addresses, fingerprints). Errors are short lower-case messages
// that quote the offending text; the loader adds file, line, column and key path.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/Result.h"

namespace calconn::settings {

// "90s", "5m", "72h", "30d", "1w", "1h30m", "0s". A unit is required.
common::Result<std::chrono::seconds> parseDuration(std::string_view text);
// Largest unit that divides exactly: 90s -> "90s", 300s -> "5m", 86400s -> "1d".
std::string formatDuration(std::chrono::seconds value);

// "512KiB", "5MiB", "1GiB", "100B". IEC units only.
common::Result<std::uint64_t> parseSize(std::string_view text);
std::string formatSize(std::uint64_t bytes);

// scheme://host[:port][/path...]; schemes is "https" or "http|https". No user info.
common::Status checkUrl(std::string_view text, std::string_view schemes);
// The host of a URL accepted by checkUrl ("[::1]" keeps its brackets).
std::string urlHost(std::string_view url);

common::Status checkGuid(std::string_view text);
common::Status checkEmail(std::string_view text);
// host:port with an IPv4 address, a [bracketed] IPv6 address or a host name; port 0..65535.
common::Status checkHostPort(std::string_view text);
// 64 hex digits, optionally colon-separated pairs; returns lower-case hex without colons.
common::Result<std::string> normalizeSha256(std::string_view text);

common::Result<std::int64_t> parseInteger(std::string_view text);
common::Result<bool> parseBoolean(std::string_view text);

// Levenshtein distance, for "did you mean".
std::size_t editDistance(std::string_view a, std::string_view b);

}  // namespace calconn::settings
