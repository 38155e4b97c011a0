#include "api/ApiServer.h"

#include <Poco/Logger.h>

#include <map>

#include "api/HttpsServer.h"
#include "common/IsoTime.h"
#include "common/Metrics.h"
#include "platform/Logging.h"

namespace calconn::api {

// Runs at each scrape while the server lives; the registry outlives it, so the collector only
// holds a weak reference.
struct ApiServer::MetricsHook {
    std::function<std::vector<MailboxStatusRow>()> mailboxes;

    void collect(common::MetricsRegistry& registry) const {
        if (!mailboxes) return;
        std::map<std::string, double> by_state{{"pending", 0}, {"active", 0}, {"error", 0}};
        for (const MailboxStatusRow& row : mailboxes()) by_state[row.state] += 1;
        registry.clear("calconn_mailboxes");
        for (const auto& [state, count] : by_state) {
            registry.set("calconn_mailboxes", {{"state", state}}, count);
        }
    }
};

RestApiSettings restApiSettings(const settings::Settings& settings) {
    RestApiSettings out;
    out.bookings_horizon = settings.devices.horizon;
    out.show_tentative = settings.devices.show_tentative;
    out.show_declined = settings.devices.show_declined;
    out.private_title = settings.devices.private_title;
    return out;
}

NotifierSettings notifierSettings(const settings::Settings& settings) {
    NotifierSettings out;
    out.join_lead = settings.devices.join_lead;
    out.private_title = settings.devices.private_title;
    return out;
}

ApiServer::ApiServer(const settings::Settings& settings, ApiSources sources,
                     const common::Clock& wall_clock)
    : clock_(wall_clock), bus_(sources.bus), tokens_(settings.api.tokens_file) {
    notifier_ = std::make_unique<MeetingNotifier>(wall_clock, sources.meetings, sources.meeting,
                                                  notifierSettings(settings));
    metrics_hook_ = std::make_shared<MetricsHook>(MetricsHook{sources.mailboxes});
    api_ = std::make_unique<RestApi>(std::move(sources), tokens_, *notifier_, wall_clock,
                                     restApiSettings(settings));
}

ApiServer::~ApiServer() { stop(); }

common::Result<std::unique_ptr<ApiServer>> ApiServer::start(const settings::Settings& settings,
                                                            ApiSources sources,
                                                            const common::Clock& wall_clock) {
    std::unique_ptr<ApiServer> server(new ApiServer(settings, std::move(sources), wall_clock));
    server->tokens_.reload();

    HttpsServerOptions options;
    options.listen = settings.api.listen;
    options.certificate_file = settings.api.tls_certificate_file;
    options.private_key_file = settings.api.tls_private_key_file;
    RestApi* api = server->api_.get();
    auto https = HttpsServer::start(
        options, [api](const ApiRequest& request) { return api->handle(request); });
    if (!https) return https.error();
    server->server_ = std::move(https).value();

    if (server->bus_) {
        MeetingNotifier* notifier = server->notifier_.get();
        server->subscription_ = server->bus_->subscribe(
            [notifier](const core::MeetingChange& change) { notifier->onChange(change); });
    }
    server->notifier_->start();

    auto& metrics = common::metrics();
    metrics.describe("calconn_mailboxes", common::MetricType::Gauge,
                     "configured mailboxes by sync state");
    metrics.addCollector([hook = std::weak_ptr<MetricsHook>(server->metrics_hook_)](
                             common::MetricsRegistry& registry) {
        if (auto alive = hook.lock()) alive->collect(registry);
    });

    Poco::Logger& logger = platform::moduleLogger("api");
    if (!server->server_->tls()) {
        logger.warning(
            "the API speaks plain HTTP (no api.tls configured); it listens on loopback only");
    }
    logger.information("api listening on " + server->server_->url());
    return server;
}

void ApiServer::stop() {
    if (bus_ && subscription_) {
        bus_->unsubscribe(subscription_);
        subscription_ = 0;
    }
    // Streams first: their connection threads wait for frames, and stop() waits for them.
    if (notifier_) notifier_->stop();
    if (server_) server_->stop();
    metrics_hook_.reset();
}

void ApiServer::applySettings(const settings::Settings& next) {
    tokens_.setPath(next.api.tokens_file);
    tokens_.reload();
    notifier_->setSettings(notifierSettings(next));
    api_->setSettings(restApiSettings(next));
}

void ApiServer::wallClockMoved() {
    const auto now = std::chrono::floor<std::chrono::seconds>(clock_.now());
    notifier_->clockMoved("clock " + common::formatIsoUtc(now));
}

const std::string& ApiServer::url() const { return server_->url(); }

}  // namespace calconn::api
