// GET /v1/status on the control socket: what the daemon is, how long it has run, which config
// it uses and which parts are running. The app fills a StatusReport on each request.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "api/Router.h"

namespace calconn::api {

struct StatusReport {
    std::string version;
    std::string revision;
    int64_t uptime_seconds = 0;
    std::string config_file;
    int64_t pid = 0;
    std::string state;                    // "starting" | "running" | "reloading" | "stopping"
    std::vector<std::string> components;  // what is running, e.g. "control_socket"
    std::vector<std::string> mailboxes;   // filled once sync exists
};

// {"version": ..., "revision": ..., "uptime_seconds": ..., "config_file": ..., "pid": ...,
//  "state": ..., "components": [...], "mailboxes": [...]}
std::string statusToJson(const StatusReport& report);

void addStatusRoute(Router& router, std::function<StatusReport()> provider);

}  // namespace calconn::api
