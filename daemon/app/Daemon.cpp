#include "app/Daemon.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>

#include <Poco/Logger.h>

#include "app/DeviceRoutes.h"
#include "app/MailboxRoutes.h"
#include "app/PresenceRoutes.h"
#include "app/Shutdown.h"
#include "app/TestClockRoutes.h"
#include "common/IsoTime.h"
#include "common/Version.h"
#include "platform/Logging.h"
#include "platform/Signals.h"
#include "presence/PresenceFactory.h"
#include "settings/Loader.h"

namespace calconn::app {

namespace {

constexpr std::chrono::milliseconds kIdleWait{60'000};

// Times device pushes (debounce, refresh, backoff) even when --test-clock sets the wall clock.
const common::Clock& systemClock() {
    static const common::SystemClock clock;
    return clock;
}

std::string signalName(int sig) {
    switch (sig) {
        case SIGTERM: return "SIGTERM";
        case SIGINT: return "SIGINT";
        case SIGHUP: return "SIGHUP";
        case SIGUSR1: return "SIGUSR1";
        default: return "signal " + std::to_string(sig);
    }
}

void logDiagnostics(Poco::Logger& logger, const std::vector<settings::Diagnostic>& diagnostics) {
    for (const settings::Diagnostic& diagnostic : diagnostics) {
        if (diagnostic.severity == settings::Severity::Error) {
            logger.error(diagnostic.format());
        } else {
            logger.warning(diagnostic.format());
        }
    }
}

// A start-up failure: the error with its stable code as a structured field (ERROR_CODE=).
void logStartFailure(Poco::Logger& logger, const std::string& what, const common::Error& error) {
    platform::logWithFields(logger, Poco::Message::PRIO_ERROR,
                            (what.empty() ? "" : what + ": ") + error.toString(),
                            {{"error_code", std::string(common::errorCodeName(error.code))}});
}

}  // namespace

std::string_view stateName(DaemonState state) {
    switch (state) {
        case DaemonState::Starting: return "starting";
        case DaemonState::Running: return "running";
        case DaemonState::Reloading: return "reloading";
        case DaemonState::Stopping: return "stopping";
    }
    return "unknown";
}

Daemon::Daemon(Options options, std::shared_ptr<const settings::Settings> initial)
    : options_(std::move(options)),
      settings_(std::move(initial)),
      logger_(platform::moduleLogger("app")),
      started_(std::chrono::steady_clock::now()) {
    std::error_code ec;
    const auto absolute = std::filesystem::absolute(options_.config_file, ec);
    config_path_ = ec ? options_.config_file : absolute.lexically_normal().string();
    if (const auto start = common::parseIsoUtc(options_.test_clock)) {
        auto clock = std::make_unique<common::FakeClock>(*start);
        test_clock_ = clock.get();
        wall_clock_ = std::move(clock);
    } else {
        wall_clock_ = std::make_unique<common::SystemClock>();
    }
    resync_hook_ = [this] {
        if (sync_) {
            sync_->resyncAll();
        } else {
            logger_.information("no mailboxes to resync: sync is not configured");
        }
    };
}

Daemon::~Daemon() = default;

void Daemon::setResyncHook(std::function<void()> hook) { resync_hook_ = std::move(hook); }

void Daemon::addReloadListener(ReloadListener listener) {
    reload_listeners_.push_back(std::move(listener));
}

api::StatusReport Daemon::statusReport() const {
    api::StatusReport report;
    report.version = std::string(common::version());
    report.revision = std::string(common::gitRevision());
    report.uptime_seconds = std::chrono::duration_cast<std::chrono::seconds>(
                                std::chrono::steady_clock::now() - started_)
                                .count();
    report.config_file = config_path_;
    report.pid = static_cast<int64_t>(::getpid());
    report.state = std::string(stateName(state_.load()));
    {
        std::lock_guard lock(components_mutex_);
        report.components = components_;
        report.api_url = api_ ? api_->url() : "";
    }
    if (sync_) report.mailboxes = mailboxRows(*sync_);
    return report;
}

void Daemon::setState(DaemonState state, const std::string& status_text) {
    state_.store(state);
    (void)notifier_.status(status_text);
}

common::Status Daemon::prepareStateDirectory() {
    const std::string dir = settings_.get()->daemon.state_directory;
    std::error_code ec;
    if (std::filesystem::create_directories(dir, ec)) {
        ::chmod(dir.c_str(), 0700);
        logger_.information("created state directory " + dir);
    } else if (ec) {
        return common::makeError(common::ErrorCode::Io,
                                 "cannot create state directory: " + ec.message(), dir);
    }
    if (!std::filesystem::is_directory(dir, ec)) {
        return common::makeError(common::ErrorCode::Io, "state directory is not a directory", dir);
    }
    if (::access(dir.c_str(), R_OK | W_OK | X_OK) != 0) {
        return common::makeError(common::ErrorCode::Io,
                                 std::string("state directory not usable: ") + std::strerror(errno),
                                 dir);
    }
    return {};
}

common::Status Daemon::startControlSocket() {
    auto router = std::make_shared<api::Router>();
    api::addStatusRoute(*router, [this] { return statusReport(); });
    addMailboxRoutes(*router, sync_.get());
    addPresenceRoutes(*router, presence_.get());
    addDeviceRoutes(*router, devices_.get());
    if (test_clock_) {
        addTestClockRoutes(*router, *test_clock_, [this] {
            if (api_) api_->wallClockMoved();
        });
    }
    const std::string path = settings_.get()->daemon.control_socket;
    auto server = api::ControlServer::start(path, std::move(router));
    if (!server) return server.error();
    control_server_ = std::move(server).value();
    {
        std::lock_guard lock(components_mutex_);
        components_.push_back("control_socket");
    }
    logger_.information("control socket listening on " + path);
    return {};
}

common::Status Daemon::openSync() {
    const auto settings = settings_.get();
    if (!sync::syncConfigured(*settings)) {
        logger_.information("no microsoft365 tenant or no mailboxes configured: sync is off");
        return {};
    }
    auto service = sync::SyncService::open(*settings);
    if (!service) return service.error();
    sync_ = std::move(service).value();
    addReloadListener([this](const settings::Settings& previous, const settings::Settings& next) {
        sync_->applySettings(previous, next);
    });
    return {};
}

common::Status Daemon::startModules() {
    // Presence: users' automatic replies, evaluated on the wall clock, to the presence sinks.
    if (sync_) {
        auto presence = presence::makePresenceService(*settings_.get(), *sync_, wallClock());
        if (!presence) return presence.error();
        presence_ = std::move(*presence);
        presence_->start();
        addReloadListener([this](const settings::Settings& previous, const settings::Settings& next) {
            presence::applyPresenceSettings(*presence_, previous, next);
        });
        std::lock_guard lock(components_mutex_);
        components_.push_back("presence");
    }
    // Room devices: each room's bookings (as of the wall clock) pushed to its devices when the
    // room's meetings change, and every devices.refresh_interval.
    if (sync_) {
        cached_meetings_ = std::make_unique<CachedMeetings>(sync_->store(), settings_);
        devices_ = std::make_unique<devices::DeviceRunner>(
            *settings_.get(), systemClock(), wallClock(),
            cached_meetings_->bookingSource(wallClock()));
        devices_->start(&sync_->bus());
        addReloadListener([this](const settings::Settings&, const settings::Settings& next) {
            devices_->applySettings(next);
        });
        std::lock_guard lock(components_mutex_);
        components_.push_back("devices");
    }
    // Keyword actions: join details written into meetings that users organise with a keyword.
    if (sync_) {
        auto join_details = joindetails::JoinDetailsModule::start(
            *settings_.get(), {sync_->graph(), sync_->store(), sync_->bus()});
        if (!join_details) return join_details.error();
        join_details_ = std::move(*join_details);
        addReloadListener([this](const settings::Settings& previous, const settings::Settings& next) {
            join_details_->reload(previous, next);
        });
        std::lock_guard lock(components_mutex_);
        components_.push_back("join_details");
    }
    // The REST API reads every module above: keep it last.
    return startApi();
}

void Daemon::stopModules() {
    if (api_) api_->stop();
    if (devices_) devices_->stop();
    if (join_details_) join_details_->stop();
    if (presence_) presence_->stop();
}

int Daemon::run() {
    logger_.information("calconnd " + std::string(common::version()) + " (" +
                        std::string(common::gitRevision()) + ") starting, configuration " +
                        options_.config_file);
    if (test_clock_) {
        logger_.warning("--test-clock: reminders and presence follow a test clock starting at " +
                        options_.test_clock + ", not real time");
    }
    if (::geteuid() == 0) {
        logger_.warning("running as root; run calconnd as its own user (the systemd unit does)");
    }

    (void)notifier_.status("preparing state directory");
    if (auto status = prepareStateDirectory(); !status) {
        logStartFailure(logger_, "", status.error());
        return kExitFatal;
    }
    (void)notifier_.status("opening the store");
    if (auto status = openSync(); !status) {
        logStartFailure(logger_, "cannot start sync", status.error());
        return kExitFatal;
    }
    (void)notifier_.status("starting modules");
    if (auto status = startModules(); !status) {
        logStartFailure(logger_, "", status.error());
        stopModules();  // those that started before the failing one
        return kExitFatal;
    }
    (void)notifier_.status("opening control socket");
    if (auto status = startControlSocket(); !status) {
        logStartFailure(logger_, "", status.error());
        stopModules();
        return kExitFatal;
    }

    if (sync_) {
        if (auto status = sync_->start(); !status) {
            logStartFailure(logger_, "cannot start sync", status.error());
            stopModules();
            if (control_server_) control_server_->stop();
            return kExitFatal;
        }
        std::lock_guard lock(components_mutex_);
        components_.push_back("sync");
    }
    setState(DaemonState::Running, sync_ ? "running; syncing mailboxes" : "running; sync off");
    (void)notifier_.ready();
    logger_.information("ready");

    const sigset_t signals = platform::daemonSignals();
    const auto watchdog = notifier_.watchdogPingInterval();
    const auto wait = watchdog ? std::chrono::duration_cast<std::chrono::milliseconds>(*watchdog)
                               : kIdleWait;
    auto next_ping = std::chrono::steady_clock::now() + wait;
    for (;;) {
        // Rounded up so that the wait never ends just before the ping is due (busy loop).
        const auto sig = platform::waitForSignal(
            signals, std::chrono::ceil<std::chrono::milliseconds>(
                         next_ping - std::chrono::steady_clock::now()));
        if (watchdog && std::chrono::steady_clock::now() >= next_ping) {
            (void)notifier_.watchdog();
        }
        if (std::chrono::steady_clock::now() >= next_ping) {
            next_ping = std::chrono::steady_clock::now() + wait;
        }
        if (!sig) continue;
        if (*sig == SIGTERM || *sig == SIGINT) {
            logger_.information(signalName(*sig) + " received, stopping");
            break;
        }
        if (*sig == SIGHUP) reload();
        if (*sig == SIGUSR1) resync();
    }
    return shutdown();
}

void Daemon::reload() {
    setState(DaemonState::Reloading, "reloading configuration");
    (void)notifier_.reloading();
    logger_.information("SIGHUP received, reloading " + options_.config_file);
    const ReloadOutcome outcome =
        reloadSettings(settings_, options_.config_file, logger_, reload_listeners_);
    std::string status_text = outcome.applied ? "running; configuration reloaded"
                                              : "running; reload failed, old configuration kept";
    if (!outcome.restart_required.empty()) {
        status_text += "; restart to apply";
        for (const std::string& key : outcome.restart_required) status_text += " " + key;
    }
    setState(DaemonState::Running, status_text);
    (void)notifier_.ready();
}

void Daemon::resync() {
    logger_.information("SIGUSR1 received, resync requested");
    resync_hook_();
}

int Daemon::shutdown() {
    setState(DaemonState::Stopping, "stopping");
    (void)notifier_.stopping();
    const auto timeout = settings_.get()->daemon.shutdown_timeout;
    // Later modules (scheduler, store) stop here too, in reverse order of start.
    const StopOutcome outcome = stopWithDeadline(
        [this, timeout] {
            if (api_) api_->stop();  // no new requests while the rest stops
            // Rounds in flight get half the time to finish; then sync's Graph client is
            // cancelled, which also ends the modules' own Graph calls (join details, presence)
            // at once instead of letting a retry sleep outlast daemon.shutdown_timeout.
            if (sync_) sync_->stop(std::chrono::duration_cast<std::chrono::milliseconds>(timeout) / 2);
            stopModules();
            if (control_server_) control_server_->stop();
        },
        std::chrono::duration_cast<std::chrono::milliseconds>(timeout), platform::daemonSignals());
    switch (outcome) {
        case StopOutcome::Completed:
            logger_.information("stopped");
            return kExitOk;
        case StopOutcome::TimedOut:
            logger_.error("shutdown did not finish within daemon.shutdown_timeout (" +
                          std::to_string(timeout.count()) + "s), exiting now");
            break;
        case StopOutcome::SecondSignal:
            logger_.warning("stop signal received again, exiting now");
            break;
    }
    // Components are still stopping in another thread: leave without running destructors.
    std::_Exit(kExitFatal);
}

int runDaemon(int argc, char** argv) {
    // First of all, before any thread exists (Poco's server threads inherit the mask).
    if (auto status = platform::blockDaemonSignals(); !status) {
        std::cerr << "calconnd: " << status.error().toString() << "\n";
        return kExitFatal;
    }
    std::vector<std::string> args;
    for (int i = 1; i < argc; ++i) args.emplace_back(argv[i]);
    auto options = parseArguments(args);
    if (!options) {
        std::cerr << "calconnd: " << options.error().message << "\n"
                  << "Try 'calconnd --help'.\n";
        return kExitUsage;
    }
    if (options->help) {
        std::cout << usageText();
        return kExitOk;
    }
    if (options->version) {
        std::cout << "calconnd " << common::version() << " (" << common::gitRevision() << ")\n";
        return kExitOk;
    }

    // Main is a boundary: anything escaping here is unexpected and ends the process with 1.
    try {
        settings::LoadResult loaded = settings::loadSettings(options->config_file);
        if (options->check_config) {
            std::cerr << settings::formatDiagnostics(loaded.diagnostics);
            return loaded.ok() ? kExitOk : kExitConfig;
        }
        if (options->dump_config) {
            std::cerr << settings::formatDiagnostics(loaded.diagnostics);
            if (!loaded.ok()) return kExitConfig;
            std::cout << settings::dumpSettings(*loaded.settings);
            return kExitOk;
        }

        const std::string level = loaded.ok() ? loaded.settings->logging.level : "info";
        const std::string target = loaded.ok() ? loaded.settings->logging.target : "auto";
        if (auto status = platform::setupLogging(level, platform::chooseLogTarget(target)); !status) {
            std::cerr << "calconnd: " << status.error().toString() << "\n";
            return kExitConfig;
        }
        Poco::Logger& logger = platform::moduleLogger("app");
        logDiagnostics(logger, loaded.diagnostics);
        if (!loaded.ok()) {
            logger.error("configuration " + options->config_file + " is invalid, not starting");
            return kExitConfig;
        }
        Daemon daemon(*options, loaded.settings);
        return daemon.run();
    } catch (const std::exception& e) {
        std::cerr << "calconnd: fatal: " << e.what() << "\n";
        return kExitFatal;
    }
}

}  // namespace calconn::app
