#include "devices/DevicePushService.h"

#include <Poco/Logger.h>

namespace calconn::devices {

namespace {
Poco::Logger& logger() { return Poco::Logger::get("calconn.devices"); }
}  // namespace

DevicePushService::DevicePushService(settings::DevicesSettings settings,
                                     PushSchedulerOptions options, const common::Clock& clock,
                                     BookingSource source)
    : settings_(std::move(settings)),
      clock_(clock),
      source_(std::move(source)),
      scheduler_(options, clock) {}

std::string DevicePushService::key(const std::string& room, const std::string& device) {
    return room + "/" + device;
}

void DevicePushService::addDevice(const std::string& room, std::unique_ptr<DeviceDriver> driver) {
    std::lock_guard push_lock(push_mutex_);
    std::lock_guard lock(entries_mutex_);
    const std::string k = key(room, driver->name());
    entries_[k] = Entry{room, std::move(driver)};
    scheduler_.addDevice(k);
}

void DevicePushService::roomChanged(const std::string& room) {
    std::lock_guard lock(entries_mutex_);
    for (const auto& [k, entry] : entries_) {
        if (entry.room == room) scheduler_.markChanged(k);
    }
}

std::size_t DevicePushService::runDue() {
    std::lock_guard push_lock(push_mutex_);
    std::size_t attempted = 0;
    std::map<std::string, std::optional<std::vector<DeviceBooking>>>
        built;  // per room, once per run
    for (const std::string& k : scheduler_.due()) {
        Entry* found = nullptr;
        {
            std::lock_guard lock(entries_mutex_);
            auto it = entries_.find(k);
            if (it != entries_.end()) found = &it->second;  // map nodes are stable
        }
        if (!found) continue;
        Entry& entry = *found;
        if (entry.driver->nextAllowed() > clock_.now()) {
            scheduler_.defer(k, entry.driver->nextAllowed());
            continue;
        }
        auto& bookings = built[entry.room];
        if (!bookings) {
            auto meetings = source_(entry.room);
            if (!meetings) {
                // Without the room's meetings a push would wipe the device: keep what it has.
                scheduler_.recordFailure(k, meetings.error());
                continue;
            }
            bookings = buildBookings(*meetings, settings_, clock_.now());
        }
        ++attempted;
        const common::Status pushed = entry.driver->push(entry.room, *bookings);
        if (pushed) {
            scheduler_.recordSuccess(k, bookings->size());
        } else if (pushed.error().code == common::ErrorCode::Throttled &&
                   pushed.error().context == "rate gate") {
            scheduler_.defer(k, entry.driver->nextAllowed());
        } else {
            const auto before = scheduler_.state(k);
            scheduler_.recordFailure(k, pushed.error());
            if (before && before->consecutive_failures == 0) {
                logger().warning("push to device " + k + " failed: " + pushed.error().toString());
            }
        }
    }
    return attempted;
}

std::optional<common::TimePoint> DevicePushService::nextWakeup() const {
    return scheduler_.nextWakeup();
}

std::vector<DeviceStatus> DevicePushService::status() const {
    std::lock_guard lock(entries_mutex_);
    std::vector<DeviceStatus> out;
    for (const auto& [k, entry] : entries_) {
        if (auto state = scheduler_.state(k))
            out.push_back({entry.room, entry.driver->name(), *state});
    }
    return out;
}

}  // namespace calconn::devices
