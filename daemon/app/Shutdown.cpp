#include "app/Shutdown.h"

#include <atomic>
#include <memory>
#include <thread>

#include "platform/Signals.h"

namespace calconn::app {

namespace {
// How often the wait loop re-checks whether `stop` finished; signals wake it at once.
constexpr std::chrono::milliseconds kPollInterval{20};
}  // namespace

std::string_view stopOutcomeName(StopOutcome outcome) {
    switch (outcome) {
        case StopOutcome::Completed: return "completed";
        case StopOutcome::TimedOut: return "timed_out";
        case StopOutcome::SecondSignal: return "second_signal";
    }
    return "unknown";
}

StopOutcome stopWithDeadline(std::function<void()> stop, std::chrono::milliseconds timeout,
                             const sigset_t& signals) {
    // Shared with the helper, which may outlive this call when it is detached.
    auto done = std::make_shared<std::atomic<bool>>(false);
    std::thread helper([stop = std::move(stop), done] {
        stop();
        done->store(true);
    });
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done->load()) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            helper.detach();
            return StopOutcome::TimedOut;
        }
        const auto sig = platform::waitForSignal(signals, std::min(left, kPollInterval));
        if (sig && (*sig == SIGTERM || *sig == SIGINT)) {
            helper.detach();
            return StopOutcome::SecondSignal;
        }
    }
    helper.join();
    return StopOutcome::Completed;
}

}  // namespace calconn::app
