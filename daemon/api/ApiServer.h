// The REST API as the daemon runs it: the tokens file, the notification streams (subscribed to
// sync's change bus), the routes and the HTTPS listener on api.listen, plus the
// calconn_mailboxes{state} metric. Built last at start-up because it reads the other modules
// through ApiSources.
#pragma once

#include <memory>
#include <string>

#include "api/ApiSources.h"
#include "api/MeetingNotifier.h"
#include "api/RestApi.h"
#include "api/TokenStore.h"
#include "common/Clock.h"
#include "common/Result.h"
#include "settings/Settings.h"

namespace calconn::api {

class HttpsServer;

class ApiServer {
public:
    // Reads the tokens file, binds api.listen and serves. Config errors (plain HTTP on a
    // non-loopback address, unusable certificate) and bind failures come back as errors.
    static common::Result<std::unique_ptr<ApiServer>> start(const settings::Settings& settings,
                                                            ApiSources sources,
                                                            const common::Clock& wall_clock);
    ~ApiServer();
    ApiServer(const ApiServer&) = delete;
    ApiServer& operator=(const ApiServer&) = delete;

    // Unsubscribes, ends the event streams, stops the listener. Idempotent.
    void stop();

    // A reloaded configuration: the tokens file (path, and read again either way), the
    // reminder lead and the booking rules. api.listen and api.tls need a restart.
    void applySettings(const settings::Settings& next);
    // The test clock was set: reminders due at the new time go out now, then a marker.
    void wallClockMoved();

    // "https://127.0.0.1:8443" with the bound port.
    const std::string& url() const;
    const RestApi& routes() const { return *api_; }

private:
    struct MetricsHook;
    explicit ApiServer(const settings::Settings& settings, ApiSources sources,
                       const common::Clock& wall_clock);

    const common::Clock& clock_;
    core::ChangeBus* bus_ = nullptr;
    std::uint64_t subscription_ = 0;
    TokenStore tokens_;
    std::unique_ptr<MeetingNotifier> notifier_;
    std::unique_ptr<RestApi> api_;
    std::unique_ptr<HttpsServer> server_;
    std::shared_ptr<MetricsHook> metrics_hook_;
};

// The parts of the settings the routes and the notifier use.
RestApiSettings restApiSettings(const settings::Settings& settings);
NotifierSettings notifierSettings(const settings::Settings& settings);

}  // namespace calconn::api
