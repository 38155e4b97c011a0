// Graceful stop with a deadline: components stop in a helper thread while the calling thread
// keeps collecting signals, so a second TERM/INT or an overrun deadline can end the process
// at once instead of hanging until systemd's SIGKILL.
#pragma once

#include <signal.h>

#include <chrono>
#include <functional>
#include <string_view>

namespace calconn::app {

enum class StopOutcome {
    Completed,     // `stop` returned in time
    TimedOut,      // the deadline passed first
    SecondSignal,  // another TERM/INT arrived first
};

std::string_view stopOutcomeName(StopOutcome outcome);

// Runs `stop` in a helper thread and waits for it, for TERM/INT in `signals` (which must be
// blocked) and for `timeout`. On Completed the helper is joined; otherwise it is detached and
// still running, and the caller is expected to exit the process.
StopOutcome stopWithDeadline(std::function<void()> stop, std::chrono::milliseconds timeout,
                             const sigset_t& signals);

}  // namespace calconn::app
