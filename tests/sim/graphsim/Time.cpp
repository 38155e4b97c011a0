// Date arithmetic after Howard Hinnant's civil-days algorithms; DST rules for the table zones.
#include "Time.h"

#include <cctype>
#include <cstdio>

namespace calconn::graphsim {

std::int64_t daysFromCivil(int y, unsigned m, unsigned d) {
    y -= m <= 2;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

void civilFromDays(std::int64_t z, int& y, unsigned& m, unsigned& d) {
    z += 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    d = doy - (153 * mp + 2) / 5 + 1;
    m = mp < 10 ? mp + 3 : mp - 9;
    y = static_cast<int>(static_cast<std::int64_t>(yoe) + era * 400) + (m <= 2);
}

int weekday(std::int64_t days) {
    return static_cast<int>(days >= -4 ? (days + 4) % 7 : (days + 5) % 7 + 6);
}

namespace {

std::int64_t floorDiv(std::int64_t a, std::int64_t b) {
    return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

void split(Seconds t, int& y, unsigned& mo, unsigned& d, int& h, int& mi, int& s) {
    std::int64_t days = floorDiv(t, kDay);
    Seconds rem = t - days * kDay;
    civilFromDays(days, y, mo, d);
    h = static_cast<int>(rem / 3600);
    mi = static_cast<int>(rem / 60 % 60);
    s = static_cast<int>(rem % 60);
}

// Day (days since epoch) of the n-th (1-based) weekday `wd` in month, or the last one if n == 0.
std::int64_t nthWeekday(int y, unsigned m, int wd, int n) {
    if (n == 0) {
        unsigned next_m = m == 12 ? 1 : m + 1;
        int next_y = m == 12 ? y + 1 : y;
        std::int64_t last = daysFromCivil(next_y, next_m, 1) - 1;
        return last - ((weekday(last) - wd + 7) % 7);
    }
    std::int64_t first = daysFromCivil(y, m, 1);
    return first + ((wd - weekday(first) + 7) % 7) + 7 * (n - 1);
}

constexpr TimeZoneInfo kZones[] = {
    {"UTC", "Etc/UTC", 0, DstRule::None},
    {"GMT Standard Time", "Europe/London", 0, DstRule::Eu},
    {"W. Europe Standard Time", "Europe/Berlin", 60, DstRule::Eu},
    {"Central European Standard Time", "Europe/Warsaw", 60, DstRule::Eu},
    {"Romance Standard Time", "Europe/Paris", 60, DstRule::Eu},
    {"Central Europe Standard Time", "Europe/Prague", 60, DstRule::Eu},
    {"FLE Standard Time", "Europe/Helsinki", 120, DstRule::Eu},
    {"Eastern Standard Time", "America/New_York", -300, DstRule::Us},
    {"Central Standard Time", "America/Chicago", -360, DstRule::Us},
    {"Mountain Standard Time", "America/Denver", -420, DstRule::Us},
    {"Pacific Standard Time", "America/Los_Angeles", -480, DstRule::Us},
    {"Tokyo Standard Time", "Asia/Tokyo", 540, DstRule::None},
    {"India Standard Time", "Asia/Kolkata", 330, DstRule::None},
    {"Singapore Standard Time", "Asia/Singapore", 480, DstRule::None},
    {"AUS Eastern Standard Time", "Australia/Sydney", 600, DstRule::Au},
};

// Further IANA names that map onto a table entry.
struct Alias {
    const char* name;
    int index;
};
constexpr Alias kAliases[] = {
    {"UTC", 0}, {"Etc/GMT", 0}, {"GMT", 0}, {"Coordinated Universal Time", 0},
    {"Europe/Dublin", 1}, {"Europe/Lisbon", 1},
    {"Europe/Amsterdam", 2}, {"Europe/Rome", 2}, {"Europe/Vienna", 2}, {"Europe/Zurich", 2},
    {"Europe/Stockholm", 2}, {"Europe/Oslo", 2},
    {"Europe/Madrid", 4}, {"Europe/Brussels", 4}, {"Europe/Copenhagen", 4},
    {"Europe/Budapest", 5},
    {"Europe/Kiev", 6}, {"Europe/Kyiv", 6}, {"Europe/Riga", 6}, {"Europe/Vilnius", 6},
    {"US/Eastern", 7}, {"America/Toronto", 7}, {"US/Central", 8}, {"America/Mexico_City", 8},
    {"US/Mountain", 9}, {"US/Pacific", 10}, {"America/Vancouver", 10},
    {"Asia/Calcutta", 12}, {"Australia/Melbourne", 14},
};

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(a[i])) !=
            std::tolower(static_cast<unsigned char>(b[i])))
            return false;
    }
    return true;
}

bool inDst(const TimeZoneInfo& zone, Seconds utc) {
    if (zone.dst == DstRule::None) return false;
    int y = 0;
    unsigned mo = 0, d = 0;
    int h = 0, mi = 0, s = 0;
    split(utc, y, mo, d, h, mi, s);
    const Seconds std_off = zone.standard_offset_min * 60LL;
    switch (zone.dst) {
        case DstRule::Eu: {
            Seconds start = nthWeekday(y, 3, 0, 0) * kDay + 3600;
            Seconds end = nthWeekday(y, 10, 0, 0) * kDay + 3600;
            return utc >= start && utc < end;
        }
        case DstRule::Us: {
            Seconds start = nthWeekday(y, 3, 0, 2) * kDay + 7200 - std_off;
            Seconds end = nthWeekday(y, 11, 0, 1) * kDay + 7200 - (std_off + 3600);
            return utc >= start && utc < end;
        }
        case DstRule::Au: {
            Seconds start = nthWeekday(y, 10, 0, 1) * kDay + 7200 - std_off;
            Seconds end = nthWeekday(y, 4, 0, 1) * kDay + 10800 - (std_off + 3600);
            return utc >= start || utc < end;
        }
        case DstRule::None:
            break;
    }
    return false;
}

}  // namespace

