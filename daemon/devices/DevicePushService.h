// Keeps every room device's booking list current: owns the drivers, asks a BookingSource for
// the room's meetings when a device is due (PushScheduler), builds the list (BookingBuilder)
// and pushes it. The caller drives it: roomChanged() from change events, runDue() from a
// timer at nextWakeup(). No threads of its own, so tests run it with a FakeClock; DeviceRunner
// is the thread that drives it inside calconnd.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
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
    // Set when the device's driver could not be built (unreadable secret or CA file): it is
    // listed but never pushed to until a reload fixes its configuration.
    std::optional<common::Error> setup_error;
};

// "pending" (never pushed yet), "ok" (the last push worked), "failing" (the last push failed
// or the device could not be set up).
std::string_view deviceStateName(const DeviceStatus& status);

// What a BookingSource answers while the room has not completed its first sync: pushing the
// empty list it would read could wipe a device that still shows real bookings, so nothing is
// sent and the device is asked again shortly, without counting a failure.
common::Error roomNotSyncedYet(const std::string& room);
bool isRoomNotSyncedYet(const common::Error& error);

class DevicePushService {
public:
    // The room's meetings (with join targets) as the store holds them now.
    using BookingSource =
        std::function<common::Result<std::vector<BookingInput>>(const std::string& room)>;

    // `clock` times the pushes (debounce, refresh, backoff, rate gates); `window_clock` is the
    // "now" of the booking window (the daemon's wall clock, settable in tests), `clock` when
    // null. Both must outlive the service.
    DevicePushService(settings::DevicesSettings settings, PushSchedulerOptions options,
                      const common::Clock& clock, BookingSource source,
                      const common::Clock* window_clock = nullptr);

    // The device is due at once (a full list first thing). A device of the same room and name
    // is replaced.
    void addDevice(const std::string& room, std::unique_ptr<DeviceDriver> driver);
    // False when there was no such device. A push in flight to it completes but is not recorded.
    bool removeDevice(const std::string& room, const std::string& device);
    // The room's bookings may have changed: its devices are due after the debounce.
    void roomChanged(const std::string& room);
    // Every device of the room is due at once, even while backing off; returns how many.
    std::size_t pushNow(const std::string& room);

    // A reload: the booking rules apply from the next push, the intervals at once. Every
    // device is due soon so that what the rules change reaches the devices.
    void setSettings(settings::DevicesSettings settings, PushSchedulerOptions options);
    // The room's own title for private meetings; empty: devices.private_title.
    void setPrivateTitle(const std::string& room, std::string title);

    // Pushes to every due device; returns how many pushes were attempted. `cancelled` is
    // asked before each device, so a shutdown does not wait for a whole round.
    std::size_t runDue(const std::function<bool()>& cancelled = {});
    std::optional<common::TimePoint> nextWakeup() const;
    std::vector<DeviceStatus> status() const;

private:
    struct Entry {
        std::string room;
        std::unique_ptr<DeviceDriver> driver;
    };
    static std::string key(const std::string& room, const std::string& device);
    settings::DevicesSettings settingsFor(const std::string& room) const;
    void publishBookingsGauge(const std::string& room, const std::string& device,
                              std::size_t bookings);

    const common::Clock& clock_;
    const common::Clock& window_clock_;
    BookingSource source_;
    PushScheduler scheduler_;
    // push_mutex_ serialises runDue calls; entries_mutex_ guards the maps briefly, so
    // roomChanged, addDevice and removeDevice never wait for a push. An entry is shared with
    // the push in flight, so removing it mid-push is safe.
    std::mutex push_mutex_;
    mutable std::mutex entries_mutex_;
    std::map<std::string, std::shared_ptr<Entry>> entries_;
    settings::DevicesSettings settings_;                // guarded by entries_mutex_
    std::map<std::string, std::string> private_titles_;  // room -> title; entries_mutex_
    // Bumped by every change of a room (and of the rules): a push whose list was read before
    // the latest bump leaves the device due again. Guarded by entries_mutex_.
    std::map<std::string, std::uint64_t> room_generation_;
};

}  // namespace calconn::devices
