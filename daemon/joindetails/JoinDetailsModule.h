// Keyword actions as calconnd runs them: builds the runner's configuration from the settings
// (keywords or their defaults, webex site and token, admin templates), wires it to sync's Graph
// client, cache and change bus, and applies reloads. A reload that fails (a malformed template,
// an unreadable token) is logged and the previous configuration stays.
#pragma once

#include <memory>

#include "common/Clock.h"
#include "common/Result.h"
#include "core/ChangeEvent.h"
#include "core/StateStore.h"
#include "graph/GraphClient.h"
#include "joindetails/GraphEventUpdater.h"
#include "joindetails/JoinDetailsRunner.h"
#include "joindetails/LocaleCache.h"
#include "settings/Settings.h"

namespace calconn::joindetails {

// The runner's configuration for `settings`. Config when the keywords, the template directory
// or the webex token cannot be used.
common::Result<std::shared_ptr<const RunnerConfig>> buildRunnerConfig(
    const settings::Settings& settings);

class JoinDetailsModule {
public:
    struct Deps {
        graph::GraphClient& graph;
        core::StateStore& store;
        core::ChangeBus& bus;
    };

    // Subscribes to the bus before sync publishes; fails with Config on unusable settings.
    static common::Result<std::unique_ptr<JoinDetailsModule>> start(
        const settings::Settings& settings, Deps deps, RunnerOptions options = {});
    ~JoinDetailsModule();
    JoinDetailsModule(const JoinDetailsModule&) = delete;
    JoinDetailsModule& operator=(const JoinDetailsModule&) = delete;

    // Rebuilds the configuration (so a rotated token file is read again); sweeps the cache
    // only when keywords, site or the switch changed.
    void reload(const settings::Settings& previous, const settings::Settings& next);
    void stop();
    JoinDetailsRunner& runner() { return *runner_; }

private:
    explicit JoinDetailsModule(Deps deps);

    common::SystemClock clock_;
    StoreMeetingCache cache_;
    GraphEventUpdater updater_;
    LocaleCache locales_;
    std::unique_ptr<JoinDetailsRunner> runner_;
};

}  // namespace calconn::joindetails
