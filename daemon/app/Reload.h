// Reload (SIGHUP): load the file into a new Settings; when valid, keep the running values of
// restart-only keys (warned about), swap and apply the differences; when invalid, log every
// diagnostic and keep running on the old settings. Separate from the signal loop for testing.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <Poco/Logger.h>

#include "app/SettingsHolder.h"
#include "settings/Diagnostic.h"
#include "settings/Settings.h"

namespace calconn::app {

struct ReloadOutcome {
    bool applied = false;                              // false: old settings kept
    std::vector<settings::Diagnostic> diagnostics;     // errors and warnings of the new file
    std::vector<std::string> restart_required;         // changed keys that wait for a restart
};

// Called after a successful swap with the previous and the new settings; later modules
// (sync, devices, api) register one to apply what changed for them.
using ReloadListener =
    std::function<void(const settings::Settings& previous, const settings::Settings& next)>;

// `next` with the values of `running` for every key the schema marks restart-only, so the
// swapped-in settings always describe what is really in effect.
settings::Settings keepRestartOnlyValues(const settings::Settings& running, settings::Settings next);

ReloadOutcome reloadSettings(SettingsHolder& holder, const std::string& config_file,
                             Poco::Logger& logger,
                             const std::vector<ReloadListener>& listeners = {});

}  // namespace calconn::app
