// Control-socket route of presence, behind `calconnctl presence`:
//   GET /v1/presence   every tracked user's presence now, its last read, and the sinks
#pragma once

#include <string>

#include "api/Router.h"
#include "presence/PresenceService.h"

namespace calconn::app {

// {"poll_interval_seconds": N, "include_reply_message": bool,
//  "users": [{"upn", "state", "from", "until", "last_poll", "error"}],
//  "sinks": [{"name", "pending", "delivered", "failures", "error"}]};
// times ISO 8601 UTC or null; state "available" | "out_of_office" | "unknown".
std::string presenceStatusToJson(const presence::PresenceStatus& status);

// `service` may be null (sync not configured): the route then answers 503 with a reason.
void addPresenceRoutes(api::Router& router, presence::PresenceService* service);

}  // namespace calconn::app
