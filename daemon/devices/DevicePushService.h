// Keeps every room device's booking list current: owns the drivers, asks a BookingSource for
// the room's meetings when a device is due (PushScheduler), builds the list (BookingBuilder)
// and pushes it. The caller drives it: roomChanged() from change events, runDue() from a
// timer at nextWakeup(). No threads of its own, so tests run it with a FakeClock.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/Clock.h"
#include "common/Result.h"
#include "devices/BookingBuilder.h"
#include "devices/DeviceDriver.h"
#include "devices/PushScheduler.h"
#include "settings/Settings.h"

namespace calconn::devices {

struct DeviceStatus {
    std::string room;
    std::string device;  // driver name
    DevicePushState state;
};

class DevicePushService {
public:
    // The room's meetings (with join targets) as the store holds them now.
    using BookingSource =
        std::function<common::Result<std::vector<BookingInput>>(const std::string& room)>;

    DevicePushService(settings::DevicesSettings settings, PushSchedulerOptions options,
                      const common::Clock& clock, BookingSource source);

    // The device is due at once (a full list first thing).
    void addDevice(const std::string& room, std::unique_ptr<DeviceDriver> driver);
    // The room's bookings may have changed: its devices are due after the debounce.
    void roomChanged(const std::string& room);

    // Pushes to every due device; returns how many pushes were attempted.
    std::size_t runDue();
    std::optional<common::TimePoint> nextWakeup() const;
    std::vector<DeviceStatus> status() const;

private:
    struct Entry {
        std::string room;
        std::unique_ptr<DeviceDriver> driver;
    };
    static std::string key(const std::string& room, const std::string& device);

    settings::DevicesSettings settings_;
    const common::Clock& clock_;
    BookingSource source_;
    PushScheduler scheduler_;
    // push_mutex_ serialises runDue and addDevice (a driver is never replaced mid-push);
    // entries_mutex_ guards the map briefly, so roomChanged never waits for a push.
    std::mutex push_mutex_;
    mutable std::mutex entries_mutex_;
    std::map<std::string, Entry> entries_;
};

}  // namespace calconn::devices
