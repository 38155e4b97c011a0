#include "sync/SyncService.h"

#include <Poco/Logger.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <filesystem>
#include <future>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <utility>

#include "common/Metrics.h"
#include "common/Text.h"
#include "crypto/SecretFile.h"
#include "graph/Clouds.h"
#include "graph/GraphClient.h"
#include "graph/TokenProvider.h"
#include "kms/LocalKeyProvider.h"
#include "net/PocoHttpClient.h"
#include "settings/UsersFile.h"
#include "store/MeetingStore.h"
#include "sync/CalendarSource.h"
#include "sync/ChangeNotifications.h"
#include "sync/MailboxSync.h"
#include "sync/Scheduler.h"
#include "sync/SubscriptionManager.h"

namespace calconn::sync {

using common::ErrorCode;
using common::makeError;
using common::Status;

namespace {

Poco::Logger& logger() { return Poco::Logger::get("calconn.sync"); }

void describeMetrics() {
    auto& m = common::metrics();
    m.describe("calconn_sync_rounds_total", common::MetricType::Counter,
               "mailbox sync rounds finished, by mode (initial, incremental, or full: a resync "
               "or an expired delta link) and result (ok or the mailbox error reason)");
    m.describe("calconn_notification_lag_seconds", common::MetricType::Gauge,
               "time from a change notification's arrival to the end of the delta round it "
               "triggered (the latest such round)");
}

std::string roundResult(const RoundReport& report) {
    if (report.ok) return "ok";
    const auto reason = core::mailboxErrorReasonName(report.reason);
    return reason.empty() ? std::string("error") : std::string(reason);
}

// One line per published change event, at debug level: ids and change keys only (never
// meeting content), so that replays after a crash can be told from second events.
void logChange(const core::MeetingChange& change, bool replay) {
    if (!logger().debug()) return;
    logger().debug("change event seq=" + std::to_string(change.sequence) +
                   " kind=" + std::string(core::changeKindName(change.kind)) +
                   " mailbox=" + change.mailbox + " meeting=" + change.meeting_id +
                   " change_key=" + change.change_key + " replay=" + (replay ? "1" : "0"));
}

}  // namespace

std::vector<core::Mailbox> configuredMailboxes(const settings::Settings& settings) {
    std::vector<core::Mailbox> out;
    std::set<std::string> seen;
    auto add = [&](const std::string& upn, core::MailboxKind kind) {
        if (upn.empty() || !seen.insert(common::asciiLower(upn)).second) return;
        core::Mailbox m;
        m.upn = upn;
        m.kind = kind;
        out.push_back(std::move(m));
    };
    for (const auto& upn : settings.mailboxes.users) add(upn, core::MailboxKind::User);
    if (!settings.mailboxes.users_file.empty()) {
        const auto file = settings::readUsersFile(settings.mailboxes.users_file);
        for (const auto& upn : file.users) add(upn, core::MailboxKind::User);
    }
    for (const auto& room : settings.mailboxes.rooms) add(room.mailbox, core::MailboxKind::Room);
    return out;
}

bool syncConfigured(const settings::Settings& settings) {
    return !settings.microsoft365.tenants.empty() && !configuredMailboxes(settings).empty();
}

struct SyncService::Impl {
    std::mutex settings_mutex;
    settings::SyncSettings sync_settings;
    common::SystemClock clock;
    net::RealSleeper sleeper;
    net::RetryPolicy retry{{}, std::make_shared<net::SeededJitter>(std::random_device{}())};
    std::unique_ptr<net::ConcurrencyLimiter> slots;
    net::TokenBucketLimiter budget{{}, clock};
    net::CancelToken cancel;
    std::unique_ptr<net::PocoHttpClient> http;
    std::unique_ptr<graph::AppTokenProvider> tokens;
    std::unique_ptr<graph::GraphClient> client;
    std::unique_ptr<GraphCalendarSource> source;
    std::unique_ptr<kms::LocalKeyProvider> keys;
    std::unique_ptr<store::MeetingStore> store;
    core::InProcessChangeBus bus;
    std::unique_ptr<OutboxPublisher> publisher;
    std::unique_ptr<MailboxSync> sync;
    std::unique_ptr<Scheduler> scheduler;
    std::atomic<bool> replaying{false};  // the start-up drain of a previous run's outbox

