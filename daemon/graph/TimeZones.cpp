#include "graph/TimeZones.h"

#include <array>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <initializer_list>

#include "common/IsoTime.h"
#include "common/Text.h"
#include "net/HttpTypes.h"

namespace calconn::graph {

using common::ErrorCode;
using common::makeError;
using common::Result;
using common::TimePoint;
using namespace std::chrono;

namespace {

enum class Dst { None, Eu, Us, Au, Nz };

struct Zone {
    const char* windows;
    std::initializer_list<const char*> iana;
    int std_offset_minutes;
    Dst dst;
};

// Current rules (2024). Windows names follow the CLDR windowsZones mapping.
const Zone kZones[] = {
    {"UTC",
     {"Etc/UTC", "UTC", "Etc/GMT", "GMT", "Etc/Universal", "Etc/Zulu", "Zulu"},
     0,
     Dst::None},
    {"GMT Standard Time",
     {"Europe/London", "Europe/Dublin", "Europe/Lisbon", "Atlantic/Canary"},
     0,
     Dst::Eu},
    {"Greenwich Standard Time",
     {"Atlantic/Reykjavik", "Africa/Abidjan", "Africa/Accra"},
     0,
     Dst::None},
    {"W. Europe Standard Time",
     {"Europe/Berlin", "Europe/Amsterdam", "Europe/Zurich", "Europe/Rome", "Europe/Stockholm",
      "Europe/Vienna", "Europe/Oslo", "Europe/Luxembourg", "Europe/Monaco", "Europe/Malta"},
     60,
     Dst::Eu},
    {"Romance Standard Time",
     {"Europe/Paris", "Europe/Brussels", "Europe/Madrid", "Europe/Copenhagen"},
     60,
     Dst::Eu},
    {"Central Europe Standard Time",
     {"Europe/Budapest", "Europe/Prague", "Europe/Belgrade", "Europe/Bratislava",
      "Europe/Ljubljana", "Europe/Tirane"},
     60,
     Dst::Eu},
    {"Central European Standard Time",
     {"Europe/Warsaw", "Europe/Zagreb", "Europe/Sarajevo", "Europe/Skopje"},
     60,
     Dst::Eu},
    {"W. Central Africa Standard Time", {"Africa/Lagos", "Africa/Algiers"}, 60, Dst::None},
    {"GTB Standard Time", {"Europe/Bucharest", "Europe/Athens", "Asia/Nicosia"}, 120, Dst::Eu},
    {"FLE Standard Time",
     {"Europe/Helsinki", "Europe/Kiev", "Europe/Kyiv", "Europe/Riga", "Europe/Sofia",
      "Europe/Tallinn", "Europe/Vilnius"},
     120,
     Dst::Eu},
    {"South Africa Standard Time",
     {"Africa/Johannesburg", "Africa/Maputo", "Africa/Harare"},
     120,
     Dst::None},
    {"Russian Standard Time", {"Europe/Moscow", "Europe/Simferopol"}, 180, Dst::None},
    {"Turkey Standard Time", {"Europe/Istanbul", "Asia/Istanbul"}, 180, Dst::None},
    {"Arab Standard Time",
     {"Asia/Riyadh", "Asia/Kuwait", "Asia/Qatar", "Asia/Bahrain"},
     180,
     Dst::None},
    {"E. Africa Standard Time", {"Africa/Nairobi", "Africa/Addis_Ababa"}, 180, Dst::None},
    {"Iran Standard Time", {"Asia/Tehran"}, 210, Dst::None},
    {"Arabian Standard Time", {"Asia/Dubai", "Asia/Muscat"}, 240, Dst::None},
    {"Georgian Standard Time", {"Asia/Tbilisi"}, 240, Dst::None},
    {"Afghanistan Standard Time", {"Asia/Kabul"}, 270, Dst::None},
    {"Pakistan Standard Time", {"Asia/Karachi"}, 300, Dst::None},
    {"West Asia Standard Time", {"Asia/Tashkent"}, 300, Dst::None},
    {"India Standard Time", {"Asia/Kolkata", "Asia/Calcutta"}, 330, Dst::None},
    {"Sri Lanka Standard Time", {"Asia/Colombo"}, 330, Dst::None},
    {"Nepal Standard Time", {"Asia/Kathmandu", "Asia/Katmandu"}, 345, Dst::None},
    {"Bangladesh Standard Time", {"Asia/Dhaka"}, 360, Dst::None},
    {"Myanmar Standard Time", {"Asia/Yangon", "Asia/Rangoon"}, 390, Dst::None},
    {"SE Asia Standard Time",
     {"Asia/Bangkok", "Asia/Jakarta", "Asia/Ho_Chi_Minh", "Asia/Saigon"},
     420,
     Dst::None},
    {"China Standard Time",
     {"Asia/Shanghai", "Asia/Hong_Kong", "Asia/Macau", "Asia/Chongqing", "PRC"},
     480,
     Dst::None},
    {"Singapore Standard Time",
     {"Asia/Singapore", "Asia/Kuala_Lumpur", "Asia/Manila"},
     480,
     Dst::None},
    {"Taipei Standard Time", {"Asia/Taipei"}, 480, Dst::None},
    {"W. Australia Standard Time", {"Australia/Perth"}, 480, Dst::None},
    {"Tokyo Standard Time", {"Asia/Tokyo", "Japan"}, 540, Dst::None},
    {"Korea Standard Time", {"Asia/Seoul"}, 540, Dst::None},
    {"Cen. Australia Standard Time", {"Australia/Adelaide", "Australia/Broken_Hill"}, 570, Dst::Au},
    {"AUS Central Standard Time", {"Australia/Darwin"}, 570, Dst::None},
    {"E. Australia Standard Time", {"Australia/Brisbane"}, 600, Dst::None},
    {"AUS Eastern Standard Time",
     {"Australia/Sydney", "Australia/Melbourne", "Australia/Canberra"},
     600,
     Dst::Au},
    {"Tasmania Standard Time", {"Australia/Hobart"}, 600, Dst::Au},
    {"New Zealand Standard Time", {"Pacific/Auckland", "NZ"}, 720, Dst::Nz},
    {"Hawaiian Standard Time", {"Pacific/Honolulu", "US/Hawaii"}, -600, Dst::None},
    {"Alaskan Standard Time", {"America/Anchorage", "US/Alaska"}, -540, Dst::Us},
    {"Pacific Standard Time",
     {"America/Los_Angeles", "America/Vancouver", "US/Pacific", "PST8PDT"},
     -480,
     Dst::Us},
    {"US Mountain Standard Time", {"America/Phoenix", "US/Arizona"}, -420, Dst::None},
    {"Mountain Standard Time",
     {"America/Denver", "America/Edmonton", "America/Boise", "US/Mountain", "MST7MDT"},
     -420,
     Dst::Us},
    {"Central Standard Time",
     {"America/Chicago", "America/Winnipeg", "US/Central", "CST6CDT"},
     -360,
     Dst::Us},
    {"Central America Standard Time",
     {"America/Guatemala", "America/Costa_Rica", "America/El_Salvador"},
     -360,
     Dst::None},
    {"Central Standard Time (Mexico)",
     {"America/Mexico_City", "America/Monterrey"},
     -360,
     Dst::None},
    {"Canada Central Standard Time", {"America/Regina"}, -360, Dst::None},
    {"Eastern Standard Time",
     {"America/New_York", "America/Toronto", "America/Detroit", "US/Eastern", "EST5EDT"},
     -300,
     Dst::Us},
    {"SA Pacific Standard Time",
     {"America/Bogota", "America/Lima", "America/Panama"},
     -300,
     Dst::None},
    {"Atlantic Standard Time", {"America/Halifax", "Atlantic/Bermuda"}, -240, Dst::Us},
    {"SA Western Standard Time", {"America/La_Paz", "America/Puerto_Rico"}, -240, Dst::None},
    {"Venezuela Standard Time", {"America/Caracas"}, -240, Dst::None},
    {"Newfoundland Standard Time", {"America/St_Johns"}, -210, Dst::Us},
    {"E. South America Standard Time", {"America/Sao_Paulo"}, -180, Dst::None},
    {"Argentina Standard Time",
     {"America/Buenos_Aires", "America/Argentina/Buenos_Aires"},
     -180,
     Dst::None},
};

const Zone* findZone(std::string_view name) {
    for (const auto& zone : kZones) {
        if (net::equalsIgnoreCase(zone.windows, name)) return &zone;
        for (const char* iana : zone.iana) {
            if (net::equalsIgnoreCase(iana, name)) return &zone;
        }
    }
    return nullptr;
}

// Fixed-offset names: Windows "UTC+12", "UTC-02", "UTC+05:30"; IANA "Etc/GMT+5" (sign inverted).
std::optional<int> fixedOffset(std::string_view name) {
    const std::string l = common::asciiLower(name);
    std::string_view rest;
    int sign_flip = 1;
    if (l.rfind("utc", 0) == 0 && l.size() > 3) {
        rest = std::string_view(l).substr(3);
    } else if (l.rfind("etc/gmt", 0) == 0 && l.size() > 7) {
        rest = std::string_view(l).substr(7);
        sign_flip = -1;
    } else {
        return std::nullopt;
    }
    if (rest.front() != '+' && rest.front() != '-') return std::nullopt;
    const int sign = (rest.front() == '+' ? 1 : -1) * sign_flip;
    rest.remove_prefix(1);
    int hours = 0, minutes = 0;
    auto [p, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), hours);
    if (ec != std::errc{} || hours > 14) return std::nullopt;
    std::string_view tail(p, static_cast<std::size_t>(rest.data() + rest.size() - p));
    if (!tail.empty()) {
        if (tail.front() != ':' || tail.size() != 3) return std::nullopt;
        auto [p2, ec2] = std::from_chars(tail.data() + 1, tail.data() + 3, minutes);
        if (ec2 != std::errc{} || p2 != tail.data() + 3 || minutes >= 60) return std::nullopt;
    }
    return sign * (hours * 60 + minutes);
}

// The n-th (1-based; -1 = last) Sunday of a month.
sys_days sunday(int y, unsigned m, int n) {
    if (n > 0) {
        return sys_days{year_month_weekday{year{y}, month{m},
                                           weekday_indexed{Sunday, static_cast<unsigned>(n)}}};
    }
    return sys_days{year_month_weekday_last{year{y}, month{m}, weekday_last{Sunday}}};
}

// Whether DST is in force at `utc` for a zone with standard offset `std_min`.
bool inDst(Dst rule, int std_min, TimePoint utc) {
    if (rule == Dst::None) return false;
    const auto local_std = utc + minutes(std_min);
    const int y = static_cast<int>(year_month_day{floor<days>(local_std)}.year());
    const auto std_offset = minutes(std_min);
    TimePoint start, end;
    switch (rule) {
        case Dst::Eu:  // last Sunday of March and October, 01:00 UTC
            start = sunday(y, 3, -1) + hours(1);
            end = sunday(y, 10, -1) + hours(1);
            break;
        case Dst::Us:  // second Sunday of March 02:00 std, first Sunday of November 02:00 dst
            start = sunday(y, 3, 2) + hours(2) - std_offset;
            end = sunday(y, 11, 1) + hours(1) - std_offset;
            break;
        case Dst::Au:  // first Sunday of October 02:00 std, first Sunday of April 03:00 dst
            start = sunday(y, 10, 1) + hours(2) - std_offset;
            end = sunday(y, 4, 1) + hours(2) - std_offset;
            break;
        case Dst::Nz:  // last Sunday of September 02:00 std, first Sunday of April 03:00 dst
            start = sunday(y, 9, -1) + hours(2) - std_offset;
            end = sunday(y, 4, 1) + hours(2) - std_offset;
            break;
        case Dst::None:
            return false;
    }
    if (start < end) return utc >= start && utc < end;  // northern hemisphere
    return utc >= start || utc < end;                   // southern: DST spans the new year
}

bool digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
    if (pos + n > s.size()) return false;
    out = 0;
    for (std::size_t i = pos; i < pos + n; ++i) {
        if (s[i] < '0' || s[i] > '9') return false;
        out = out * 10 + (s[i] - '0');
    }
    return true;
}

}  // namespace

