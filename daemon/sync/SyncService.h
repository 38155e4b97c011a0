// The sync engine as the daemon runs it: opens the key provider and the encrypted store under
// the state directory, builds the Graph client for the configured tenant and the scheduler
// over the configured mailboxes, keeps Graph change subscriptions when
// sync.notifications.public_url is set, and answers the control socket's mailbox questions.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/Clock.h"
#include "common/Result.h"
#include "core/ChangeEvent.h"
#include "core/Mailbox.h"
#include "core/Meeting.h"
#include "settings/Settings.h"
#include "sync/NotificationReceiver.h"

namespace calconn::graph {
class GraphClient;
}
namespace calconn::store {
class MeetingStore;
}

namespace calconn::sync {

// One row of `calconnctl status` / `calconnctl mailbox list`.
struct MailboxStatus {
    std::string upn;
    std::string kind;                       // "user", "room"
    std::string state;                      // "pending", "active", "error"
    std::string reason;                     // "" or e.g. "out_of_scope"
    std::string error;                      // last error message
    std::size_t events = 0;                 // meetings cached in the window
    std::optional<std::int64_t> last_sync;  // Unix seconds
};

// The configured mailboxes: users (inline and users_file) and rooms, de-duplicated.
std::vector<core::Mailbox> configuredMailboxes(const settings::Settings& settings);

// True when the configuration asks for sync at all (a tenant and at least one mailbox).
bool syncConfigured(const settings::Settings& settings);

class SyncService {
public:
    // Opens store and clients; fails (Config, Crypto, Storage, Io) without starting anything.
    static common::Result<std::unique_ptr<SyncService>> open(const settings::Settings& settings);
    ~SyncService();
    SyncService(const SyncService&) = delete;
    SyncService& operator=(const SyncService&) = delete;

    // Publishes events left in the outbox by a previous run, then starts the workers.
    common::Status start();
    void stop(std::chrono::milliseconds deadline);

    void resyncAll();
    // A change notification for the mailbox arrived: sync it soon (NotificationReceiver's hook).
    bool notifyChange(const std::string& upn);
    // POST /graph/notifications (and lifecycle events, which Graph posts to the same URL):
    // nullopt when change notifications are off (no sync.notifications.public_url).
    // `validation_token` is the decoded ?validationToken= query parameter, empty when absent.
    std::optional<NotificationResponse> handleNotification(const std::string& validation_token,
                                                           const std::string& body);
    common::Status resync(const std::string& upn);
    common::Status addMailbox(const std::string& upn);
    common::Status removeMailbox(const std::string& upn);
    // Applies a reloaded configuration: the mailbox list (new ones added, dropped ones
    // removed), the poll interval and the window. Workers, tenant and TLS need a restart.
    void applySettings(const settings::Settings& previous, const settings::Settings& next);

    common::Result<std::vector<MailboxStatus>> status();
    // Every cached meeting of the mailbox, decrypted (series masters included): the debug
    // dump behind `calconnctl mailbox dump`, for comparing the cache with Graph.
    common::Result<std::vector<core::Meeting>> dump(const std::string& upn);
    core::ChangeBus& bus();
    // For the modules built on the cache (join details, devices, API, presence): the Graph
    // client shares the per-mailbox limits and token cache with sync; the store is thread-safe.
    graph::GraphClient& graph();
    store::MeetingStore& store();

    struct Impl;

private:
    explicit SyncService(std::unique_ptr<Impl> impl);
    void applyNotificationUrl(const std::string& before, const std::string& after);
    std::unique_ptr<Impl> impl_;
};

}  // namespace calconn::sync
