// What the REST API reads, as plain functions the daemon fills in: the cache (meetings with
// their join targets), presence, device and sync state, readiness and the Graph notification
// receiver. The API module thus depends on no other module's classes; an empty function means
// the part is not configured and its routes answer 503 (404 for the Graph receiver).
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "api/Router.h"
#include "api/StatusRoute.h"
#include "common/Result.h"
#include "core/ChangeEvent.h"
#include "core/Mailbox.h"
#include "core/Meeting.h"

namespace calconn::api {

// A cached meeting and the join target detection found for it (none: not joinable).
struct MeetingRecord {
    core::Meeting meeting;
    std::optional<core::JoinTarget> join;
};

// One room device as the status answer shows it.
struct DeviceRow {
    std::string room;
    std::string device;
    std::string state;  // "pending" (never pushed), "ok", "failing"
    std::optional<core::UtcSeconds> last_push;
    std::size_t bookings = 0;  // in the last successful push
    std::string last_error;    // "" when the last push worked
};

struct ApiSources {
    // Instances (no series masters) of the mailbox overlapping [from, to), by start time.
    std::function<common::Result<std::vector<MeetingRecord>>(
        const std::string& mailbox, core::UtcSeconds from, core::UtcSeconds to)>
        meetings;
    // One meeting by Graph id; none when it is not (or no longer) cached.
    std::function<common::Result<std::optional<MeetingRecord>>(const std::string& mailbox,
                                                               const std::string& id)>
        meeting;
    // The kind of a mailbox calconn syncs; none when it does not sync it.
    std::function<std::optional<core::MailboxKind>(const std::string& mailbox)> mailbox_kind;
    // The user's presence as last published; none when not known (yet).
    std::function<std::optional<core::Presence>(const std::string& upn)> presence;
    std::function<std::vector<DeviceRow>()> devices;
    // The title a room shows for private meetings; empty function: devices.private_title.
    std::function<std::string(const std::string& room)> room_private_title;
    // Sync state of every mailbox (also behind calconn_mailboxes{state}).
    std::function<std::vector<MailboxStatusRow>()> mailboxes;
    // The daemon's own status (version, state, components).
    std::function<StatusReport()> status;
    // True once the daemon runs (after start-up, outside reloads' failure paths).
    std::function<bool()> ready;
    // POST /graph/notifications: Graph's validation handshake and change notifications.
    std::function<ApiResponse(const ApiRequest&)> graph_notifications;
    // Sync's change bus, for meeting.changed; may be null.
    core::ChangeBus* bus = nullptr;
};

}  // namespace calconn::api
