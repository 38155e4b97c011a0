// The daemon's signals (TERM, INT, HUP, USR1) are blocked in every thread and collected by one
// loop with sigtimedwait, so no work ever runs in a signal handler and the loop can also wake up
// on time (watchdog pings). Block them before the first thread starts: threads inherit the mask.
#pragma once

#include <signal.h>

#include <chrono>
#include <optional>

#include "common/Result.h"

namespace calconn::platform {

// SIGTERM, SIGINT, SIGHUP and SIGUSR1.
sigset_t daemonSignals();

// Blocks daemonSignals() in the calling thread (and so in threads it starts later) and sets
// SIGPIPE to ignored, so a peer closing a socket is an error value, not a dead process.
common::Status blockDaemonSignals();

// Restores the mask saved by blockDaemonSignals (tests; not needed by the daemon itself).
void unblockDaemonSignals();

// Waits up to `timeout` for one of `signals` (which must be blocked). Returns the signal number,
// or nullopt on timeout or interruption.
std::optional<int> waitForSignal(const sigset_t& signals, std::chrono::milliseconds timeout);

}  // namespace calconn::platform
