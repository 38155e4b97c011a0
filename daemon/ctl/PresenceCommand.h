// `calconnctl presence [--json]`: every tracked user's out-of-office state as calconnd sees it
// now (on its wall clock), when it was last read from Microsoft 365, and the presence sinks.
#pragma once

#include <iosfwd>
#include <string>

#include "common/Result.h"
#include "ctl/Ctl.h"

namespace calconn::ctl {

// Human-readable rendering of the daemon's GET /v1/presence answer.
common::Result<std::string> renderPresence(const std::string& json);

int runPresence(const CtlOptions& options, std::ostream& out, std::ostream& err);

}  // namespace calconn::ctl
