// The JSON the REST API gives for meetings, bookings, presence and notification events. Times
// are ISO 8601 UTC; private and confidential meetings show devices.private_title instead of
// their subject and no organizer address, as room devices do.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/ApiSources.h"
#include "core/ChangeEvent.h"
#include "core/Meeting.h"

namespace calconn::api {

// Private and Confidential sensitivity are masked; Personal is not (Outlook shows it).
bool isPrivate(const core::Meeting& meeting);

// "teams", "webex", ...: detection's service id, else the service's name.
std::string joinServiceName(const core::JoinTarget& join);

// True when a device or app can join: a link or something to dial.
bool isJoinable(const std::optional<core::JoinTarget>& join);

// {"id", "start", "end", "all_day", "subject", "private", "organizer": {"name", "address"},
//  "response", "show_as", "cancelled", "join": {"service", "uri", "dial": {"number",
//  "protocol"} | null} | null}
std::string meetingToJson(const MeetingRecord& record, std::string_view private_title);

// {"mailbox", "from", "to", "meetings": [...]}; `key` is "meetings" or "bookings".
std::string meetingListToJson(std::string_view key, const std::string& mailbox,
                              core::UtcSeconds from, core::UtcSeconds to,
                              const std::vector<MeetingRecord>& records,
                              std::string_view private_title);

// {"upn", "state": "available" | "out_of_office", "from", "until"} (null when unset).
std::string presenceToJson(const core::Presence& presence);

// meeting.starting: {"mailbox", "starts_at", "meeting": {...}}.
std::string startingEventJson(const std::string& mailbox, const MeetingRecord& record,
                              std::string_view private_title);
// meeting.changed: {"mailbox", "id", "change": "added" | "changed" | "cancelled" | "removed",
//  "meeting": {...} | null}; the meeting as cached after the change, null once removed.
std::string changedEventJson(const core::MeetingChange& change,
                             const std::optional<MeetingRecord>& record,
                             std::string_view private_title);

}  // namespace calconn::api
