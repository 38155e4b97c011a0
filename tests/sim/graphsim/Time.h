// Civil-time arithmetic and the small time-zone table graphsim supports (Windows and IANA names).
// Offsets come from built-in DST rules (EU, US, AU) so results are identical on every machine;
// zones outside the table are reported as unknown rather than guessed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace calconn::graphsim {

using Seconds = std::int64_t;  // seconds since the Unix epoch (UTC) or local wall-clock seconds

constexpr Seconds kDay = 86400;

std::int64_t daysFromCivil(int y, unsigned m, unsigned d);
void civilFromDays(std::int64_t z, int& y, unsigned& m, unsigned& d);
int weekday(std::int64_t days);  // 0 = Sunday

// "2016-12-09T20:30:00.0000000" (Graph dateTimeTimeZone.dateTime form).
std::string formatGraphLocal(Seconds local);
// "2016-12-09T20:30:00Z".
std::string formatIsoUtc(Seconds utc);
// "2016-12-09".
std::string formatDate(std::int64_t days);
// Parses "YYYY-MM-DD[THH:MM[:SS[.fff]]][Z|+HH:MM|-HH:MM]". has_offset tells whether a zone
// designator was present; the value is then UTC, otherwise wall-clock.
std::optional<Seconds> parseDateTime(std::string_view text, bool* has_offset = nullptr);
std::optional<std::int64_t> parseDate(std::string_view text);  // days since epoch

enum class DstRule { None, Eu, Us, Au };

struct TimeZoneInfo {
    const char* windows;
    const char* iana;
    int standard_offset_min;
    DstRule dst;
};

// Looks a zone up by Windows or IANA name (case-insensitive); nullptr if unsupported.
const TimeZoneInfo* findTimeZone(std::string_view name);
const TimeZoneInfo& utcZone();
int utcOffsetMinutes(const TimeZoneInfo& zone, Seconds utc);
Seconds utcToLocal(const TimeZoneInfo& zone, Seconds utc);
Seconds localToUtc(const TimeZoneInfo& zone, Seconds local);

}  // namespace calconn::graphsim
