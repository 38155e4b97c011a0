// Loads calconnd.yaml and conf.d/*.yaml beside it into a validated immutable Settings, reporting
// every problem with its file, line and column; dumps effective settings; tells which changes
// need a restart. See calconnd.yaml(5) for the keys.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "settings/Diagnostic.h"
#include "settings/Settings.h"

namespace calconn::settings {

struct LoadResult {
    std::shared_ptr<const Settings> settings;  // null when any error
    std::vector<Diagnostic> diagnostics;       // errors and warnings, in file order
    bool ok() const { return settings != nullptr; }
};

struct LoadOptions {
    // Where bare *_file names are looked up (systemd LoadCredential=). nullopt: take
    // $CREDENTIALS_DIRECTORY from the environment; empty: no credentials directory.
    std::optional<std::string> credentials_directory;
};

// Reads main_file, then conf.d/*.yaml in the same directory in name order (mappings merge
// deeply, scalars and lists replace), validates against the schema and builds Settings.
// The one-argument form reads $CREDENTIALS_DIRECTORY from the environment.
LoadResult loadSettings(const std::string& main_file);
LoadResult loadSettings(const std::string& main_file, const LoadOptions& options);

// The effective settings as YAML in schema order, every default filled in. Secret *_file paths
// are shown; a secret value itself would be printed as "<redacted>" (there is none in Settings).
std::string dumpSettings(const Settings& settings);

// Key paths (schema patterns, e.g. "daemon.state_directory") of restart-only keys whose values
// differ between the running and the next settings, in schema order.
std::vector<std::string> restartRequiredChanges(const Settings& running, const Settings& next);

// Login and Graph base URLs of a national cloud ("worldwide", "usgov", "usgovdod", "china").
struct CloudEndpoints {
    std::string login;
    std::string graph;
};
CloudEndpoints cloudEndpoints(const std::string& cloud);

}  // namespace calconn::settings
