// Runs the room devices inside calconnd: builds a driver for every device of every configured
// room, pushes from one thread that sleeps until the next device is due or a room's meetings
// changed (sync's change bus), and applies reloaded device settings without a restart.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/Clock.h"
#include "common/Result.h"
#include "core/ChangeEvent.h"
#include "devices/DevicePushService.h"
#include "settings/Settings.h"

namespace calconn::devices {

struct BusInbox;

// The room's title for private meetings: mailboxes.rooms[].private_title, else
// devices.private_title. Rooms are compared case-insensitively.
std::string privateTitleFor(const settings::Settings& settings, std::string_view room);

class DeviceRunner {
public:
    using DriverFactory = std::function<common::Result<std::unique_ptr<DeviceDriver>>(
        const settings::DeviceSettings& device, const common::Clock& clock)>;

    struct Options {
        // Debounce and backoff; refresh_interval comes from devices.refresh_interval.
        PushSchedulerOptions scheduling;
        DriverFactory make_driver;  // default: makeDeviceDriver
    };

    // Builds the drivers of every configured device. A device whose driver cannot be built
    // (unreadable secret, bad CA file) is logged and listed as failing, never pushed to.
    // `clock` times pushes and the thread's sleep; `window_clock` is "now" for the bookings.
    // Both must outlive the runner.
    DeviceRunner(const settings::Settings& settings, const common::Clock& clock,
                 const common::Clock& window_clock, DevicePushService::BookingSource source,
                 Options options);
    DeviceRunner(const settings::Settings& settings, const common::Clock& clock,
                 const common::Clock& window_clock, DevicePushService::BookingSource source);
    ~DeviceRunner();
    DeviceRunner(const DeviceRunner&) = delete;
    DeviceRunner& operator=(const DeviceRunner&) = delete;

    // Subscribes to `bus` (may be null: no change events, only refreshes) and starts the
    // push thread. Call once.
    void start(core::ChangeBus* bus);
    // Unsubscribes and joins the thread. A push in flight completes (bounded by the device's
    // timeouts); due devices not yet reached are left for the next start.
    void stop();

    // The room's meetings may have changed (any mailbox may be given; others are ignored).
    void roomChanged(const std::string& mailbox);
    // Every device of the room is pushed to now; NotFound when the room has no devices.
    common::Result<std::size_t> pushNow(const std::string& room);
    // A reload: devices added, removed or changed (including a rewritten secret or CA file)
    // and the booking rules take effect at once.
    void applySettings(const settings::Settings& next);

    // Every configured device, by room and name.
    std::vector<DeviceStatus> status() const;

private:
    struct Configured {
        std::string room;   // as configured
        std::string label;  // device name, made unique within the room
        settings::DeviceSettings device;
        std::string files_stamp;  // size and mtime of its secret and CA files
        std::optional<common::Error> setup_error;
    };

    void configure(const settings::Settings& settings);
    void wake();
    void run();

    const common::Clock& clock_;
    Options options_;
    std::unique_ptr<DevicePushService> service_;

    mutable std::mutex config_mutex_;  // configured_ and rooms_
    std::map<std::string, Configured> configured_;  // "room/label" (room lower-case)
    std::map<std::string, std::string> rooms_;      // lower-case mailbox -> as configured

    std::mutex wake_mutex_;
    std::condition_variable wake_cv_;
    bool woken_ = false;
    std::atomic<bool> stopping_{false};
    std::thread thread_;
    core::ChangeBus* bus_ = nullptr;
    core::ChangeBus::SubscriptionId subscription_ = 0;
    std::shared_ptr<BusInbox> inbox_;
};

}  // namespace calconn::devices
