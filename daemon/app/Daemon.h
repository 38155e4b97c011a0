// Composition root of calconnd: command line, settings, logging, the one signal loop, reload
// (HUP), resync (USR1), readiness and shutdown (TERM/INT, a second one exits at once).
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "api/ApiServer.h"
#include "api/ControlServer.h"
#include "api/StatusRoute.h"
#include "app/Options.h"
#include "app/Reload.h"
#include "app/CachedMeetings.h"
#include "app/SettingsHolder.h"
#include "common/Clock.h"
#include "devices/DeviceRunner.h"
#include "joindetails/JoinDetailsModule.h"
#include "platform/SystemdNotifier.h"
#include "presence/PresenceService.h"
#include "sync/SyncService.h"

namespace Poco {
class Logger;
}

namespace calconn::app {

enum class DaemonState { Starting, Running, Reloading, Stopping };

std::string_view stateName(DaemonState state);

class Daemon {
public:
    // `initial` is the validated configuration loaded from options.config_file.
    Daemon(Options options, std::shared_ptr<const settings::Settings> initial);
    ~Daemon();

    // Starts everything, sends READY=1, then waits for signals until stopped. The daemon's
    // signals must already be blocked in this thread (platform::blockDaemonSignals).
    // Returns the exit code.
    int run();

    // USR1. Resyncs every mailbox when sync runs; a replacement hook is for tests.
    void setResyncHook(std::function<void()> hook);
    // Applied after every successful reload.
    void addReloadListener(ReloadListener listener);

    api::StatusReport statusReport() const;

    // What reminders (SSE meeting.starting) and presence take as "now": the system clock, or
    // the settable clock of --test-clock.
    const common::Clock& wallClock() const { return *wall_clock_; }

    // Out-of-office presence (current(upn) for the API); null when sync is not configured.
    presence::PresenceService* presence() const { return presence_.get(); }
    // Room devices (status() per device, pushNow(room)); null when sync is not configured.
    devices::DeviceRunner* devices() const { return devices_.get(); }
    // Cached meetings with their join targets; null when sync is not configured.
    const CachedMeetings* cachedMeetings() const { return cached_meetings_.get(); }

private:
    common::Status prepareStateDirectory();
    common::Status startControlSocket();
    common::Status openSync();
    // The modules built on the cache (join details, devices, presence, REST API). They
    // subscribe to sync's change bus here, before sync starts publishing.
    common::Status startModules();
    void stopModules();
    // The REST API on api.listen, over the modules above (ApiWiring.cpp).
    common::Status startApi();
    void reload();
    void resync();
    int shutdown();
    void setState(DaemonState state, const std::string& status_text);

    Options options_;
    std::string config_path_;  // absolute, for status answers
    SettingsHolder settings_;
    platform::SystemdNotifier notifier_;
    Poco::Logger& logger_;
    const std::chrono::steady_clock::time_point started_;
    std::atomic<DaemonState> state_{DaemonState::Starting};
    std::unique_ptr<common::Clock> wall_clock_;
    common::FakeClock* test_clock_ = nullptr;  // wall_clock_ when --test-clock is given
    std::unique_ptr<sync::SyncService> sync_;  // null when no tenant or no mailbox is configured
    std::unique_ptr<presence::PresenceService> presence_;  // null without sync
    std::unique_ptr<joindetails::JoinDetailsModule> join_details_;  // keyword actions; null without sync
    std::unique_ptr<CachedMeetings> cached_meetings_;      // null without sync
    std::unique_ptr<devices::DeviceRunner> devices_;       // null without sync; reads the above
    std::unique_ptr<api::ApiServer> api_;  // REST API; created last, it reads the modules above
    std::unique_ptr<api::ControlServer> control_server_;
    mutable std::mutex components_mutex_;
    std::vector<std::string> components_;
    std::function<void()> resync_hook_;
    std::vector<ReloadListener> reload_listeners_;
};

// main(): parses the command line, handles --version/--help/--check-config/--dump-config,
// loads the configuration and runs the Daemon. Returns the exit code.
int runDaemon(int argc, char** argv);

}  // namespace calconn::app
