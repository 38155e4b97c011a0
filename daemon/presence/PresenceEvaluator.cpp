#include "presence/PresenceEvaluator.h"

namespace calconn::presence {

using core::PresenceState;

Evaluation evaluate(const graph::AutomaticReplies& replies, common::TimePoint now) {
    Evaluation out;
    if (replies.status == "alwaysEnabled") {
        out.state = PresenceState::OutOfOffice;
        return out;
    }
    if (replies.status != "scheduled") return out;  // disabled, or a status we do not know

    const auto& start = replies.scheduled_start;
    const auto& end = replies.scheduled_end;
    if (start && end && *end <= *start) return out;  // an empty window is never in effect
    if (start && now < *start) {
        out.next_change = *start;
        return out;
    }
    if (end && now >= *end) {
        out.since = *end;
        return out;
    }
    out.state = PresenceState::OutOfOffice;
    out.since = start;
    out.until = end;
    out.next_change = end;
    return out;
}

std::string_view presenceStateName(PresenceState state) {
    switch (state) {
        case PresenceState::Available:
            return "available";
        case PresenceState::OutOfOffice:
            return "out_of_office";
    }
    return "available";
}

std::optional<PresenceState> parsePresenceState(std::string_view name) {
    if (name == "available") return PresenceState::Available;
    if (name == "out_of_office") return PresenceState::OutOfOffice;
    return std::nullopt;
}

}  // namespace calconn::presence
