// `calconnctl devices list [--json]` and `calconnctl devices push ROOM`: every room device with
// its state (last push, bookings pushed, last error, next attempt), and a push on demand.
#pragma once

#include <iosfwd>
#include <string>

#include "common/Result.h"
#include "ctl/Ctl.h"

namespace calconn::ctl {

// Human-readable rendering of the daemon's GET /v1/devices answer.
common::Result<std::string> renderDevices(const std::string& json);

int runDevices(const CtlOptions& options, std::ostream& out, std::ostream& err);

}  // namespace calconn::ctl
