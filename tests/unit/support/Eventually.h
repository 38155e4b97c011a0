// Polling with a deadline, for unit tests that wait on another thread: never a bare sleep.
#pragma once

#include <chrono>
#include <functional>
#include <thread>

namespace calconn::test {

// True as soon as `condition` holds; false if it still does not after `timeout`.
inline bool eventually(const std::function<bool()>& condition,
                       std::chrono::milliseconds timeout = std::chrono::seconds(10),
                       std::chrono::milliseconds interval = std::chrono::milliseconds(1)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (condition()) return true;
        std::this_thread::sleep_for(interval);
    }
    return condition();
}

}  // namespace calconn::test
