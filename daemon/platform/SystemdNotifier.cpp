#include "platform/SystemdNotifier.h"

#include <systemd/sd-daemon.h>

#include <cstdlib>
#include <cstring>
#include <ctime>

namespace calconn::platform {

SystemdNotifier::SystemdNotifier() {
    const char* socket = std::getenv("NOTIFY_SOCKET");
    enabled_ = socket != nullptr && socket[0] != '\0';
    uint64_t usec = 0;
    // sd_watchdog_enabled checks WATCHDOG_PID against our pid; 0 = do not unset the variables.
    if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
        watchdog_ping_ = std::chrono::microseconds(usec / 2);
    }
}

common::Status SystemdNotifier::notify(std::string_view state) const {
    if (!enabled_) return {};
    const std::string text(state);
    const int rc = sd_notify(0, text.c_str());
    if (rc < 0) {
        return common::makeError(common::ErrorCode::Io,
                                 std::string("sd_notify failed: ") + std::strerror(-rc), text);
    }
    return {};
}

common::Status SystemdNotifier::reloading() const {
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    const auto usec = static_cast<unsigned long long>(now.tv_sec) * 1000000ULL +
                      static_cast<unsigned long long>(now.tv_nsec) / 1000ULL;
    return notify("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(usec));
}

common::Status SystemdNotifier::status(std::string_view text) const {
    std::string line(text);
    for (char& c : line) {
        if (c == '\n') c = ' ';
    }
    return notify("STATUS=" + line);
}

}  // namespace calconn::platform