    // Change notifications (null: polling only); swapped on reload, so callers take a copy.
    std::unique_ptr<GraphSubscriptionApi> subscription_api;
    std::mutex notifications_mutex;
    std::shared_ptr<ChangeNotifications> notifications;
    // Arrival of the oldest change notification not yet covered by a round, by lower-case UPN.
    std::mutex lag_mutex;
    std::map<std::string, std::chrono::steady_clock::time_point> notified_at;

    RoundReport runRound(const std::string& upn, bool force_full);
    bool notifyChange(const std::string& upn);
    std::vector<std::string> mailboxUpns() const;
    std::shared_ptr<ChangeNotifications> currentNotifications();
    std::shared_ptr<ChangeNotifications> makeNotifications(const std::string& public_url);
    void refreshSubscriptions();
};

RoundReport SyncService::Impl::runRound(const std::string& upn, bool force_full) {
    // A notification that arrived before the round starts is covered by it.
    std::optional<std::chrono::steady_clock::time_point> arrived;
    {
        std::lock_guard lock(lag_mutex);
        if (auto it = notified_at.find(common::asciiLower(upn)); it != notified_at.end()) {
            arrived = it->second;
            notified_at.erase(it);
        }
    }
    RoundReport report = sync->run(upn, force_full);
    common::metrics().add(
        "calconn_sync_rounds_total",
        {{"mode", std::string(roundModeName(report.mode))}, {"result", roundResult(report)}});
    if (arrived && report.ok) {
        const std::chrono::duration<double> lag = std::chrono::steady_clock::now() - *arrived;
        common::metrics().set("calconn_notification_lag_seconds", {}, lag.count());
    } else if (arrived) {
        std::lock_guard lock(lag_mutex);
        notified_at.try_emplace(common::asciiLower(upn), *arrived);  // the next round covers it
    }
    return report;
}

bool SyncService::Impl::notifyChange(const std::string& upn) {
    {
        std::lock_guard lock(lag_mutex);
        notified_at.try_emplace(common::asciiLower(upn), std::chrono::steady_clock::now());
    }
    if (scheduler->notify(upn)) return true;
    std::lock_guard lock(lag_mutex);
    notified_at.erase(common::asciiLower(upn));
    return false;
}

std::vector<std::string> SyncService::Impl::mailboxUpns() const {
    std::vector<std::string> out;
    for (const auto& entry : scheduler->snapshot())
        if (!entry.removed) out.push_back(entry.upn);
    return out;
}

std::shared_ptr<ChangeNotifications> SyncService::Impl::currentNotifications() {
    std::lock_guard lock(notifications_mutex);
    return notifications;
}

std::shared_ptr<ChangeNotifications> SyncService::Impl::makeNotifications(
    const std::string& public_url) {
    ChangeNotificationsOptions options;
    options.public_url = public_url;
    Scheduler* jobs = scheduler.get();
    return std::make_shared<ChangeNotifications>(
        *subscription_api, clock, options, [this](const std::string& upn) { notifyChange(upn); },
        // A catch-up round is no notification: it does not count towards the lag.
        [jobs](const std::string& upn) { jobs->notify(upn); });
}

void SyncService::Impl::refreshSubscriptions() {
    if (auto current = currentNotifications()) current->setMailboxes(mailboxUpns());
}

SyncService::SyncService(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

SyncService::~SyncService() {
    if (!impl_) return;
    // The subscription thread uses the scheduler and the Graph client: it stops first.
    if (auto current = impl_->currentNotifications()) current->stop(std::chrono::milliseconds(0));
    if (impl_->scheduler) impl_->scheduler->stop(std::chrono::milliseconds(0));
}

common::Result<std::unique_ptr<SyncService>> SyncService::open(const settings::Settings& settings) {
    if (settings.microsoft365.tenants.empty())
        return makeError(ErrorCode::Config, "no microsoft365 tenant configured");
    const auto& tenant = settings.microsoft365.tenants.front();
    if (settings.microsoft365.tenants.size() > 1)
        logger().warning("several tenants configured; mailboxes sync through the first, " +
                         tenant.name);
    describeMetrics();
    auto impl = std::make_unique<Impl>();
    impl->sync_settings = settings.sync;

    // Keys and store first: without them nothing may be fetched.
    auto key_options = kms::LocalKeyProvider::fromEnvironment(settings.daemon.state_directory);
    if (!settings.kms.local_master_key_file.empty()) {
        const std::filesystem::path file(settings.kms.local_master_key_file);
        key_options.state_directory = file.parent_path();
        key_options.file_name = file.filename().string();
    }
    auto keys = kms::LocalKeyProvider::open(key_options);
    if (!keys) return keys.error();
    impl->keys = std::move(*keys);
    store::StoreOptions store_options;
    store_options.state_directory = settings.daemon.state_directory;
    store_options.reader_connections = std::clamp(settings.sync.workers, 2, 8);
    auto store = store::MeetingStore::open(store_options, *impl->keys);
    if (!store) return store.error();
    impl->store = std::move(*store);

    net::PocoHttpClientOptions http_options;
    http_options.tls.ca_file = settings.tls.ca_file;
    http_options.max_idle_per_host =
        static_cast<std::size_t>(std::max(8, settings.sync.workers * 2));
    auto http = net::PocoHttpClient::create(http_options);
    if (!http) return http.error();
    impl->http = std::move(*http);

    graph::ClientCredential credential;
    credential.client_id = tenant.client_id;
    if (!tenant.certificate_file.empty()) {
        auto cert =
            graph::ClientCertificate::load(tenant.certificate_file, tenant.private_key_file);
        if (!cert) return cert.error();
        credential.certificate = *cert;
    } else {
        auto secret = crypto::readSecretFile(tenant.client_secret_file);
        if (!secret) return secret.error();
        credential.secret = std::make_shared<crypto::SecretString>(std::string_view(*secret));
    }
    std::string scope = "https://graph.microsoft.com/.default";
    if (auto cloud = graph::cloudEndpoints(tenant.cloud)) scope = cloud->scope;
    impl->tokens = std::make_unique<graph::AppTokenProvider>(
        graph::TokenFetchDeps{*impl->http, impl->clock, impl->sleeper, impl->retry, &impl->cancel},
        graph::IdentityEndpoint{tenant.login_endpoint, tenant.tenant_id}, std::move(credential),
        scope);
    impl->slots = std::make_unique<net::ConcurrencyLimiter>(
        static_cast<std::size_t>(std::max(1, settings.sync.max_requests_per_mailbox)), impl->clock);
    graph::GraphClientOptions client_options;
    client_options.graph_endpoint = tenant.graph_endpoint;
    impl->client = std::make_unique<graph::GraphClient>(
        graph::GraphClientDeps{*impl->http, *impl->tokens, impl->clock, impl->sleeper, impl->retry,
                               *impl->slots, impl->budget, nullptr, &impl->cancel},
        client_options);
    impl->source = std::make_unique<GraphCalendarSource>(*impl->client);
    impl->publisher = std::make_unique<OutboxPublisher>(*impl->store, impl->bus);
    // First subscriber, so the log shows each event before any module acts on it.
    impl->bus.subscribe([replaying = &impl->replaying](const core::MeetingChange& change) {
        logChange(change, replaying->load());
    });
    impl->sync = std::make_unique<MailboxSync>(
        *impl->store, *impl->source, *impl->publisher, impl->clock,
        SyncWindow{settings.sync.window_past, settings.sync.window_future});

    SchedulerOptions scheduler_options;
    scheduler_options.workers = settings.sync.workers;
    scheduler_options.poll_interval =
        std::chrono::duration_cast<std::chrono::milliseconds>(settings.sync.poll_interval);
    Impl* self = impl.get();
    impl->scheduler = std::make_unique<Scheduler>(
        [self](const std::string& upn, bool full) { return self->runRound(upn, full); },
        impl->clock, scheduler_options);
    net::CancelToken* cancel = &impl->cancel;
    impl->scheduler->setCancelHook([cancel] { cancel->cancel(); });

    // The configured mailboxes, recorded as pending when new; mailboxes added at run time
    // (calconnctl mailbox add) are in the store and stay.
    auto known = impl->store->listMailboxes();
    if (!known) return known.error();
    std::set<std::string> known_upns;
    for (const auto& m : *known) known_upns.insert(common::asciiLower(m.upn));
    std::vector<core::Mailbox> fresh;
    std::vector<std::string> upns;
    for (const auto& m : configuredMailboxes(settings)) {
        if (!known_upns.count(common::asciiLower(m.upn))) fresh.push_back(m);
        upns.push_back(m.upn);
    }
    for (const auto& m : *known) upns.push_back(m.upn);
    if (!fresh.empty()) {
        if (Status saved = impl->store->saveMailboxes(fresh); !saved) return saved.error();
    }
    for (const auto& upn : upns) impl->scheduler->addMailbox(upn);

    impl->subscription_api = std::make_unique<GraphSubscriptionApi>(*impl->client);
    if (!settings.sync.notifications_public_url.empty())
        impl->notifications = impl->makeNotifications(settings.sync.notifications_public_url);
    return std::unique_ptr<SyncService>(new SyncService(std::move(impl)));
}

Status SyncService::start() {
    // Events committed by a previous run but not yet published go out before new ones.
    impl_->replaying = true;
    auto drained = impl_->publisher->drain();
    impl_->replaying = false;
    if (!drained) return drained.error();
    if (*drained > 0)
        logger().information("republished " + std::to_string(*drained) + " change events");
    impl_->scheduler->start();
    if (auto current = impl_->currentNotifications()) {
        current->setMailboxes(impl_->mailboxUpns());
        current->start();
    }
    return {};
}

void SyncService::stop(std::chrono::milliseconds deadline) {
    if (auto current = impl_->currentNotifications()) {
        // Delete the subscriptions, so Graph stops posting to a stopped daemon, within half
        // the time; if Graph does not answer, give up (they expire on their own).
        const auto budget = deadline / 2;
        auto cleanup = std::async(std::launch::async, [current, budget] { current->stop(budget); });
        if (cleanup.wait_for(budget + std::chrono::milliseconds(500)) ==
            std::future_status::timeout)
            impl_->cancel.cancel();
        cleanup.wait();
    }
    impl_->scheduler->stop(deadline);
    // Nothing of sync's runs any more; what still waits on the shared Graph client belongs to
    // the modules built on it, which are stopping too.
    impl_->cancel.cancel();
}

void SyncService::resyncAll() { impl_->scheduler->resyncAll(); }

bool SyncService::notifyChange(const std::string& upn) { return impl_->notifyChange(upn); }

std::optional<NotificationResponse> SyncService::handleNotification(
    const std::string& validation_token, const std::string& body) {
    auto current = impl_->currentNotifications();
    if (!current) return std::nullopt;
    return current->handle(validation_token, body);
}

Status SyncService::resync(const std::string& upn) {
    if (!impl_->scheduler->resync(upn))
        return makeError(ErrorCode::NotFound, "no such mailbox", upn);
    return {};
}

Status SyncService::addMailbox(const std::string& upn) {
    if (upn.empty() || upn.find('@') == std::string::npos)
        return makeError(ErrorCode::InvalidArgument, "not a mailbox address", upn);
    if (impl_->scheduler->contains(upn))
        return makeError(ErrorCode::AlreadyExists, "mailbox already configured", upn);
    core::Mailbox mailbox;
    mailbox.upn = upn;
    if (Status saved = impl_->store->saveMailbox(mailbox); !saved) return saved;
    impl_->scheduler->addMailbox(upn);
    impl_->refreshSubscriptions();
    logger().information("mailbox " + upn + " added");
    return {};
}

Status SyncService::removeMailbox(const std::string& upn) {
    if (!impl_->scheduler->removeMailbox(upn))
        return makeError(ErrorCode::NotFound, "no such mailbox", upn);
    auto removed = impl_->store->removeMailbox(upn);
    if (!removed) return removed.error();
    if (auto published = impl_->publisher->drain(); !published) return published.error();
    impl_->refreshSubscriptions();
    logger().information("mailbox " + upn + " removed");
    return {};
}

void SyncService::applySettings(const settings::Settings& previous,
                                const settings::Settings& next) {
    impl_->scheduler->setPollInterval(
        std::chrono::duration_cast<std::chrono::milliseconds>(next.sync.poll_interval));
    impl_->sync->setWindow(SyncWindow{next.sync.window_past, next.sync.window_future});
    {
        std::lock_guard lock(impl_->settings_mutex);
        impl_->sync_settings = next.sync;
    }
    std::set<std::string> before;
    for (const auto& m : configuredMailboxes(previous)) before.insert(common::asciiLower(m.upn));
    std::set<std::string> after;
    for (const auto& m : configuredMailboxes(next)) {
        after.insert(common::asciiLower(m.upn));
        if (!before.count(common::asciiLower(m.upn)) && !impl_->scheduler->contains(m.upn)) {
            if (Status saved = impl_->store->saveMailbox(m); !saved) {
                logger().error("cannot add mailbox " + m.upn + ": " + saved.error().toString());
                continue;
            }
            impl_->scheduler->addMailbox(m.upn);
        }
    }
    for (const auto& m : configuredMailboxes(previous)) {
        if (after.count(common::asciiLower(m.upn))) continue;
        if (Status removed = removeMailbox(m.upn); !removed)
            logger().warning("cannot remove mailbox " + m.upn + ": " + removed.error().toString());
    }
    applyNotificationUrl(previous.sync.notifications_public_url,
                         next.sync.notifications_public_url);
    impl_->refreshSubscriptions();
}

void SyncService::applyNotificationUrl(const std::string& before, const std::string& after) {
    if (before == after) return;
    std::shared_ptr<ChangeNotifications> old;
    std::shared_ptr<ChangeNotifications> fresh =
        after.empty() ? nullptr : impl_->makeNotifications(after);
    {
        std::lock_guard lock(impl_->notifications_mutex);
        old = std::exchange(impl_->notifications, fresh);
    }
    // The old subscriptions point at the old URL: delete them (bounded; they expire anyway).
    if (old) old->stop(std::chrono::seconds(5));
    if (!fresh) {
        logger().information("change notifications off: polling only");
        return;
    }
    if (impl_->scheduler->started()) {
        fresh->setMailboxes(impl_->mailboxUpns());
        fresh->start();
    }
}

common::Result<std::vector<MailboxStatus>> SyncService::status() {
    const auto now = impl_->clock.now();
    settings::SyncSettings sync_settings;
    {
        std::lock_guard lock(impl_->settings_mutex);
        sync_settings = impl_->sync_settings;
    }
    const auto from = std::chrono::floor<std::chrono::seconds>(now - sync_settings.window_past);
    const auto to = std::chrono::floor<std::chrono::seconds>(now + sync_settings.window_future);
    auto mailboxes = impl_->store->listMailboxes();
    if (!mailboxes) return mailboxes.error();
    auto counts = impl_->store->countAllMeetings(from, to);
    if (!counts) return counts.error();
    std::map<std::string, std::size_t> by_upn;
    for (const auto& [upn, n] : *counts) by_upn[common::asciiLower(upn)] = n;
    std::vector<MailboxStatus> out;
    for (const auto& m : *mailboxes) {
        MailboxStatus s;
        s.upn = m.upn;
        s.kind = std::string(core::mailboxKindName(m.kind));
        s.state = std::string(core::mailboxStateName(m.state));
        s.reason = std::string(core::mailboxErrorReasonName(m.error_reason));
        s.error = m.error_message;
        if (auto it = by_upn.find(common::asciiLower(m.upn)); it != by_upn.end()) s.events = it->second;
        if (m.last_sync) s.last_sync = m.last_sync->time_since_epoch().count();
        out.push_back(std::move(s));
    }
    return out;
}

common::Result<std::vector<core::Meeting>> SyncService::dump(const std::string& upn) {
    auto mailbox = impl_->store->mailbox(upn);
    if (!mailbox) return mailbox.error();
    if (!*mailbox) return makeError(ErrorCode::NotFound, "no such mailbox", upn);
    return impl_->store->dumpDecrypted(upn);
}

core::ChangeBus& SyncService::bus() { return impl_->bus; }
graph::GraphClient& SyncService::graph() { return *impl_->client; }
store::MeetingStore& SyncService::store() { return *impl_->store; }

}  // namespace calconn::sync
