// Builds presence for the daemon from the settings and the sync engine: the user mailboxes come
// from the store (configured ones and `calconnctl mailbox add`), the settings are read through
// sync's Graph client (same token cache and request budgets), sinks from presence.sinks[].
#pragma once

#include <memory>
#include <vector>

#include "common/Clock.h"
#include "common/Result.h"
#include "presence/PresenceService.h"
#include "settings/Settings.h"
#include "sync/SyncService.h"

namespace calconn::presence {

// One sink per presence.sinks[] entry; fails (Config) when a secret file cannot be read or
// the CA file (tls.ca_file) cannot be loaded.
common::Result<std::vector<std::unique_ptr<PresenceSink>>> makePresenceSinks(
    const settings::Settings& settings);

// `wall_clock` is the daemon's "now" (a FakeClock under --test-clock); it must outlive the
// service, like `sync`. The state is remembered in <state_directory>/presence.json.
common::Result<std::unique_ptr<PresenceService>> makePresenceService(
    const settings::Settings& settings, sync::SyncService& sync, const common::Clock& wall_clock);

// Reload: poll interval, message flag and sinks (rebuilt only when presence.sinks or
// tls.ca_file changed; a sink that cannot be built keeps the old ones and is logged).
void applyPresenceSettings(PresenceService& service, const settings::Settings& previous,
                           const settings::Settings& next);

}  // namespace calconn::presence
