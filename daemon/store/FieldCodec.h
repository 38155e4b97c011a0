// Private to the store module: the compact binary form of the structured meeting fields
// (organizer, attendees, location, body) that is encrypted into their columns. Each value
// starts with a format version byte so the encoding can evolve without a schema migration.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/Result.h"
#include "core/Meeting.h"

namespace calconn::store::codec {

std::string encodeOrganizer(const core::EmailAddress& organizer);
common::Result<core::EmailAddress> decodeOrganizer(std::string_view data);

std::string encodeAttendees(const std::vector<core::Attendee>& attendees);
common::Result<std::vector<core::Attendee>> decodeAttendees(std::string_view data);

// The display location and the full list, together.
std::string encodeLocations(const core::Location& location, const std::vector<core::Location>& all);
common::Status decodeLocations(std::string_view data, core::Location& location,
                               std::vector<core::Location>& all);

std::string encodeBody(const core::Body& body);
common::Result<core::Body> decodeBody(std::string_view data);

}  // namespace calconn::store::codec
