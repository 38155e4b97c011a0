// Control-socket routes of the room devices, behind `calconnctl devices`:
//   GET  /v1/devices               every configured device: state, last push, bookings pushed,
//                                  last error, next attempt
//   POST /v1/devices/{room}/push   push the room's list to its devices now
#pragma once

#include <string>
#include <vector>

#include "api/Router.h"
#include "devices/DeviceRunner.h"

namespace calconn::app {

// {"devices": [{"room", "device", "state" ("pending"|"ok"|"failing"), "last_push",
//  "last_attempt", "next_attempt" (ISO 8601 UTC or null), "bookings", "pushes_ok",
//  "pushes_failed", "consecutive_failures", "last_error" ("" when none), "error_code"}]}
std::string devicesToJson(const std::vector<devices::DeviceStatus>& rows);

// `runner` may be null (sync not configured): the routes then answer 503 with a reason.
void addDeviceRoutes(api::Router& router, devices::DeviceRunner* runner);

}  // namespace calconn::app
