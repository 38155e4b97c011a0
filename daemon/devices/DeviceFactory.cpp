#include "devices/DeviceFactory.h"

#include "crypto/SecretFile.h"
#include "devices/DeviceHttpClient.h"
#include "devices/roomos/RoomOsDevice.h"
#include "devices/webhook/WebhookDevice.h"

namespace calconn::devices {

namespace {

using common::ErrorCode;
using common::makeError;

constexpr std::chrono::milliseconds kBasicIntervalOnTheWire{1'100};

// A driver that owns the HTTP client its inner driver uses.
class OwningDriver final : public DeviceDriver {
public:
    OwningDriver(std::unique_ptr<net::HttpClient> http, std::unique_ptr<DeviceDriver> inner)
        : http_(std::move(http)), inner_(std::move(inner)) {}
    const std::string& name() const override { return inner_->name(); }
    common::Status push(std::string_view room,
                        const std::vector<DeviceBooking>& bookings) override {
        return inner_->push(room, bookings);
    }
    common::TimePoint nextAllowed() const override { return inner_->nextAllowed(); }

private:
    std::unique_ptr<net::HttpClient> http_;  // declared first: destroyed after inner_
    std::unique_ptr<DeviceDriver> inner_;
};

}  // namespace

common::Result<std::unique_ptr<DeviceDriver>> makeDeviceDriver(
    const settings::DeviceSettings& device, const common::Clock& clock) {
    auto http = makeDeviceHttpClient(device);
    if (!http) return http.error();
    const std::string name = device.name.empty() ? device.url : device.name;
    if (device.type == "roomos") {
        roomos::RoomOsDeviceConfig config;
        config.name = name;
        config.base_url = device.url;
        config.username = device.username;
        // The device counts 1 request/s on arrival; a margin over our send times keeps a
        // slower TLS handshake of the previous request from making two arrive within a second.
        config.basic_interval = kBasicIntervalOnTheWire;
        if (!device.password_file.empty()) {
            auto password = crypto::readSecretFile(device.password_file);
            if (!password) return password.error();
            config.password = std::move(*password);
        }
        auto inner = std::make_unique<roomos::RoomOsDevice>(std::move(config), **http, clock);
        return std::unique_ptr<DeviceDriver>(
            std::make_unique<OwningDriver>(std::move(*http), std::move(inner)));
    }
    if (device.type == "webhook") {
        webhook::WebhookDeviceConfig config;
        config.name = name;
        config.url = device.url;
        if (!device.secret_file.empty()) {
            auto secret = crypto::readSecretFile(device.secret_file);
            if (!secret) return secret.error();
            config.secret = std::move(*secret);
        }
        auto inner = std::make_unique<webhook::WebhookDevice>(std::move(config), **http, clock);
        return std::unique_ptr<DeviceDriver>(
            std::make_unique<OwningDriver>(std::move(*http), std::move(inner)));
    }
    return makeError(ErrorCode::Config, "unknown device type '" + device.type + "'", name);
}

}  // namespace calconn::devices
