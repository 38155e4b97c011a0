// GET /v1/status on the control socket: what the daemon is, how long it has run, which config
// it uses and which parts are running. The app fills a StatusReport on each request.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "api/Router.h"

namespace calconn::api {

// One synced mailbox as `calconnctl status` shows it.
struct MailboxStatusRow {
    std::string upn;
    std::string state;   // "pending" | "active" | "error"
    std::string reason;  // "" or e.g. "out_of_scope"
    std::string error;   // last error message, "" when none
    int64_t events = 0;  // meetings cached in the sync window, as calendarView counts them
    std::optional<int64_t> last_sync;  // Unix seconds of the last successful round
};

struct StatusReport {
    std::string version;
    std::string revision;
    int64_t uptime_seconds = 0;
    std::string config_file;
    int64_t pid = 0;
    std::string state;                    // "starting" | "running" | "reloading" | "stopping"
    std::vector<std::string> components;  // what is running, e.g. "control_socket"
    std::string api_url;                  // the REST API's bound URL; "" when it is not running
    std::vector<MailboxStatusRow> mailboxes;  // empty when sync is not configured
};

// {"version": ..., "revision": ..., "uptime_seconds": ..., "config_file": ..., "pid": ...,
//  "state": ..., "components": [...], "api_url": ... | null,
//  "mailboxes": [{"upn", "state", "events", "last_sync",
//  "error", "reason"}, ...]}; last_sync is ISO 8601 UTC or null, error "" when none.
std::string mailboxesToJson(const std::vector<MailboxStatusRow>& rows);
std::string statusToJson(const StatusReport& report);

void addStatusRoute(Router& router, std::function<StatusReport()> provider);

}  // namespace calconn::api
