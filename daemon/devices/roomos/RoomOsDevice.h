// Pushes a room's bookings to one Cisco RoomOS device: session auth (POST /xmlapi/session/begin
// with Basic, the session cookie for /putxml, the session always ended afterwards because
// devices run out of sessions), falling back to plain Basic when the device has no session API.
// Basic-authenticated requests pass a 1/s RateGate (the device's limit, research §1.3).
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "crypto/SecretString.h"
#include "devices/DeviceDriver.h"
#include "devices/RateGate.h"
#include "net/HttpClient.h"

namespace calconn::devices::roomos {

struct RoomOsDeviceConfig {
    std::string name;      // for logs and state
    std::string base_url;  // https://host[:port], no trailing slash needed
    std::string username;
    std::string password;  // moved into a SecretString
    bool use_session = true;
    bool legacy_fallback = true;  // try /bookingsputxml when the firmware refuses Bookings Put
    std::chrono::milliseconds timeout{10'000};
    std::chrono::milliseconds basic_interval{1'000};
};

// Not thread-safe: one push at a time per device (DevicePushService serialises them).
class RoomOsDevice final : public DeviceDriver {
public:
    // http and clock must outlive the device.
    RoomOsDevice(RoomOsDeviceConfig config, net::HttpClient& http, const common::Clock& clock);

    const std::string& name() const override { return name_; }
    common::Status push(std::string_view room, const std::vector<DeviceBooking>& bookings) override;
    common::TimePoint nextAllowed() const override { return gate_.nextAllowed(); }

    // False once the device answered that it has no session API; Basic is used from then on.
    bool usingSessions() const { return use_session_; }
    // True once the device needed the legacy /bookingsputxml endpoint.
    bool usingLegacy() const { return legacy_; }
    // Sends `xCommand Bookings Clear` (same auth path as push).
    common::Status clear();

private:
    // Sends one authenticated POST: with the session cookie when there is one, else with
    // Basic through the rate gate.
    using Send =
        std::function<common::Result<net::HttpResponse>(std::string_view path, std::string body)>;
    using Work = std::function<common::Status(const Send& send)>;

    common::Status authenticated(const Work& work);
    common::Result<net::HttpResponse> sendBasic(std::string_view path, std::string body);
    common::Status pushWith(const Send& send, const std::vector<DeviceBooking>& bookings);
    net::HttpRequest post(std::string_view path, std::string body) const;
    common::Error gateClosed() const;

    std::string name_;
    std::string base_url_;
    std::string username_;
    crypto::SecretString password_;
    bool use_session_;
    bool legacy_fallback_;
    bool legacy_ = false;
    std::chrono::milliseconds timeout_;
    net::HttpClient& http_;
    RateGate gate_;
};

}  // namespace calconn::devices::roomos
