// Builds the driver for one configured device (mailboxes.rooms[].devices[]): its own HTTPS
// client with the device's TLS setting, and the password or HMAC key read from its file.
#pragma once

#include <memory>

#include "common/Clock.h"
#include "common/Result.h"
#include "devices/DeviceDriver.h"
#include "settings/Settings.h"

namespace calconn::devices {

// Config for an unknown type or an unreadable secret file; the clock must outlive the driver.
common::Result<std::unique_ptr<DeviceDriver>> makeDeviceDriver(
    const settings::DeviceSettings& device, const common::Clock& clock);

}  // namespace calconn::devices
