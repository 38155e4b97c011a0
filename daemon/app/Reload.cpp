#include "app/Reload.h"

#include "platform/Logging.h"
#include "settings/Loader.h"

namespace calconn::app {

settings::Settings keepRestartOnlyValues(const settings::Settings& running, settings::Settings next) {
    // Mirrors the kRestart keys of settings/Schema.cpp; these are bound once at start-up.
    next.daemon.state_directory = running.daemon.state_directory;
    next.daemon.control_socket = running.daemon.control_socket;
    next.sync.workers = running.sync.workers;
    next.api.listen = running.api.listen;
    next.api.tls_certificate_file = running.api.tls_certificate_file;
    next.api.tls_private_key_file = running.api.tls_private_key_file;
    next.kms = running.kms;
    next.logging.target = running.logging.target;
    return next;
}

ReloadOutcome reloadSettings(SettingsHolder& holder, const std::string& config_file,
                             Poco::Logger& logger, const std::vector<ReloadListener>& listeners) {
    ReloadOutcome outcome;
    settings::LoadResult loaded = settings::loadSettings(config_file);
    outcome.diagnostics = loaded.diagnostics;
    for (const settings::Diagnostic& diagnostic : loaded.diagnostics) {
        if (diagnostic.severity == settings::Severity::Error) {
            logger.error(diagnostic.format());
        } else {
            logger.warning(diagnostic.format());
        }
    }
    if (!loaded.ok()) {
        logger.error("reload failed: configuration invalid, keeping the running configuration");
        return outcome;
    }

    const std::shared_ptr<const settings::Settings> running = holder.get();
    outcome.restart_required = settings::restartRequiredChanges(*running, *loaded.settings);
    for (const std::string& key : outcome.restart_required) {
        platform::logWithFields(logger, Poco::Message::PRIO_WARNING,
                                "changed key " + key + " takes effect only after a restart",
                                {{"path", key}});
    }
    auto next = std::make_shared<const settings::Settings>(
        keepRestartOnlyValues(*running, *loaded.settings));

    if (next->logging.level != running->logging.level) {
        if (auto status = platform::setLogLevel(next->logging.level); !status) {
            logger.error("cannot apply logging.level: " + status.error().toString());
        } else {
            logger.information("log level changed from " + running->logging.level + " to " +
                               next->logging.level);
        }
    }
    holder.set(next);
    for (const ReloadListener& listener : listeners) listener(*running, *next);
    outcome.applied = true;
    logger.information("configuration reloaded from " + config_file);
    return outcome;
}

}  // namespace calconn::app
