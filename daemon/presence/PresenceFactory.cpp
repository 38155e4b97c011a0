#include "presence/PresenceFactory.h"

#include <algorithm>
#include <filesystem>

#include "crypto/SecretFile.h"
#include "crypto/SecretString.h"
#include "graph/GraphClient.h"
#include "net/PocoHttpClient.h"
#include "platform/Logging.h"
#include "presence/WebhookPresenceSink.h"
#include "store/MeetingStore.h"

namespace calconn::presence {

using common::ErrorCode;
using common::makeError;

namespace {

// Real elapsed time for read pacing and sink backoff: unaffected by --test-clock and by the
// system clock being set.
class MonotonicClock final : public common::Clock {
public:
    common::TimePoint now() const override {
        return common::TimePoint(std::chrono::duration_cast<common::TimePoint::duration>(
            std::chrono::steady_clock::now().time_since_epoch()));
    }
};

const MonotonicClock& monotonicClock() {
    static const MonotonicClock clock;
    return clock;
}

}  // namespace

common::Result<std::vector<std::unique_ptr<PresenceSink>>> makePresenceSinks(
    const settings::Settings& settings) {
    std::vector<std::unique_ptr<PresenceSink>> sinks;
    if (settings.presence.sinks.empty()) return sinks;
    net::PocoHttpClientOptions options;
    options.tls.ca_file = settings.tls.ca_file;
    options.connect_timeout = std::chrono::milliseconds(5'000);
    options.read_timeout = std::chrono::milliseconds(10'000);
    auto created = net::PocoHttpClient::create(options);
    if (!created) return created.error();
    std::shared_ptr<net::HttpClient> http = std::move(*created);
    for (const auto& sink : settings.presence.sinks) {
        if (sink.type != "webhook") {
            return makeError(ErrorCode::Config, "unknown presence sink type '" + sink.type + "'");
        }
        auto secret = crypto::readSecretFile(sink.secret_file);
        if (!secret) return secret.error();
        WebhookSinkConfig config;
        config.url = sink.url;
        config.secret = std::move(*secret);
        sinks.push_back(std::make_unique<WebhookPresenceSink>(std::move(config), http));
    }
    return sinks;
}

common::Result<std::unique_ptr<PresenceService>> makePresenceService(
    const settings::Settings& settings, sync::SyncService& sync, const common::Clock& wall_clock) {
    auto sinks = makePresenceSinks(settings);
    if (!sinks) return sinks.error();
    PresenceServiceDeps deps{
        [&sync](const std::string& upn) { return sync.graph().getMailboxSettings(upn); },
        [&sync]() -> common::Result<std::vector<std::string>> {
            auto mailboxes = sync.store().listMailboxes();
            if (!mailboxes) return mailboxes.error();
            std::vector<std::string> users;
            for (const core::Mailbox& mailbox : *mailboxes) {
                if (mailbox.kind == core::MailboxKind::User) users.push_back(mailbox.upn);
            }
            return users;
        },
        wall_clock,
        monotonicClock(),
    };
    PresenceServiceOptions options;
    options.poll_interval = settings.presence.poll_interval;
    options.include_reply_message = settings.presence.include_reply_message;
    options.state_file =
        (std::filesystem::path(settings.daemon.state_directory) / "presence.json").string();
    // A share of sync's workers: presence reads are one small GET per user and interval.
    options.max_concurrent_polls =
        static_cast<std::size_t>(std::clamp(settings.sync.workers / 4, 1, 4));
    return PresenceService::create(std::move(deps), std::move(options), std::move(*sinks));
}

void applyPresenceSettings(PresenceService& service, const settings::Settings& previous,
                           const settings::Settings& next) {
    service.reconfigure(next.presence.poll_interval, next.presence.include_reply_message);
    if (previous.presence.sinks == next.presence.sinks && previous.tls == next.tls) return;
    auto sinks = makePresenceSinks(next);
    if (!sinks) {
        platform::moduleLogger("presence")
            .error("presence sinks not changed: " + sinks.error().toString());
        return;
    }
    service.replaceSinks(std::move(*sinks));
}

}  // namespace calconn::presence
