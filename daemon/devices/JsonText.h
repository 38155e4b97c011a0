// Outbound payloads whose field order must be stable (signed webhook bodies, Bookings Put) are
// written by hand; their strings are escaped by the shared helper.
#pragma once

#include "common/JsonString.h"

namespace calconn::devices {

using common::jsonString;

}  // namespace calconn::devices
