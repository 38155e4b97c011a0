// The decision, as a pure function: given what an event looks like now, insert, replace or
// remove the join-details block, or leave it alone, and the PATCH that does it. The marker in
// the body and a single-value extended property on the event make every decision idempotent:
// the second run over the same event (replay, restart) plans Nothing.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "joindetails/JoinDetails.h"
#include "joindetails/KeywordMatcher.h"

namespace calconn::joindetails {

// The extended property that records what we put into the event. The GUID is calconn's own
// property set; the name is fixed for good (Graph matches names case-sensitively).
inline constexpr std::string_view kJoinDetailsPropertyId =
    "String {6f1c8a52-3f0e-4a8e-9d3c-7b1f0c2a9e41} Name calconn-join-details";
// The $expand that makes GET /users/{id}/events/{id} return our property (already
// percent-encoded, to append after "?"): the Graph adapter uses it when reading an event.
std::string extendedPropertyExpandQuery();
// Value written when the block was removed (a property cannot be deleted by PATCH).
inline constexpr std::string_view kPropertyRemoved = "removed";

enum class EventKind { SingleInstance, SeriesMaster, Occurrence, Exception };

struct MeetingState {
    std::string location;
    std::string body;
    BodyType body_type = BodyType::Html;
    std::optional<std::string> property;  // current value of kJoinDetailsPropertyId, if set
    EventKind kind = EventKind::SingleInstance;
    bool series_master_has_block = false;  // for occurrences and exceptions
    bool organizer_is_configured_user = true;
    bool cancelled = false;
};

enum class PlanAction { Nothing, Insert, Replace, Remove };
std::string_view planActionName(PlanAction action);

// What the property value says: "v1;action=personal_room;site=acme;meeting=ID".
struct PropertyRecord {
    JoinAction action = JoinAction::PersonalRoom;
    std::string site;
    std::string meeting_id;  // Webex meeting we created, empty for personal rooms
};
std::string encodeProperty(const PropertyRecord& record);
std::optional<PropertyRecord> decodeProperty(std::string_view value);

struct Plan {
    PlanAction action = PlanAction::Nothing;
    std::string reason;                  // for logs and `explain`
    std::optional<KeywordMatch> keyword;  // the keyword driving Insert/Replace
    // Remove, or Replace switching away from a created meeting: the meeting to delete.
    std::string obsolete_meeting_id;
};

Plan planJoinDetails(const MeetingState& state, const std::vector<KeywordRule>& rules);

// The JSON of the PATCH /events/{id} request: the new body and the property value.
std::string buildEventPatch(std::string_view new_body, BodyType type,
                            std::string_view property_value);

}  // namespace calconn::joindetails
