// The port every endpoint driver implements: replace the device's booking list with `bookings`
// (always the complete list: Bookings Put and the webhook both replace, never merge).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/Clock.h"
#include "common/Result.h"
#include "devices/DeviceBooking.h"

namespace calconn::devices {

class DeviceDriver {
public:
    virtual ~DeviceDriver() = default;
    virtual const std::string& name() const = 0;
    // Throttled with context "rate gate" means nothing was sent: try again at nextAllowed().
    virtual common::Status push(std::string_view room,
                                const std::vector<DeviceBooking>& bookings) = 0;
    // When the next push may be sent without breaking the device's rate limit.
    virtual common::TimePoint nextAllowed() const = 0;
};

}  // namespace calconn::devices
