// UTC timestamps as calconn writes them everywhere (API, control socket, webhooks, logs):
// "2026-03-02T09:00:00Z", whole seconds.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace calconn::common {

std::string formatIsoUtc(std::chrono::sys_seconds time);

// Accepts "YYYY-MM-DDThh:mm:ss" with optional fraction, then "Z" or "+00:00"/"-hh:mm" offsets.
std::optional<std::chrono::sys_seconds> parseIsoUtc(std::string_view text);

}  // namespace calconn::common
