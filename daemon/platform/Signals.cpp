#include "platform/Signals.h"

#include <pthread.h>

#include <cerrno>
#include <cstring>

namespace calconn::platform {

sigset_t daemonSignals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGUSR1);
    return set;
}

common::Status blockDaemonSignals() {
    const sigset_t set = daemonSignals();
    if (const int rc = pthread_sigmask(SIG_BLOCK, &set, nullptr); rc != 0) {
        return common::makeError(common::ErrorCode::Internal,
                                 std::string("pthread_sigmask failed: ") + std::strerror(rc));
    }
    struct sigaction ignore{};
    ignore.sa_handler = SIG_IGN;
    sigemptyset(&ignore.sa_mask);
    if (sigaction(SIGPIPE, &ignore, nullptr) != 0) {
        return common::makeError(common::ErrorCode::Internal,
                                 std::string("cannot ignore SIGPIPE: ") + std::strerror(errno));
    }
    return {};
}

void unblockDaemonSignals() {
    const sigset_t set = daemonSignals();
    pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
}

std::optional<int> waitForSignal(const sigset_t& signals, std::chrono::milliseconds timeout) {
    if (timeout.count() < 0) timeout = std::chrono::milliseconds(0);
    timespec ts{};
    ts.tv_sec = static_cast<time_t>(timeout.count() / 1000);
    ts.tv_nsec = static_cast<long>((timeout.count() % 1000) * 1000000L);
    const int sig = sigtimedwait(&signals, nullptr, &ts);
    if (sig < 0) return std::nullopt;  // EAGAIN (timeout) or EINTR
    return sig;
}

}  // namespace calconn::platform
