// Graph's dateTimeTimeZone values: a wall-clock time plus a Windows or IANA zone name. We ask
// for UTC (Prefer: outlook.timezone="UTC"), but mailbox settings and some answers still carry
// other zones, so a table of common zones converts them.
//
// The table (TimeZones.cpp) holds each zone's standard offset and its current daylight-saving
// rule (EU, US/Canada, south-east Australia, New Zealand or none), applied to every year:
// calconn deals with meetings near the present, where the current rules hold. Zones outside
// the table, and "tzone://Microsoft/Custom", are reported as InvalidArgument, never guessed.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/Clock.h"
#include "common/Result.h"

namespace calconn::graph {

// Parses "YYYY-MM-DDTHH:MM:SS[.f{1,7}]" (local wall time, no offset) into its fields as a
// UTC time point, i.e. without any zone applied. Trailing 'Z' or "+hh:mm" is honoured.
common::Result<common::TimePoint> parseIsoDateTime(std::string_view text);

// A dateTimeTimeZone pair converted to UTC.
common::Result<common::TimePoint> toUtc(std::string_view date_time, std::string_view time_zone);

// True when the zone name (Windows or IANA, any case) is known.
bool isKnownTimeZone(std::string_view name);

// UTC offset of the zone at the given instant, in minutes east of UTC.
common::Result<int> utcOffsetMinutes(std::string_view time_zone, common::TimePoint at);

// Formats a UTC time as Graph writes it: "2024-01-01T09:30:00.0000000".
std::string formatGraphDateTime(common::TimePoint utc);
// ISO 8601 with 'Z', for query parameters and subscription expiry: "2024-01-01T09:30:00Z".
std::string formatIsoUtc(common::TimePoint utc);

}  // namespace calconn::graph
