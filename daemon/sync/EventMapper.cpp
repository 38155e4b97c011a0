#include "sync/EventMapper.h"

#include <chrono>

namespace calconn::sync {

using common::ErrorCode;
using common::makeError;

namespace {

core::UtcSeconds toSeconds(common::TimePoint t) {
    return std::chrono::time_point_cast<std::chrono::seconds>(
        std::chrono::floor<std::chrono::seconds>(t));
}

core::MeetingType meetingType(graph::EventType type) {
    switch (type) {
        case graph::EventType::Occurrence:
            return core::MeetingType::Occurrence;
        case graph::EventType::Exception:
            return core::MeetingType::Exception;
        case graph::EventType::SeriesMaster:
            return core::MeetingType::SeriesMaster;
        case graph::EventType::SingleInstance:
        case graph::EventType::Unknown:
            break;
    }
    return core::MeetingType::SingleInstance;
}

core::Location location(const graph::Location& in) {
    core::Location out;
    out.display_name = in.display_name;
    out.uri = !in.location_uri.empty() ? in.location_uri : in.location_email;
    out.location_type = in.location_type;
    return out;
}

core::EmailAddress email(const graph::EmailAddress& in) { return {in.name, in.address}; }

}  // namespace

EntryKind classify(const graph::DeltaEntry& entry) {
    if (entry.removed) return EntryKind::Removal;
    if (entry.event.bare) return EntryKind::BareOccurrence;
    return EntryKind::Upsert;
}

std::string changeKeyOf(const graph::Event& event) {
    if (!event.change_key.empty()) return event.change_key;
    std::string_view etag = event.etag;
    if (etag.starts_with("W/")) etag.remove_prefix(2);
    if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
        etag.remove_prefix(1);
        etag.remove_suffix(1);
    }
    return std::string(etag);
}

common::Result<core::Meeting> toMeeting(const graph::Event& event, std::string_view upn) {
    if (event.id.empty())
        return makeError(ErrorCode::InvalidArgument, "event without id", std::string(upn));
    core::Meeting m;
    m.mailbox = std::string(upn);
    m.id = event.id;
    m.ical_uid = event.ical_uid;
    m.series_master_id = event.series_master_id;
    m.type = meetingType(event.type);
    if (event.start && event.end) {
        m.start = toSeconds(*event.start);
        m.end = toSeconds(*event.end);
    } else if (m.type != core::MeetingType::SeriesMaster) {
        return makeError(ErrorCode::InvalidArgument, "event without start or end", event.id);
    }
    m.is_all_day = event.is_all_day;
    m.is_cancelled = event.is_cancelled;
    m.is_online_meeting = event.is_online_meeting;
    m.sensitivity = core::parseSensitivity(event.sensitivity).value_or(core::Sensitivity::Normal);
    m.show_as = core::parseShowAs(event.show_as).value_or(core::ShowAs::Unknown);
    m.response = core::parseResponseType(event.response).value_or(core::ResponseType::None);
    if (event.organizer) m.organizer = email(*event.organizer);
    m.attendees.reserve(event.attendees.size());
    for (const auto& a : event.attendees) {
        core::Attendee out;
        out.email = email(a.email);
        out.type = core::parseAttendeeType(a.type).value_or(core::AttendeeType::Required);
        out.response = core::parseResponseType(a.response).value_or(core::ResponseType::None);
        m.attendees.push_back(std::move(out));
    }
    m.subject = event.subject;
    if (event.location) m.location = location(*event.location);
    m.locations.reserve(event.locations.size());
    for (const auto& l : event.locations) m.locations.push_back(location(l));
    m.body.content = event.body;
    m.body.type = event.body_content_type == "html" ? core::BodyType::Html : core::BodyType::Text;
    if (event.online_meeting && !event.online_meeting->join_url.empty())
        m.online_meeting_join_url = event.online_meeting->join_url;
    else
        m.online_meeting_join_url = event.online_meeting_url;
    m.change_key = changeKeyOf(event);
    if (event.last_modified) m.last_modified = toSeconds(*event.last_modified);
    return m;
}

core::Meeting hydrateOccurrence(const graph::Event& occurrence, const core::Meeting& master) {
    core::Meeting m = master;
    m.id = occurrence.id;
    m.type = core::MeetingType::Occurrence;
    m.series_master_id =
        occurrence.series_master_id.empty() ? master.id : occurrence.series_master_id;
    // Each occurrence has its own iCalUId, which a bare occurrence does not carry.
    m.ical_uid.clear();
    if (occurrence.start) m.start = toSeconds(*occurrence.start);
    if (occurrence.end) m.end = toSeconds(*occurrence.end);
    // The occurrence's own version and its master's: content from a different master version
    // is a different version of the occurrence, while a replay of both is not.
    const std::string key = changeKeyOf(occurrence);
    if (!key.empty())
        m.change_key = master.change_key.empty() ? key : key + "|" + master.change_key;
    return m;
}

MasterCache::MasterCache(Lookup stored, Lookup fetch)
    : stored_(std::move(stored)), fetch_(std::move(fetch)) {}

void MasterCache::remember(const core::Meeting& master) { known_[master.id] = master; }

common::Result<std::optional<core::Meeting>> MasterCache::get(const std::string& master_id) {
    if (auto it = known_.find(master_id); it != known_.end()) return it->second;
    if (stored_) {
        auto stored = stored_(master_id);
        if (!stored) return stored.error();
        if (*stored) {
            known_[master_id] = *stored;
            return *stored;
        }
    }
    ++fetches_;
    auto fetched = fetch_(master_id);
    if (!fetched) return fetched.error();
    known_[master_id] = *fetched;
    return *fetched;
}

}  // namespace calconn::sync
