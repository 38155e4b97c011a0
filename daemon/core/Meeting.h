// The meeting as calconn keeps it: the subset of a Graph event that detection, meeting lists,
// room bookings and presence need. Times are UTC; the sync engine normalises time zones.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace calconn::core {

using UtcSeconds = std::chrono::sys_seconds;

enum class MeetingType { SingleInstance, Occurrence, Exception, SeriesMaster };

enum class Sensitivity { Normal, Personal, Private, Confidential };

enum class ShowAs { Unknown, Free, Tentative, Busy, Oof, WorkingElsewhere };

enum class ResponseType { None, Organizer, TentativelyAccepted, Accepted, Declined, NotResponded };

enum class AttendeeType { Required, Optional, Resource };

enum class BodyType { Text, Html };

struct EmailAddress {
    std::string name;
    std::string address;
    bool operator==(const EmailAddress&) const = default;
};

struct Attendee {
    EmailAddress email;
    AttendeeType type = AttendeeType::Required;
    ResponseType response = ResponseType::None;
    bool operator==(const Attendee&) const = default;
};

struct Location {
    std::string display_name;
    std::string uri;            // e.g. a room mailbox or a URL, when Graph gives one
    std::string location_type;  // Graph locationType ("default", "conferenceRoom", ...)
    bool operator==(const Location&) const = default;
};

struct Body {
    std::string content;
    BodyType type = BodyType::Text;
    bool operator==(const Body&) const = default;
};

struct Meeting {
    std::string mailbox;           // UPN of the mailbox whose calendar holds this copy
    std::string id;                // Graph event id (unique per mailbox)
    std::string ical_uid;          // different for each occurrence
    std::string series_master_id;  // set on occurrences and exceptions
    MeetingType type = MeetingType::SingleInstance;
    UtcSeconds start{};
    UtcSeconds end{};
    bool is_all_day = false;
    bool is_cancelled = false;
    bool is_online_meeting = false;
    Sensitivity sensitivity = Sensitivity::Normal;
    ShowAs show_as = ShowAs::Busy;
    ResponseType response = ResponseType::None;  // the mailbox owner's own response
    EmailAddress organizer;
    std::vector<Attendee> attendees;
    std::string subject;
    Location location;                // the display location (what users type "@webex" into)
    std::vector<Location> locations;  // all locations
    Body body;
    std::string online_meeting_join_url;  // onlineMeeting.joinUrl
    std::string change_key;               // changes on every change: the version stamp
    std::optional<UtcSeconds> last_modified;

    bool operator==(const Meeting&) const = default;
};

// Where a meeting is joined, as detection finds it.
enum class JoinService { Unknown, Webex, Teams, Zoom, GoogleMeet, Sip, Other };

struct JoinTarget {
    JoinService service = JoinService::Unknown;
    std::string uri;            // https join link or sip: URI
    std::string dial_number;    // what a video device dials (SIP URI, or number)
    std::string dial_protocol;  // "SIP", "H323", "WebRTC", "Spark" (RoomOS spelling)
    std::string service_id;     // detection's §7 id ("teams", "gotomeeting", ...)
    bool operator==(const JoinTarget&) const = default;
};

// A room's booking as pushed to its devices (One Button To Push).
struct Booking {
    std::string room;        // room mailbox
    std::string meeting_id;  // Graph event id in the room's calendar
    std::string title;       // subject, or a neutral title for private meetings
    UtcSeconds start{};
    UtcSeconds end{};
    EmailAddress organizer;
    std::optional<JoinTarget> join;
    bool is_private = false;
    bool operator==(const Booking&) const = default;
};

enum class PresenceState { Available, OutOfOffice };

struct Presence {
    std::string upn;
    PresenceState state = PresenceState::Available;
    std::optional<UtcSeconds> from;   // scheduled automatic replies: start
    std::optional<UtcSeconds> until;  // and end; none when "always on"
    bool operator==(const Presence&) const = default;
};

// A meeting counts like calendarView lists it: singles, occurrences and exceptions that
// overlap [from, to); series masters are not instances and never count.
bool countsAsInstance(const Meeting& meeting);
bool overlaps(const Meeting& meeting, UtcSeconds from, UtcSeconds to);

std::string_view meetingTypeName(MeetingType type);  // Graph names: "singleInstance", ...
std::optional<MeetingType> parseMeetingType(std::string_view name);
std::string_view sensitivityName(Sensitivity value);
std::optional<Sensitivity> parseSensitivity(std::string_view name);
std::string_view showAsName(ShowAs value);
std::optional<ShowAs> parseShowAs(std::string_view name);
std::string_view responseTypeName(ResponseType value);
std::optional<ResponseType> parseResponseType(std::string_view name);
std::string_view attendeeTypeName(AttendeeType value);
std::optional<AttendeeType> parseAttendeeType(std::string_view name);

}  // namespace calconn::core
