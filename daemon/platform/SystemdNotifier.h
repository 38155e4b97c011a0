// Talks to the service manager over $NOTIFY_SOCKET (sd_notify): readiness, reload, stop,
// status text and watchdog pings. Outside systemd ($NOTIFY_SOCKET unset) every call is a no-op,
// so the daemon runs the same code under systemd, in a terminal and in tests.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "common/Result.h"

namespace calconn::platform {

class SystemdNotifier {
public:
    // Reads $NOTIFY_SOCKET and $WATCHDOG_USEC/$WATCHDOG_PID once, at construction.
    SystemdNotifier();

    // True when a service manager listens ($NOTIFY_SOCKET set).
    bool enabled() const { return enabled_; }

    // Sends raw "KEY=VALUE\n..." state; Ok (and nothing sent) when not enabled.
    common::Status notify(std::string_view state) const;

    common::Status ready() const { return notify("READY=1"); }
    common::Status stopping() const { return notify("STOPPING=1"); }
    common::Status watchdog() const { return notify("WATCHDOG=1"); }
    // RELOADING=1 with MONOTONIC_USEC=<now>, as systemd >= 253 expects (older ones ignore it).
    common::Status reloading() const;
    // STATUS=<text>, shown by `systemctl status`; newlines are replaced by spaces.
    common::Status status(std::string_view text) const;

    // The interval to ping at (half of WATCHDOG_USEC) when the manager enabled the watchdog
    // for this process; nullopt otherwise.
    std::optional<std::chrono::microseconds> watchdogPingInterval() const { return watchdog_ping_; }

private:
    bool enabled_ = false;
    std::optional<std::chrono::microseconds> watchdog_ping_;
};

}  // namespace calconn::platform
