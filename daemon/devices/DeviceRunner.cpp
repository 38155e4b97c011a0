#include "devices/DeviceRunner.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <set>

#include <Poco/Logger.h>

#include "common/Text.h"
#include "devices/DeviceFactory.h"
#include "platform/Logging.h"

namespace calconn::devices {

namespace {

Poco::Logger& logger() { return Poco::Logger::get("calconn.devices"); }

// Changes when a file the driver reads at creation is rewritten (a rotated password, a
// renewed CA), so a reload rebuilds that device even though its settings look the same.
std::string filesStamp(const settings::DeviceSettings& device) {
    std::string stamp;
    for (const std::string* path : {&device.password_file, &device.secret_file, &device.ca_file}) {
        if (path->empty()) continue;
        std::error_code ec;
        const auto size = std::filesystem::file_size(*path, ec);
        const auto mtime = std::filesystem::last_write_time(*path, ec);
        stamp += *path + ":";
        stamp += ec ? std::string("?") : std::to_string(size) + "@" +
                                              std::to_string(mtime.time_since_epoch().count());
        stamp += ";";
    }
    return stamp;
}

PushSchedulerOptions schedulingFor(PushSchedulerOptions base, const settings::Settings& settings) {
    base.refresh_interval = settings.devices.refresh_interval;
    return base;
}

}  // namespace

std::string privateTitleFor(const settings::Settings& settings, std::string_view room) {
    const std::string wanted = common::asciiLower(room);
    for (const settings::RoomSettings& r : settings.mailboxes.rooms) {
        if (common::asciiLower(r.mailbox) == wanted && !r.private_title.empty()) return r.private_title;
    }
    return settings.devices.private_title;
}

// Handed to the change bus: stays valid after the runner is gone, so an event published
// while the runner stops reaches nothing instead of a destroyed object.
struct BusInbox {
    std::mutex mutex;
    DeviceRunner* runner = nullptr;
};

DeviceRunner::DeviceRunner(const settings::Settings& settings, const common::Clock& clock,
                           const common::Clock& window_clock,
                           DevicePushService::BookingSource source)
    : DeviceRunner(settings, clock, window_clock, std::move(source), Options{}) {}

DeviceRunner::DeviceRunner(const settings::Settings& settings, const common::Clock& clock,
                           const common::Clock& window_clock,
                           DevicePushService::BookingSource source, Options options)
    : clock_(clock), options_(std::move(options)) {
    if (!options_.make_driver) options_.make_driver = makeDeviceDriver;
    service_ = std::make_unique<DevicePushService>(
        settings.devices, schedulingFor(options_.scheduling, settings), clock_, std::move(source),
        &window_clock);
    configure(settings);
}

DeviceRunner::~DeviceRunner() { stop(); }

void DeviceRunner::configure(const settings::Settings& settings) {
    std::map<std::string, Configured> desired;
    std::map<std::string, std::string> rooms;
    for (const settings::RoomSettings& room : settings.mailboxes.rooms) {
        rooms[common::asciiLower(room.mailbox)] = room.mailbox;
        std::set<std::string> labels;
        for (std::size_t i = 0; i < room.devices.size(); ++i) {
            const settings::DeviceSettings& device = room.devices[i];
            std::string label = device.name.empty() ? device.url : device.name;
            if (!labels.insert(label).second) {
                label += "#" + std::to_string(i + 1);
                labels.insert(label);
            }
            Configured entry{room.mailbox, label, device, filesStamp(device), std::nullopt};
            entry.device.name = label;
            desired.emplace(common::asciiLower(room.mailbox) + "/" + label, std::move(entry));
        }
    }

    std::lock_guard lock(config_mutex_);
    service_->setSettings(settings.devices, schedulingFor(options_.scheduling, settings));
    for (auto it = configured_.begin(); it != configured_.end();) {
        const Configured& have = it->second;
        const auto want = desired.find(it->first);
        const bool same = want != desired.end() && want->second.room == have.room &&
                          want->second.device == have.device &&
                          want->second.files_stamp == have.files_stamp;
        if (same && !have.setup_error) {
            ++it;
            continue;
        }
        if (!have.setup_error) service_->removeDevice(have.room, have.label);
        if (want == desired.end()) {
            platform::logWithFields(logger(), Poco::Message::PRIO_INFORMATION,
                                    "device " + have.label + " of " + have.room + " removed",
                                    {{"device", have.label}, {"room", have.room}});
        }
        it = configured_.erase(it);
    }
    for (auto& [key, want] : desired) {
        if (configured_.count(key) > 0) continue;
        auto driver = options_.make_driver(want.device, clock_);
        if (driver) {
            service_->addDevice(want.room, std::move(driver).value());
        } else {
            want.setup_error = driver.error();
            platform::logWithFields(
                logger(), Poco::Message::PRIO_ERROR,
                "device " + want.label + " of " + want.room +
                    " cannot be set up, nothing is pushed to it: " + driver.error().toString(),
                {{"device", want.label},
                 {"room", want.room},
                 {"error_code", std::string(common::errorCodeName(driver.error().code))}});
        }
        configured_.emplace(key, std::move(want));
    }
    rooms_ = std::move(rooms);
    for (const settings::RoomSettings& room : settings.mailboxes.rooms) {
        service_->setPrivateTitle(room.mailbox, room.private_title);
    }
}

void DeviceRunner::applySettings(const settings::Settings& next) {
    configure(next);
    wake();
}

void DeviceRunner::start(core::ChangeBus* bus) {
    stopping_ = false;
    if (bus != nullptr) {
        auto inbox = std::make_shared<BusInbox>();
        inbox->runner = this;
        inbox_ = inbox;
        bus_ = bus;
        subscription_ = bus->subscribe([inbox](const core::MeetingChange& change) {
            std::lock_guard lock(inbox->mutex);
            if (inbox->runner != nullptr) inbox->runner->roomChanged(change.mailbox);
        });
    }
    thread_ = std::thread([this] { run(); });
}

void DeviceRunner::stop() {
    if (bus_ != nullptr) {
        bus_->unsubscribe(subscription_);
        bus_ = nullptr;
    }
    if (inbox_) {
        std::lock_guard lock(inbox_->mutex);  // waits for a handler running now
        inbox_->runner = nullptr;
    }
    stopping_ = true;
    wake();
    if (thread_.joinable()) thread_.join();
}

void DeviceRunner::wake() {
    {
        std::lock_guard lock(wake_mutex_);
        woken_ = true;
    }
    wake_cv_.notify_one();
}

void DeviceRunner::roomChanged(const std::string& mailbox) {
    std::string room;
    {
        std::lock_guard lock(config_mutex_);
        auto it = rooms_.find(common::asciiLower(mailbox));
        if (it == rooms_.end()) return;
        room = it->second;
    }
    service_->roomChanged(room);
    wake();
}

common::Result<std::size_t> DeviceRunner::pushNow(const std::string& room) {
    std::string configured;
    {
        std::lock_guard lock(config_mutex_);
        auto it = rooms_.find(common::asciiLower(room));
        if (it != rooms_.end()) configured = it->second;
    }
    const std::size_t marked = configured.empty() ? 0 : service_->pushNow(configured);
    if (marked == 0) {
        return common::makeError(common::ErrorCode::NotFound,
                                 "no device is configured (and set up) for this room", room);
    }
    wake();
    return marked;
}

std::vector<DeviceStatus> DeviceRunner::status() const {
    std::vector<DeviceStatus> out = service_->status();
    {
        std::lock_guard lock(config_mutex_);
        for (const auto& [key, entry] : configured_) {
            if (!entry.setup_error) continue;
            DeviceStatus row;
            row.room = entry.room;
            row.device = entry.label;
            row.setup_error = entry.setup_error;
            out.push_back(std::move(row));
        }
    }
    std::sort(out.begin(), out.end(), [](const DeviceStatus& a, const DeviceStatus& b) {
        if (a.room != b.room) return common::asciiLower(a.room) < common::asciiLower(b.room);
        return a.device < b.device;
    });
    return out;
}

void DeviceRunner::run() {
    while (!stopping_) {
        try {
            service_->runDue([this] { return stopping_.load(); });
        } catch (const std::exception& e) {
            // The thread is a boundary: log and go on (the failed device's state is as before).
            logger().error(std::string("device push round failed: ") + e.what());
            std::unique_lock lock(wake_mutex_);
            wake_cv_.wait_for(lock, std::chrono::seconds(1), [this] { return stopping_.load(); });
        }
        const auto next = service_->nextWakeup();
        std::unique_lock lock(wake_mutex_);
        const auto woken = [this] { return woken_ || stopping_.load(); };
        if (!woken()) {
            if (next) {
                const auto wait = *next - clock_.now();
                if (wait > decltype(wait)::zero()) wake_cv_.wait_for(lock, wait, woken);
            } else {
                wake_cv_.wait(lock, woken);
            }
        }
        woken_ = false;
    }
}

}  // namespace calconn::devices
