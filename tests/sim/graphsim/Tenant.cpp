// Recurrence expansion and the tenant's indexes.
#include "Tenant.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

namespace calconn::graphsim {

std::string toLower(std::string text) {
    for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return text;
}

namespace {

int indexNumber(const std::string& index) {
    if (index == "second") return 2;
    if (index == "third") return 3;
    if (index == "fourth") return 4;
    if (index == "last") return 0;
    return 1;
}

int monthIndex(std::int64_t days) {
    int y = 0;
    unsigned m = 0, d = 0;
    civilFromDays(days, y, m, d);
    return y * 12 + static_cast<int>(m) - 1;
}

int dayOfWeekNumber(const std::string& name) {
    static const char* kNames[] = {"sunday", "monday", "tuesday", "wednesday",
                                   "thursday", "friday", "saturday"};
    for (int i = 0; i < 7; ++i)
        if (name == kNames[i]) return i;
    return 0;
}

bool matchesPattern(const Recurrence& r, std::int64_t day) {
    const int interval = std::max(1, r.interval);
    int y = 0;
    unsigned m = 0, d = 0;
    civilFromDays(day, y, m, d);
    const int wd = weekday(day);
    auto has_day = [&](int w) {
        return std::find(r.days_of_week.begin(), r.days_of_week.end(), w) != r.days_of_week.end();
    };
    if (r.pattern_type == "daily") {
        return (day - r.start_date) % interval == 0;
    }
    if (r.pattern_type == "weekly") {
        if (!has_day(wd)) return false;
        const int first = dayOfWeekNumber(r.first_day_of_week);
        const std::int64_t week0 = r.start_date - ((weekday(r.start_date) - first + 7) % 7);
        const std::int64_t week = (day - week0) / 7;
        return week % interval == 0;
    }
    const int months = monthIndex(day) - monthIndex(r.start_date);
    if (r.pattern_type == "absoluteMonthly") {
        return months % interval == 0 && static_cast<int>(d) == r.day_of_month;
    }
    if (r.pattern_type == "relativeMonthly" || r.pattern_type == "relativeYearly") {
        if (r.pattern_type == "relativeYearly" &&
            (static_cast<int>(m) != r.month || (months / 12) % interval != 0))
            return false;
        if (r.pattern_type == "relativeMonthly" && months % interval != 0) return false;
        if (!has_day(wd)) return false;
        const int n = indexNumber(r.index);
        if (n == 0) {
            unsigned next_m = m == 12 ? 1 : m + 1;
            int next_y = m == 12 ? y + 1 : y;
            return day + 7 >= daysFromCivil(next_y, next_m, 1);
        }
        return static_cast<int>((d - 1) / 7) + 1 == n;
    }
    if (r.pattern_type == "absoluteYearly") {
        return static_cast<int>(m) == r.month && static_cast<int>(d) == r.day_of_month &&
               (months / 12) % interval == 0;
    }
    return false;
}

const char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

}  // namespace

std::vector<Seconds> seriesStarts(const Event& series, Seconds from, Seconds to) {
    std::vector<Seconds> out;
    const Recurrence& r = series.recurrence;
    const TimeZoneInfo* zone = findTimeZone(r.time_zone);
    if (!zone) zone = findTimeZone(series.fields.time_zone);
    if (!zone) zone = &utcZone();
    const Seconds local_first = utcToLocal(*zone, series.fields.start);
    const Seconds tod = local_first - (local_first / kDay) * kDay;
    const std::int64_t to_day = to / kDay + 2;
    std::int64_t last_day = to_day;
    if (r.range_type == "endDate") last_day = std::min(last_day, r.end_date);
    const bool numbered = r.range_type == "numbered";
    std::int64_t day = r.start_date;
    if (!numbered) day = std::max(day, from / kDay - 2);
    int count = 0;
    // Guard against unbounded loops on a malformed pattern (five years of days at most).
    const std::int64_t hard_stop = std::min(last_day, r.start_date + 5 * 366 + 1);
    for (; day <= hard_stop; ++day) {
        if (!matchesPattern(r, day)) continue;
        ++count;
        if (numbered && count > r.number_of_occurrences) break;
        const Seconds start = localToUtc(*zone, day * kDay + tod);
        if (start >= series.fields.start && start < to) out.push_back(start);
    }
    return out;
}

std::string occurrenceId(const Event& master, Seconds original_start) {
    int y = 0;
    unsigned m = 0, d = 0;
    std::int64_t days = original_start / kDay;
    civilFromDays(days, y, m, d);
    Seconds rem = original_start - days * kDay;
    char buf[48];
    std::snprintf(buf, sizeof buf, "%04d%02u%02u%02d%02d%02d", y, m, d, static_cast<int>(rem / 3600),
                  static_cast<int>(rem / 60 % 60), static_cast<int>(rem % 60));
    std::string id = "AAMkAO";
    id += master.core;
    id += "AAEY";
    id += buf;
    id += '=';
    return id;
}

bool parseOccurrenceId(const std::string& id, std::string& core, Seconds& original_start) {
    // "AAMkAO" + core(32) + "AAEY" + 14 digits + "="
    if (id.size() != 6 + 32 + 4 + 14 + 1 || id.compare(0, 6, "AAMkAO") != 0 ||
        id.compare(38, 4, "AAEY") != 0)
        return false;
    core = id.substr(6, 32);
    auto value = parseDateTime(id.substr(42, 4) + "-" + id.substr(46, 2) + "-" + id.substr(48, 2) +
                               "T" + id.substr(50, 2) + ":" + id.substr(52, 2) + ":" +
                               id.substr(54, 2));
    if (!value) return false;
    original_start = *value;
    return true;
}

std::string changeKeyOf(const Event& event, std::uint64_t counter) {
    std::string key = "DwAAABYAAAA";
    key.append(event.core, 0, 14);
    std::uint64_t v = counter * 2654435761ULL + 12345;
    for (int i = 0; i < 6; ++i) {
        key.push_back(kAlphabet[v % 64]);
        v /= 64;
    }
    return key;
}

std::string etagOf(const std::string& change_key) {
    return "W/\"" + change_key + "\"";
}

std::vector<Instance> expandEvent(const Event& event, Seconds from, Seconds to) {
    std::vector<Instance> out;
    if (event.deleted) return out;
    auto overlaps = [&](Seconds s, Seconds e) {
        return (s < to && e > from) || (s == e && s >= from && s < to);
    };
    if (!event.is_series) {
        if (overlaps(event.fields.start, event.fields.end)) {
            Instance inst;
            inst.master = &event;
            inst.fields = &event.fields;
            inst.original_start = event.fields.start;
            inst.start = event.fields.start;
            inst.end = event.fields.end;
            inst.type = Instance::Type::SingleInstance;
            inst.id = event.id;
            out.push_back(std::move(inst));
        }
        return out;
    }
    const Seconds duration = event.fields.end - event.fields.start;
    // Exceptions can move an occurrence; look a little beyond the window for them.
    for (Seconds original : seriesStarts(event, from - duration - 2 * kDay, to + 2 * kDay)) {
        Instance inst;
        inst.master = &event;
        inst.fields = &event.fields;
        inst.original_start = original;
        inst.start = original;
        inst.end = original + duration;
        inst.type = Instance::Type::Occurrence;
        auto it = event.overrides.find(original);
        if (it != event.overrides.end()) {
            if (it->second.cancelled) continue;
            if (it->second.fields) {
                inst.fields = &*it->second.fields;
                inst.start = it->second.fields->start;
                inst.end = it->second.fields->end;
                inst.type = Instance::Type::Exception;
                inst.override = &it->second;
            }
        }
        if (!overlaps(inst.start, inst.end)) continue;
        inst.id = occurrenceId(event, original);
        out.push_back(std::move(inst));
    }
    std::sort(out.begin(), out.end(),
              [](const Instance& a, const Instance& b) { return a.start < b.start; });
    return out;
}

Mailbox* Tenant::addMailbox(std::unique_ptr<Mailbox> mailbox) {
    mailbox->index = mailboxes.size();
    Mailbox* raw = mailbox.get();
    by_id_[toLower(raw->id)] = raw;
    by_upn_[toLower(raw->upn)] = raw;
    mailboxes.push_back(std::move(mailbox));
    return raw;
}

Mailbox* Tenant::find(const std::string& id_or_upn) const {
    std::string key = toLower(id_or_upn);
    auto it = by_id_.find(key);
    if (it != by_id_.end()) return it->second;
    it = by_upn_.find(key);
    return it == by_upn_.end() ? nullptr : it->second;
}

Event& Tenant::insertEvent(Mailbox& mailbox, Event event) {
    event.key = mailbox.next_key++;
    event.seq = ++mailbox.seq;
    const std::uint64_t key = event.key;
    mailbox.by_id[event.id] = key;
    if (!event.transaction_id.empty()) mailbox.by_transaction[event.transaction_id] = key;
    return mailbox.events.emplace(key, std::move(event)).first->second;
}

void Tenant::touch(Mailbox& mailbox, Event& event, Seconds now) {
    event.seq = ++mailbox.seq;
    ++event.change_counter;
    event.last_modified = now;
}

Event* Tenant::findEvent(Mailbox& mailbox, const std::string& id) {
    auto it = mailbox.by_id.find(id);
    if (it == mailbox.by_id.end()) return nullptr;
    auto ev = mailbox.events.find(it->second);
    if (ev == mailbox.events.end() || ev->second.deleted) return nullptr;
    return &ev->second;
}

}  // namespace calconn::graphsim
