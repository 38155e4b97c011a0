// What a room device is told about one booking, independent of the wire format: the RoomOS
// Bookings Put JSON and the webhook JSON are both rendered from this. Built by BookingBuilder.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/Meeting.h"

namespace calconn::devices {

// The input for one meeting: the room's copy of the meeting and the join target detection
// found (none: the device shows the booking without a Join button).
struct BookingInput {
    core::Meeting meeting;
    std::optional<core::JoinTarget> join;
};

struct DeviceBooking {
    std::string id;          // stable per occurrence, at most 32 characters (BookingBuilder)
    std::string meeting_id;  // Graph event id in the room's calendar (not sent to RoomOS)
    std::string title;       // subject, or devices.private_title for private meetings
    std::string organizer_name;
    std::string organizer_email;  // empty for private meetings
    core::UtcSeconds start{};
    int duration_minutes = 0;
    int start_time_buffer_seconds = 300;
    int end_time_buffer_seconds = 0;
    std::string number;             // what the device dials; empty when not joinable
    std::string protocol = "None";  // RoomOS Protocol: SIP, H323, WebRTC, Spark, ... or None
    std::string meeting_platform = "None";  // MicrosoftTeams, GoogleMeet, Zoom, Webex, Other, None
    bool is_private = false;
    bool is_tentative = false;  // the room accepted tentatively (webhook consumers may show it)

    bool operator==(const DeviceBooking&) const = default;
};

// "2026-03-02T09:00:00Z": the UTC form Bookings Put and Bookings Book take.
std::string formatUtc(core::UtcSeconds time);

}  // namespace calconn::devices
