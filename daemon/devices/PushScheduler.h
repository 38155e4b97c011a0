// Decides when each device is due for a push: soon after its room's bookings changed
// (debounced, so a burst of changes becomes one push), every refresh_interval anyway (a full
// replace also heals drift and devices that rebooted), and with exponential backoff after
// failures. Holds the per-device state shown by `calconnctl devices list`. Pure: no I/O, time
// from the injected Clock.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/Clock.h"
#include "common/Result.h"

namespace calconn::devices {

struct PushSchedulerOptions {
    std::chrono::milliseconds debounce{500};
    std::chrono::seconds refresh_interval{std::chrono::minutes(15)};
    std::chrono::milliseconds backoff_initial{std::chrono::seconds(5)};
    std::chrono::milliseconds backoff_max{std::chrono::minutes(5)};
};

struct DevicePushState {
    std::optional<common::TimePoint> last_push;  // last successful push
    std::optional<common::TimePoint> last_attempt;
    std::size_t bookings_pushed = 0;          // in the last successful push
    std::optional<common::Error> last_error;  // cleared by a success
    int consecutive_failures = 0;
    std::size_t pushes_ok = 0;
    std::size_t pushes_failed = 0;
    common::TimePoint next_due{};
    bool changed = false;  // a change is waiting to be pushed
};

class PushScheduler {
public:
    PushScheduler(PushSchedulerOptions options, const common::Clock& clock);

    // A new device is due at once: it gets the full list first thing.
    void addDevice(const std::string& device);
    void removeDevice(const std::string& device);
    // The room's bookings changed: due after the debounce, unless it is backing off (the
    // retry then carries the change) or already due sooner.
    void markChanged(const std::string& device);

    // Devices due now, in name order.
    std::vector<std::string> due() const;
    // The earliest time any device becomes due; none without devices.
    std::optional<common::TimePoint> nextWakeup() const;

    void recordSuccess(const std::string& device, std::size_t bookings);
    // A failed push; retries with backoff, not before retry_at when the device said so.
    void recordFailure(const std::string& device, const common::Error& error,
                       std::optional<common::TimePoint> retry_at = std::nullopt);
    // Not sent at all (our own rate gate said wait): due again at `at`, no failure counted.
    void defer(const std::string& device, common::TimePoint at);
    // The admin asked for a push (calconnctl devices push): due at once, even while backing off.
    void dueNow(const std::string& device);
    // A reload changed the intervals: devices not backing off are due no later than a refresh
    // interval after their last push.
    void setOptions(PushSchedulerOptions options);

    std::optional<DevicePushState> state(const std::string& device) const;
    std::chrono::milliseconds backoffFor(int consecutive_failures) const;

private:
    std::chrono::milliseconds backoffLocked(int consecutive_failures) const;

    PushSchedulerOptions options_;
    const common::Clock& clock_;
    mutable std::mutex mutex_;
    std::map<std::string, DevicePushState> devices_;
};

}  // namespace calconn::devices
