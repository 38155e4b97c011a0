// calconnctl: parses the command line, finds the control socket (--socket, else the config
// file's daemon.control_socket, else the default) and runs one verb against the daemon.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "common/Result.h"

namespace calconn::ctl {

inline constexpr const char* kDefaultConfigFile = "/etc/calconn/calconnd.yaml";
inline constexpr const char* kDefaultControlSocket = "/run/calconn/control.sock";

// Exit codes, as sysexits.h.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 64;

struct CtlOptions {
    std::optional<std::string> socket;       // --socket
    std::optional<std::string> config_file;  // --config
    bool help = false;
    bool version = false;
    std::string verb;                        // empty with --help/--version
    std::vector<std::string> args;           // after the verb
};

// Usage errors come back as ErrorCode::InvalidArgument with a one-line message.
common::Result<CtlOptions> parseCtlArguments(const std::vector<std::string>& argv);

// daemon.control_socket from the YAML file, nullopt when the file or key is missing or unreadable.
std::optional<std::string> controlSocketFromConfig(const std::string& config_file);

// --socket, else the config file's daemon.control_socket, else kDefaultControlSocket.
std::string resolveSocketPath(const CtlOptions& options);

// "3d 4h 5m 6s" style, leading zero units left out.
std::string formatUptime(long long seconds);

// Human-readable rendering of the daemon's /v1/status JSON.
common::Result<std::string> renderStatus(const std::string& json);

std::string usageText();

// Runs calconnctl; returns the exit code. Output goes to `out`, errors to `err`.
int runCtl(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err);
int runCtl(int argc, char** argv);

}  // namespace calconn::ctl
