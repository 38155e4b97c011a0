#include "devices/BookingBuilder.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdio>

#include "common/IsoTime.h"
#include "common/Text.h"

namespace calconn::devices {

namespace {

std::string platformFor(core::JoinService service) {
    switch (service) {
        case core::JoinService::Teams:
            return "MicrosoftTeams";
        case core::JoinService::GoogleMeet:
            return "GoogleMeet";
        case core::JoinService::Zoom:
            return "Zoom";
        case core::JoinService::Webex:
            return "Webex";
        case core::JoinService::Sip:
        case core::JoinService::Other:
            return "Other";
        case core::JoinService::Unknown:
            break;
    }
    return "Other";
}

// RoomOS Protocol value for the detector's dial protocol; empty when unknown.
std::string protocolFor(std::string_view dial_protocol) {
    const std::string p = common::asciiLower(dial_protocol);
    if (p == "sip" || p == "sips") return "SIP";
    if (p == "h323") return "H323";
    if (p == "webrtc") return "WebRTC";
    if (p == "spark") return "Spark";
    if (p == "isdn") return "ISDN";
    if (p == "ip") return "IP";
    return {};
}

void applyJoin(const std::optional<core::JoinTarget>& join, DeviceBooking& booking) {
    if (!join) return;
    booking.meeting_platform = platformFor(join->service);
    const std::string protocol = protocolFor(join->dial_protocol);
    if (join->dial_number.empty() || protocol.empty()) return;
    // The device supports WebRTC only for Teams and Google Meet (research §1.2); anything else
    // would be refused, so such a booking is shown without a Join button instead.
    if (protocol == "WebRTC" && booking.meeting_platform != "MicrosoftTeams" &&
        booking.meeting_platform != "GoogleMeet") {
        return;
    }
    booking.number = join->dial_number;
    booking.protocol = protocol;
}

bool shownForResponse(core::ResponseType response, const settings::DevicesSettings& settings) {
    switch (response) {
        case core::ResponseType::Declined:
            return settings.show_declined;
        case core::ResponseType::TentativelyAccepted:
            return settings.show_tentative;
        default:
            return true;
    }
}

}  // namespace

std::string formatUtc(core::UtcSeconds time) { return common::formatIsoUtc(time); }

std::string bookingId(std::string_view ical_uid, core::UtcSeconds start) {
    std::uint64_t hash = 14695981039346656037ULL;
    auto mix = [&hash](std::string_view bytes) {
        for (const char c : bytes) {
            hash ^= static_cast<unsigned char>(c);
            hash *= 1099511628211ULL;
        }
    };
    mix(ical_uid);
    mix("|");
    mix(std::to_string(start.time_since_epoch().count()));
    char buffer[24];
    std::snprintf(buffer, sizeof buffer, "cc%016llx", static_cast<unsigned long long>(hash));
    return buffer;
}

bool isPrivate(const core::Meeting& meeting) {
    return meeting.sensitivity == core::Sensitivity::Private ||
           meeting.sensitivity == core::Sensitivity::Confidential;
}

std::vector<DeviceBooking> buildBookings(const std::vector<BookingInput>& meetings,
                                         const settings::DevicesSettings& settings,
                                         common::TimePoint now) {
    const auto from = std::chrono::time_point_cast<std::chrono::seconds>(now);
    const auto to = from + settings.horizon;
    std::vector<DeviceBooking> out;
    for (const BookingInput& input : meetings) {
        const core::Meeting& m = input.meeting;
        if (m.is_cancelled || !core::countsAsInstance(m)) continue;
        // In progress counts: people still join a running meeting.
        if (!(m.end > from && m.start < to)) continue;
        if (!shownForResponse(m.response, settings)) continue;

        DeviceBooking b;
        b.id = bookingId(m.ical_uid.empty() ? m.id : m.ical_uid, m.start);
        b.meeting_id = m.id;
        b.is_private = isPrivate(m);
        b.is_tentative = m.response == core::ResponseType::TentativelyAccepted;
        b.title = b.is_private ? settings.private_title : m.subject;
        if (b.title.empty()) b.title = "Booked";  // Title is required; a room subject may be empty
        b.organizer_name = m.organizer.name.empty() ? m.organizer.address : m.organizer.name;
        if (b.organizer_name.empty()) b.organizer_name = "Unknown";  // Organizer/Name is required
        // The organizer's name stays for private meetings (people need to know who holds the
        // room, as Outlook shows it on the room's calendar); the address is left out.
        if (!b.is_private) b.organizer_email = m.organizer.address;
        b.start = m.start;
        const auto seconds = (m.end - m.start).count();
        b.duration_minutes = static_cast<int>(std::max<long long>(1, (seconds + 59) / 60));
        b.start_time_buffer_seconds = static_cast<int>(settings.start_time_buffer.count());
        b.end_time_buffer_seconds = static_cast<int>(settings.end_time_buffer.count());
        applyJoin(input.join, b);
        out.push_back(std::move(b));
    }
    std::sort(out.begin(), out.end(), [](const DeviceBooking& a, const DeviceBooking& b) {
        if (a.start != b.start) return a.start < b.start;
        return a.id < b.id;
    });
    // The same occurrence listed twice (a replayed page) must not become two bookings.
    out.erase(
        std::unique(out.begin(), out.end(),
                    [](const DeviceBooking& a, const DeviceBooking& b) { return a.id == b.id; }),
        out.end());
    return out;
}

}  // namespace calconn::devices
