#include "devices/DevicePushService.h"

#include <Poco/Logger.h>

#include "common/Metrics.h"
#include "platform/Logging.h"

namespace calconn::devices {

namespace {

Poco::Logger& logger() { return Poco::Logger::get("calconn.devices"); }

constexpr std::string_view kNotSyncedContext = "room not synced yet";
// A room whose first sync round found nothing publishes no change: look again soon (a cheap
// read of the mailbox row) rather than at the refresh interval.
constexpr std::chrono::seconds kNotSyncedRecheck{1};
constexpr std::string_view kPushesMetric = "calconn_device_pushes_total";
constexpr std::string_view kBookingsMetric = "calconn_device_bookings";

void describeMetrics() {
    auto& metrics = common::metrics();
    metrics.describe(kPushesMetric, common::MetricType::Counter,
                     "booking list pushes to room devices, by result (ok, error)");
    metrics.describe(kBookingsMetric, common::MetricType::Gauge,
                     "bookings in the last list a room device accepted");
}

void countPush(bool ok) {
    common::metrics().add(kPushesMetric, {{"result", ok ? "ok" : "error"}});
}

}  // namespace

std::string_view deviceStateName(const DeviceStatus& status) {
    if (status.setup_error || status.state.last_error) return "failing";
    if (status.state.last_push) return "ok";
    return "pending";
}

common::Error roomNotSyncedYet(const std::string& room) {
    return common::makeError(common::ErrorCode::Unavailable,
                             "the room's calendar has not been synced yet (" + room + ")",
                             std::string(kNotSyncedContext));
}

bool isRoomNotSyncedYet(const common::Error& error) {
    return error.code == common::ErrorCode::Unavailable && error.context == kNotSyncedContext;
}

DevicePushService::DevicePushService(settings::DevicesSettings settings,
                                     PushSchedulerOptions options, const common::Clock& clock,
                                     BookingSource source, const common::Clock* window_clock)
    : clock_(clock),
      window_clock_(window_clock ? *window_clock : clock),
      source_(std::move(source)),
      scheduler_(options, clock),
      settings_(std::move(settings)) {
    describeMetrics();
}

std::string DevicePushService::key(const std::string& room, const std::string& device) {
    return room + "/" + device;
}

void DevicePushService::addDevice(const std::string& room, std::unique_ptr<DeviceDriver> driver) {
    std::lock_guard lock(entries_mutex_);
    const std::string k = key(room, driver->name());
    // A replaced device starts over: its state belongs to the old configuration.
    if (entries_.erase(k) > 0) scheduler_.removeDevice(k);
    entries_[k] = std::make_shared<Entry>(Entry{room, std::move(driver)});
    scheduler_.addDevice(k);
}

bool DevicePushService::removeDevice(const std::string& room, const std::string& device) {
    const std::string k = key(room, device);
    {
        std::lock_guard lock(entries_mutex_);
        if (entries_.erase(k) == 0) return false;
        scheduler_.removeDevice(k);
    }
    // Drop the gauge sample of the removed device: rebuild the family from what remains.
    auto& metrics = common::metrics();
    metrics.clear(kBookingsMetric);
    for (const DeviceStatus& s : status()) {
        if (s.state.last_push) publishBookingsGauge(s.room, s.device, s.state.bookings_pushed);
    }
    return true;
}

void DevicePushService::roomChanged(const std::string& room) {
    std::lock_guard lock(entries_mutex_);
    ++room_generation_[room];
    for (const auto& [k, entry] : entries_) {
        if (entry->room == room) scheduler_.markChanged(k);
    }
}

std::size_t DevicePushService::pushNow(const std::string& room) {
    std::lock_guard lock(entries_mutex_);
    std::size_t marked = 0;
    for (const auto& [k, entry] : entries_) {
        if (entry->room != room) continue;
        scheduler_.dueNow(k);
        ++marked;
    }
    return marked;
}

void DevicePushService::setSettings(settings::DevicesSettings settings,
                                    PushSchedulerOptions options) {
    std::lock_guard lock(entries_mutex_);
    const bool rules_changed = !(settings == settings_);
    settings_ = std::move(settings);
    scheduler_.setOptions(options);
    if (rules_changed) {
        for (const auto& [k, entry] : entries_) {
            ++room_generation_[entry->room];
            scheduler_.markChanged(k);
        }
    }
}

void DevicePushService::setPrivateTitle(const std::string& room, std::string title) {
    std::lock_guard lock(entries_mutex_);
    auto& current = private_titles_[room];
    if (current == title) return;
    current = std::move(title);
    ++room_generation_[room];
    for (const auto& [k, entry] : entries_) {
        if (entry->room == room) scheduler_.markChanged(k);
    }
}

settings::DevicesSettings DevicePushService::settingsFor(const std::string& room) const {
    std::lock_guard lock(entries_mutex_);
    settings::DevicesSettings out = settings_;
    if (auto it = private_titles_.find(room); it != private_titles_.end() && !it->second.empty()) {
        out.private_title = it->second;
    }
    return out;
}

void DevicePushService::publishBookingsGauge(const std::string& room, const std::string& device,
                                             std::size_t bookings) {
    common::metrics().set(kBookingsMetric, {{"room", room}, {"device", device}},
                          static_cast<double>(bookings));
}

std::size_t DevicePushService::runDue(const std::function<bool()>& cancelled) {
    std::lock_guard push_lock(push_mutex_);
    std::size_t attempted = 0;
    // Per room, once per run: the list, and the room's generation when its meetings were read.
    struct Built {
        std::vector<DeviceBooking> bookings;
        std::uint64_t generation = 0;
    };
    std::map<std::string, std::optional<Built>> built;
    for (const std::string& k : scheduler_.due()) {
        if (cancelled && cancelled()) break;
        std::shared_ptr<Entry> entry;
        {
            std::lock_guard lock(entries_mutex_);
            auto it = entries_.find(k);
            if (it != entries_.end()) entry = it->second;
        }
        if (!entry) continue;
        // Still the same device (not removed or replaced by a reload while we pushed)?
        auto current = [&] {
            std::lock_guard lock(entries_mutex_);
            auto it = entries_.find(k);
            return it != entries_.end() && it->second == entry;
        };
        // A free driver answers "now" as of the call: read it before the clock, not after.
        const common::TimePoint allowed = entry->driver->nextAllowed();
        if (allowed > clock_.now()) {
            scheduler_.defer(k, allowed);
            continue;
        }
        auto& list = built[entry->room];
        if (!list) {
            std::uint64_t generation = 0;
            {
                std::lock_guard lock(entries_mutex_);
                generation = room_generation_[entry->room];
            }
            auto meetings = source_(entry->room);
            if (!meetings) {
                if (isRoomNotSyncedYet(meetings.error())) {
                    scheduler_.defer(k, clock_.now() + kNotSyncedRecheck);
                    continue;
                }
                // Without the room's meetings a push would wipe the device: keep what it has.
                countPush(false);
                scheduler_.recordFailure(k, meetings.error());
                continue;
            }
            list = Built{buildBookings(*meetings, settingsFor(entry->room), window_clock_.now()),
                         generation};
        }
        const std::vector<DeviceBooking>* bookings = &list->bookings;
        ++attempted;
        const common::Status pushed = entry->driver->push(entry->room, *bookings);
        if (!current()) continue;
        const auto before = scheduler_.state(k);
        const bool was_failing = before && before->consecutive_failures > 0;
        const std::string& device = entry->driver->name();
        if (pushed) {
            countPush(true);
            scheduler_.recordSuccess(k, bookings->size());
            {
                // A change that arrived after the meetings were read is not in this list.
                std::lock_guard lock(entries_mutex_);
                if (room_generation_[entry->room] != list->generation) scheduler_.markChanged(k);
            }
            if (was_failing) {
                platform::logWithFields(logger(), Poco::Message::PRIO_INFORMATION,
                                        "device " + k + " accepts pushes again",
                                        {{"device", device}, {"room", entry->room}});
            }
            publishBookingsGauge(entry->room, entry->driver->name(), bookings->size());
        } else if (pushed.error().code == common::ErrorCode::Throttled &&
                   pushed.error().context == "rate gate") {
            --attempted;  // nothing was sent
            scheduler_.defer(k, entry->driver->nextAllowed());
        } else {
            countPush(false);
            scheduler_.recordFailure(k, pushed.error());
            // Once per failure streak; the state (calconnctl devices) shows the latest error.
            if (!was_failing) {
                platform::logWithFields(
                    logger(), Poco::Message::PRIO_WARNING,
                    "push to device " + k + " failed: " + pushed.error().toString(),
                    {{"device", device},
                     {"room", entry->room},
                     {"error_code", std::string(common::errorCodeName(pushed.error().code))}});
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
            out.push_back({entry->room, entry->driver->name(), *state, std::nullopt});
    }
    return out;
}

}  // namespace calconn::devices
