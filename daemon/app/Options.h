// calconnd's command line: [--config FILE] [--check-config] [--dump-config] [--version] [--help]
// [--test-clock TIME].
#pragma once

#include <string>
#include <vector>

#include "common/Result.h"

namespace calconn::app {

inline constexpr const char* kDefaultConfigFile = "/etc/calconn/calconnd.yaml";

// Exit codes (sysexits.h where one fits).
inline constexpr int kExitOk = 0;
inline constexpr int kExitFatal = 1;
inline constexpr int kExitUsage = 64;   // EX_USAGE
inline constexpr int kExitConfig = 78;  // EX_CONFIG

struct Options {
    std::string config_file = kDefaultConfigFile;
    bool check_config = false;
    bool dump_config = false;
    bool version = false;
    bool help = false;
    // Tests and demos only: meeting reminders and presence read a settable clock that starts
    // here (ISO 8601 UTC) and moves only through the control socket's POST /v1/test/clock.
    std::string test_clock;
};

// `args` excludes the program name. Usage errors are ErrorCode::InvalidArgument.
common::Result<Options> parseArguments(const std::vector<std::string>& args);

std::string usageText();

}  // namespace calconn::app