Result<TimePoint> parseIsoDateTime(std::string_view text) {
    int y, mo, d, h, mi, s;
    if (!digits(text, 0, 4, y) || text.size() < 19 || text[4] != '-' || !digits(text, 5, 2, mo) ||
        text[7] != '-' || !digits(text, 8, 2, d) || (text[10] != 'T' && text[10] != ' ') ||
        !digits(text, 11, 2, h) || text[13] != ':' || !digits(text, 14, 2, mi) || text[16] != ':' ||
        !digits(text, 17, 2, s)) {
        return makeError(ErrorCode::Protocol, "invalid date-time", std::string(text.substr(0, 40)));
    }
    const year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)},
                             day{static_cast<unsigned>(d)}};
    // system_clock counts nanoseconds in 64 bits: about 1678 to 2262.
    if (!ymd.ok() || y < 1700 || y > 2200 || h > 23 || mi > 59 || s > 60) {
        return makeError(ErrorCode::Protocol, "date-time out of range",
                         std::string(text.substr(0, 40)));
    }
    TimePoint tp = sys_days{ymd} + hours(h) + minutes(mi) + seconds(std::min(s, 59));
    std::size_t pos = 19;
    if (pos < text.size() && text[pos] == '.') {
        ++pos;
        std::int64_t fraction = 0;
        int count = 0;
        while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
            if (count < 9) {
                fraction = fraction * 10 + (text[pos] - '0');
                ++count;
            }
            ++pos;
        }
        if (count == 0) {
            return makeError(ErrorCode::Protocol, "invalid date-time fraction",
                             std::string(text.substr(0, 40)));
        }
        for (int i = count; i < 9; ++i) fraction *= 10;
        tp += duration_cast<system_clock::duration>(nanoseconds(fraction));
    }
    if (pos < text.size()) {
        const char c = text[pos];
        if ((c == 'Z' || c == 'z') && pos + 1 == text.size()) return tp;
        int oh, om;
        if ((c == '+' || c == '-') && text.size() == pos + 6 && digits(text, pos + 1, 2, oh) &&
            text[pos + 3] == ':' && digits(text, pos + 4, 2, om) && oh <= 14 && om < 60) {
            const auto offset = hours(oh) + minutes(om);
            return c == '+' ? tp - offset : tp + offset;
        }
        return makeError(ErrorCode::Protocol, "invalid date-time suffix",
                         std::string(text.substr(0, 40)));
    }
    return tp;
}

