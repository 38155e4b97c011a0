#include "joindetails/GraphEventUpdater.h"

#include <algorithm>

#include "graph/TimeZones.h"
#include "net/HttpTypes.h"

namespace calconn::joindetails {

namespace {

EventKind kindOf(graph::EventType type) {
    switch (type) {
        case graph::EventType::SeriesMaster: return EventKind::SeriesMaster;
        case graph::EventType::Occurrence: return EventKind::Occurrence;
        case graph::EventType::Exception: return EventKind::Exception;
        case graph::EventType::SingleInstance:
        case graph::EventType::Unknown: return EventKind::SingleInstance;
    }
    return EventKind::SingleInstance;
}

std::string dayCode(std::string_view day) {
    static constexpr std::pair<std::string_view, std::string_view> kDays[] = {
        {"monday", "MO"},   {"tuesday", "TU"}, {"wednesday", "WE"}, {"thursday", "TH"},
        {"friday", "FR"},   {"saturday", "SA"}, {"sunday", "SU"}};
    for (const auto& [name, code] : kDays) {
        if (net::equalsIgnoreCase(day, name)) return std::string(code);
    }
    return {};
}

// BYDAY=MO,TU from daysOfWeek; empty when a day is unknown.
std::string byDay(const std::vector<std::string>& days) {
    std::string out;
    for (const auto& day : days) {
        std::string code = dayCode(day);
        if (code.empty()) return {};
        out += (out.empty() ? "" : ",") + code;
    }
    return out;
}

// Graph's week-of-month index as BYSETPOS.
std::string setPosition(std::string_view index) {
    if (index == "first") return "1";
    if (index == "second") return "2";
    if (index == "third") return "3";
    if (index == "fourth") return "4";
    if (index == "last") return "-1";
    return {};
}

}  // namespace

std::string recurrenceRule(const graph::Recurrence& recurrence) {
    const auto& pattern = recurrence.pattern;
    const std::string interval = ";INTERVAL=" + std::to_string(std::max(1, pattern.interval));
    std::string rule;
    if (pattern.type == "daily") {
        rule = "FREQ=DAILY" + interval;
    } else if (pattern.type == "weekly") {
        const std::string days = byDay(pattern.days_of_week);
        if (days.empty()) return {};
        rule = "FREQ=WEEKLY" + interval + ";BYDAY=" + days;
    } else if (pattern.type == "absoluteMonthly" && pattern.day_of_month > 0) {
        rule = "FREQ=MONTHLY" + interval + ";BYMONTHDAY=" + std::to_string(pattern.day_of_month);
    } else if (pattern.type == "relativeMonthly") {
        const std::string days = byDay(pattern.days_of_week);
        const std::string position = setPosition(pattern.index.empty() ? "first" : pattern.index);
        if (days.empty() || position.empty()) return {};
        rule = "FREQ=MONTHLY" + interval + ";BYDAY=" + days + ";BYSETPOS=" + position;
    } else if (pattern.type == "absoluteYearly" && pattern.month > 0 && pattern.day_of_month > 0) {
        rule = "FREQ=YEARLY" + interval + ";BYMONTH=" + std::to_string(pattern.month) +
               ";BYMONTHDAY=" + std::to_string(pattern.day_of_month);
    } else if (pattern.type == "relativeYearly" && pattern.month > 0) {
        const std::string days = byDay(pattern.days_of_week);
        const std::string position = setPosition(pattern.index.empty() ? "first" : pattern.index);
        if (days.empty() || position.empty()) return {};
        rule = "FREQ=YEARLY" + interval + ";BYMONTH=" + std::to_string(pattern.month) +
               ";BYDAY=" + days + ";BYSETPOS=" + position;
    } else {
        return {};
    }
    const auto& range = recurrence.range;
    if (range.type == "numbered" && range.number_of_occurrences > 0) {
        rule += ";COUNT=" + std::to_string(range.number_of_occurrences);
    } else if (range.type == "endDate" && range.end_date.size() == 10) {
        std::string date = range.end_date;  // YYYY-MM-DD
        date.erase(std::remove(date.begin(), date.end(), '-'), date.end());
        rule += ";UNTIL=" + date + "T235959Z";
    }
    return rule;
}

EventSnapshot snapshotFromGraph(const graph::Event& event) {
    EventSnapshot snapshot;
    snapshot.id = event.id;
    // Graph's etag is W/"<changeKey>"; an answer without @odata.etag still has the key.
    snapshot.etag = !event.etag.empty() || event.change_key.empty()
                        ? event.etag
                        : "W/\"" + event.change_key + "\"";
    snapshot.subject = event.subject;
    if (event.start) snapshot.start = graph::formatIsoUtc(*event.start);
    if (event.end) snapshot.end = graph::formatIsoUtc(*event.end);
    // Webex wants an IANA zone; Outlook usually records a Windows one, which is left out
    // (the times are UTC anyway, the zone only affects how Webex displays them).
    if (event.original_start_time_zone.find('/') != std::string::npos) {
        snapshot.timezone = event.original_start_time_zone;
    }
    if (event.type == graph::EventType::SeriesMaster && event.recurrence) {
        snapshot.recurrence = recurrenceRule(*event.recurrence);
    }
    if (event.organizer) {
        snapshot.organizer_email = event.organizer->address;
        snapshot.organizer_name = event.organizer->name;
    }
    MeetingState& state = snapshot.state;
    if (event.location) state.location = event.location->display_name;
    state.body = event.body;
    state.body_type = event.body_content_type == "text" ? BodyType::Text : BodyType::Html;
    for (const auto& property : event.single_value_extended_properties) {
        if (net::equalsIgnoreCase(property.id, kJoinDetailsPropertyId)) state.property = property.value;
    }
    state.kind = kindOf(event.type);
    // Read from the mailbox's own calendar: isOrganizer says whether its user organises it
    // (also when the organizer address is an alias of the mailbox).
    state.organizer_is_configured_user = event.is_organizer;
    state.cancelled = event.is_cancelled;
    return snapshot;
}

common::Result<EventSnapshot> GraphEventUpdater::readEvent(const std::string& mailbox,
                                                           const std::string& event_id) {
    auto event = graph_.getEvent(mailbox, event_id, extendedPropertyExpandQuery());
    if (!event) return event.error();
    return snapshotFromGraph(*event);
}

common::Result<std::string> GraphEventUpdater::patchEvent(const std::string& mailbox,
                                                          const std::string& event_id,
                                                          const std::string& etag,
                                                          const std::string& json) {
    auto event = graph_.patchEvent(mailbox, event_id, json, etag);
    if (!event) return event.error();
    return snapshotFromGraph(*event).etag;
}

}  // namespace calconn::joindetails
