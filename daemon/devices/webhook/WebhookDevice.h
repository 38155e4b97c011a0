// Pushes a room's booking list as signed JSON (WebhookCodec) to a URL: booking panels and
// endpoints other than RoomOS. Any 2xx is success.
#pragma once

#include <chrono>
#include <string>

#include "crypto/SecretString.h"
#include "devices/DeviceDriver.h"
#include "net/HttpClient.h"

namespace calconn::devices::webhook {

struct WebhookDeviceConfig {
    std::string name;
    std::string url;
    std::string secret;  // moved into a SecretString; empty = unsigned (warned by the caller)
    std::chrono::milliseconds timeout{10'000};
};

class WebhookDevice final : public DeviceDriver {
public:
    WebhookDevice(WebhookDeviceConfig config, net::HttpClient& http, const common::Clock& clock);

    const std::string& name() const override { return name_; }
    common::Status push(std::string_view room, const std::vector<DeviceBooking>& bookings) override;
    common::TimePoint nextAllowed() const override { return clock_.now(); }

private:
    std::string name_;
    std::string url_;
    crypto::SecretString secret_;
    std::chrono::milliseconds timeout_;
    net::HttpClient& http_;
    const common::Clock& clock_;
};

}  // namespace calconn::devices::webhook
