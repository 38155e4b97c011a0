// What a mailbox's automatic-replies setting means at a given instant: alwaysEnabled is out of
// office now, scheduled is out of office in [start, end), disabled is available. Pure: the
// times were converted to UTC from the zone the setting names (graph::decodeMailboxSettings),
// so evaluation is a comparison against the injected wall clock.
#pragma once

#include <optional>
#include <string_view>

#include "common/Clock.h"
#include "core/Meeting.h"
#include "graph/GraphTypes.h"

namespace calconn::presence {

struct Evaluation {
    core::PresenceState state = core::PresenceState::Available;
    // When the state began, when the setting says so (the scheduled start, or the end of a
    // window that has passed); none for alwaysEnabled and disabled.
    std::optional<common::TimePoint> since;
    // When out of office ends: the scheduled end; none when always on (and when available).
    std::optional<common::TimePoint> until;
    // The next instant at which the evaluation changes without a new fetch (a scheduled
    // window's start or end), if any.
    std::optional<common::TimePoint> next_change;
};

// A scheduled setting without a start (or an end) is unbounded on that side; one whose end is
// not after its start is never in effect.
Evaluation evaluate(const graph::AutomaticReplies& replies, common::TimePoint now);

// "available" | "out_of_office": the names in webhooks, the API and the state file.
std::string_view presenceStateName(core::PresenceState state);
std::optional<core::PresenceState> parsePresenceState(std::string_view name);

}  // namespace calconn::presence