namespace {
// Hot path (every event has several timestamps): hand-rolled instead of snprintf.
void put(char* p, unsigned v, int width) {
    for (int i = width - 1; i >= 0; --i) {
        p[i] = static_cast<char>('0' + v % 10);
        v /= 10;
    }
}

std::string formatStamp(Seconds t, const char* tail, size_t tail_len) {
    int y = 0;
    unsigned mo = 0, d = 0;
    int h = 0, mi = 0, s = 0;
    split(t, y, mo, d, h, mi, s);
    if (y < 0 || y > 9999) y = 0;
    std::string out(19 + tail_len, '\0');
    char* p = out.data();
    put(p, static_cast<unsigned>(y), 4);
    p[4] = '-';
    put(p + 5, mo, 2);
    p[7] = '-';
    put(p + 8, d, 2);
    p[10] = 'T';
    put(p + 11, static_cast<unsigned>(h), 2);
    p[13] = ':';
    put(p + 14, static_cast<unsigned>(mi), 2);
    p[16] = ':';
    put(p + 17, static_cast<unsigned>(s), 2);
    for (size_t i = 0; i < tail_len; ++i) p[19 + i] = tail[i];
    return out;
}
}  // namespace

std::string formatGraphLocal(Seconds local) { return formatStamp(local, ".0000000", 8); }

std::string formatIsoUtc(Seconds utc) { return formatStamp(utc, "Z", 1); }

std::string formatDate(std::int64_t days) {
    int y = 0;
    unsigned mo, d;
    civilFromDays(days, y, mo, d);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", y, mo, d);
    return buf;
}

namespace {
bool readInt(std::string_view text, size_t& pos, size_t digits, int& out) {
    if (pos + digits > text.size()) return false;
    int v = 0;
    for (size_t i = 0; i < digits; ++i) {
        char c = text[pos + i];
        if (c < '0' || c > '9') return false;
        v = v * 10 + (c - '0');
    }
    pos += digits;
    out = v;
    return true;
}
}  // namespace

std::optional<Seconds> parseDateTime(std::string_view text, bool* has_offset) {
    size_t pos = 0;
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
    if (!readInt(text, pos, 4, y) || pos >= text.size() || text[pos++] != '-' ||
        !readInt(text, pos, 2, mo) || pos >= text.size() || text[pos++] != '-' ||
        !readInt(text, pos, 2, d))
        return std::nullopt;
    if (mo < 1 || mo > 12 || d < 1 || d > 31) return std::nullopt;
    if (pos < text.size() && (text[pos] == 'T' || text[pos] == ' ')) {
        ++pos;
        if (!readInt(text, pos, 2, h) || pos >= text.size() || text[pos++] != ':' ||
            !readInt(text, pos, 2, mi))
            return std::nullopt;
        if (pos < text.size() && text[pos] == ':') {
            ++pos;
            if (!readInt(text, pos, 2, s)) return std::nullopt;
            if (pos < text.size() && text[pos] == '.') {
                ++pos;
                while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos])))
                    ++pos;
            }
        }
    }
    if (h > 24 || mi > 59 || s > 60) return std::nullopt;
    Seconds value = daysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * kDay +
                    h * 3600 + mi * 60 + s;
    bool offset = false;
    if (pos < text.size()) {
        char c = text[pos];
        if (c == 'Z' || c == 'z') {
            offset = true;
            ++pos;
        } else if (c == '+' || c == '-') {
            ++pos;
            int oh = 0, om = 0;
            if (!readInt(text, pos, 2, oh)) return std::nullopt;
            if (pos < text.size() && text[pos] == ':') ++pos;
            if (pos < text.size() && !readInt(text, pos, 2, om)) return std::nullopt;
            Seconds off = oh * 3600 + om * 60;
            value -= (c == '+') ? off : -off;
            offset = true;
        }
        if (pos != text.size()) return std::nullopt;
    }
    if (has_offset) *has_offset = offset;
    return value;
}

std::optional<std::int64_t> parseDate(std::string_view text) {
    if (text.size() < 10) return std::nullopt;
    auto v = parseDateTime(text.substr(0, 10));
    if (!v) return std::nullopt;
    return *v / kDay;
}

const TimeZoneInfo* findTimeZone(std::string_view name) {
    for (const auto& z : kZones) {
        if (equalsIgnoreCase(name, z.windows) || equalsIgnoreCase(name, z.iana)) return &z;
    }
    for (const auto& a : kAliases) {
        if (equalsIgnoreCase(name, a.name)) return &kZones[a.index];
    }
    return nullptr;
}

const TimeZoneInfo& utcZone() { return kZones[0]; }

int utcOffsetMinutes(const TimeZoneInfo& zone, Seconds utc) {
    return zone.standard_offset_min + (inDst(zone, utc) ? 60 : 0);
}

Seconds utcToLocal(const TimeZoneInfo& zone, Seconds utc) {
    return utc + utcOffsetMinutes(zone, utc) * 60LL;
}

Seconds localToUtc(const TimeZoneInfo& zone, Seconds local) {
    Seconds guess = local - zone.standard_offset_min * 60LL;
    Seconds utc = local - utcOffsetMinutes(zone, guess) * 60LL;
    // Near a transition the second estimate settles it (gap times move forward, as Exchange does).
    return local - utcOffsetMinutes(zone, utc) * 60LL;
}

}  // namespace calconn::graphsim
