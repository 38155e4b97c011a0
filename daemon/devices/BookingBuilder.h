// Turns a room's meetings into the booking list its devices get: the occurrences overlapping
// [now, now + horizon], cancelled and (by default) declined ones removed, private titles
// masked, dial strings mapped to RoomOS Number/Protocol/MeetingPlatform. Pure and deterministic.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/Clock.h"
#include "devices/DeviceBooking.h"
#include "settings/Settings.h"

namespace calconn::devices {

// Stable per occurrence: "cc" + 16 hex digits of FNV-1a 64 over iCalUId (or the event id when
// Graph gave none) and the occurrence start. A moved occurrence keeps its iCalUId but gets a
// new Id, which is what the device needs (Bookings Put replaces the whole list anyway).
std::string bookingId(std::string_view ical_uid, core::UtcSeconds start);

// Private and Confidential sensitivity are masked; Personal is not (Outlook shows it).
bool isPrivate(const core::Meeting& meeting);

std::vector<DeviceBooking> buildBookings(const std::vector<BookingInput>& meetings,
                                         const settings::DevicesSettings& settings,
                                         common::TimePoint now);

}  // namespace calconn::devices