bool isKnownTimeZone(std::string_view name) {
    return findZone(name) != nullptr || fixedOffset(name).has_value() ||
           net::equalsIgnoreCase(name, "tzone://Microsoft/Utc");
}

Result<int> utcOffsetMinutes(std::string_view time_zone, TimePoint at) {
    if (time_zone.empty() || net::equalsIgnoreCase(time_zone, "tzone://Microsoft/Utc")) return 0;
    if (const Zone* zone = findZone(time_zone)) {
        return zone->std_offset_minutes + (inDst(zone->dst, zone->std_offset_minutes, at) ? 60 : 0);
    }
    if (auto fixed = fixedOffset(time_zone)) return *fixed;
    return makeError(ErrorCode::InvalidArgument, "unsupported time zone",
                     std::string(time_zone.substr(0, 80)));
}

Result<TimePoint> toUtc(std::string_view date_time, std::string_view time_zone) {
    auto wall = parseIsoDateTime(date_time);
    if (!wall) return wall.error();
    // An explicit offset or 'Z' in the string wins over the zone name.
    const auto suffix = date_time.size() > 19 ? date_time.substr(19) : std::string_view{};
    if (suffix.find_first_of("Zz+-") != std::string_view::npos) return wall;
    if (time_zone.empty() || net::equalsIgnoreCase(time_zone, "UTC") ||
        net::equalsIgnoreCase(time_zone, "tzone://Microsoft/Utc")) {
        return wall;
    }
    const Zone* zone = findZone(time_zone);
    if (zone == nullptr) {
        if (auto fixed = fixedOffset(time_zone)) return *wall - minutes(*fixed);
        return makeError(ErrorCode::InvalidArgument, "unsupported time zone",
                         std::string(time_zone.substr(0, 80)));
    }
    const auto std_offset = minutes(zone->std_offset_minutes);
    // Prefer the daylight reading when it is consistent (the first of two ambiguous times);
    // a time in the spring-forward gap falls back to the standard reading.
    const TimePoint as_dst = *wall - std_offset - hours(1);
    if (zone->dst != Dst::None && inDst(zone->dst, zone->std_offset_minutes, as_dst)) return as_dst;
    return *wall - std_offset;
}

std::string formatGraphDateTime(TimePoint utc) {
    const auto day = floor<days>(utc);
    const year_month_day ymd{day};
    const hh_mm_ss hms{duration_cast<nanoseconds>(utc - day)};
    const auto ticks = hms.subseconds().count() / 100;  // 100 ns units, 7 digits
    char buf[40];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%07lld",
                  static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                  static_cast<unsigned>(ymd.day()), static_cast<int>(hms.hours().count()),
                  static_cast<int>(hms.minutes().count()), static_cast<int>(hms.seconds().count()),
                  static_cast<long long>(ticks));
    return buf;
}

std::string formatIsoUtc(TimePoint utc) {
    return common::formatIsoUtc(floor<seconds>(utc));
}

}  // namespace calconn::graph
