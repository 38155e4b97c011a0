// Value types shared by the join-details module: what a keyword asks for, what a Webex meeting
// or personal room gives back, and the kinds of event body we edit.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace calconn::joindetails {

enum class JoinAction { PersonalRoom, WebexMeeting };

// Settings spell actions "personal_room" / "webex_meeting".
std::string_view joinActionName(JoinAction action);
std::optional<JoinAction> parseJoinAction(std::string_view name);

enum class BodyType { Html, Text };

struct CallInNumber {
    std::string label;   // e.g. "United States Toll"
    std::string number;  // e.g. "+1-415-655-0001"
    std::string toll_type;  // "toll" | "tollFree"
};

// Everything a join-details block can show. Empty fields are left out of the block.
struct JoinDetails {
    JoinAction action = JoinAction::PersonalRoom;
    std::string site;            // "acme" for acme.webex.com
    std::string join_url;        // https://acme.webex.com/meet/alice or a j.php link
    std::string sip_address;     // alice@acme.webex.com or 123456789@acme.webex.com
    std::string meeting_number;  // scheduled meetings
    std::string password;        // meeting password, shown to attendees as Webex does
    std::string video_password;  // phoneAndVideoSystemPassword, numeric
    std::string access_code;     // telephony access code
    std::vector<CallInNumber> call_in_numbers;
    std::string webex_meeting_id;  // id of a meeting we created (to delete it later)
    std::string host_name;         // organizer's display name, for the hints
    // The host key is never rendered: an invitation reaches every attendee.
};

}  // namespace calconn::joindetails
