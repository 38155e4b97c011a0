// A user's presence as calconn announces it to sinks and keeps it across restarts, and the
// update a sink receives.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "core/Meeting.h"

namespace calconn::presence {

struct PresenceRecord {
    core::PresenceState state = core::PresenceState::Available;
    std::chrono::sys_seconds since{};               // when this state began
    std::optional<std::chrono::sys_seconds> until;  // out of office: the scheduled end, if any

    // The same announcement: state and end. `since` is not compared: it only says when a
    // state began, and a state that goes on is not announced again.
    bool sameAnnouncement(const PresenceRecord& other) const {
        return state == other.state && until == other.until;
    }
    bool operator==(const PresenceRecord&) const = default;
};

struct PresenceUpdate {
    std::string upn;
    PresenceRecord record;
    // The external automatic-reply message (HTML as the user wrote it); empty unless
    // presence.include_reply_message is on and the user is out of office. Held in memory only.
    std::string message;
};

}  // namespace calconn::presence
