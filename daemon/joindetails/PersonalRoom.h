// Join details of a user's Webex Personal Room, built from the per-site template
// https://SITE.webex.com/meet/USER and USER@SITE.webex.com. The personal room id defaults to the
// user name (the local part of the address, lower case); a purely numeric one gets the "pr"
// prefix Webex gives it. When the Webex API is reachable, its personalMeetingRoom answer
// (link and sipAddress) is preferred over this construction.
#pragma once

#include <string>
#include <string_view>

#include "common/Result.h"
#include "joindetails/JoinDetails.h"

namespace calconn::joindetails {

// Site names are DNS labels: letters, digits and '-' (Webex sites such as "acme-eu").
bool isValidSiteName(std::string_view site);

// The personal room id for an organizer address, or InvalidArgument when nothing usable is left.
common::Result<std::string> personalRoomId(std::string_view organizer_email);

common::Result<JoinDetails> personalRoomDetails(std::string_view site,
                                                std::string_view organizer_email,
                                                std::string_view organizer_name = {});

}  // namespace calconn::joindetails
