// The transport-free core of the Graph change-notification receiver: answers the validation
// handshake, checks each notification's clientState against its subscription's secret in
// constant time, turns valid change notifications (and `missed`) into "sync this mailbox
// soon", and queues the lifecycle events for the subscription manager. The REST API's
// POST /graph/notifications calls handle() (through SyncService).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "crypto/SecretString.h"

namespace calconn::sync {

struct NotificationResponse {
    int status = 202;
    std::string content_type = "text/plain";
    std::string body;
};

enum class LifecycleEvent { ReauthorizationRequired, SubscriptionRemoved, Missed };

struct LifecycleNotice {
    std::string subscription_id;
    std::string upn;
    LifecycleEvent event = LifecycleEvent::Missed;
};

class NotificationReceiver {
public:
    // Called for each mailbox with a valid change notification (the scheduler debounces).
    using Notify = std::function<void(const std::string& upn)>;
    // Called after a POST that queued lifecycle events (the manager handles them promptly).
    using LifecycleQueued = std::function<void()>;

    explicit NotificationReceiver(Notify notify, LifecycleQueued lifecycle_queued = {});

    void addSubscription(const std::string& subscription_id, const std::string& upn,
                         std::string_view client_state);
    void removeSubscription(const std::string& subscription_id);

    // One POST to the notification (or lifecycle) URL. `validation_token` is the decoded
    // ?validationToken= query parameter, empty when absent.
    NotificationResponse handle(const std::string& validation_token, const std::string& body);

    // Lifecycle events received since the last call, for the subscription manager.
    std::vector<LifecycleNotice> takeLifecycle();

    struct Counters {
        std::uint64_t accepted = 0;
        std::uint64_t rejected = 0;  // unknown subscription or wrong clientState
        std::uint64_t lifecycle = 0;
    };
    Counters counters() const;

private:
    struct Subscription {
        std::string upn;
        std::shared_ptr<const crypto::SecretString> client_state;
    };
    Notify notify_;
    LifecycleQueued lifecycle_queued_;
    mutable std::mutex mutex_;
    std::map<std::string, Subscription> subscriptions_;
    std::vector<LifecycleNotice> lifecycle_;
    Counters counters_;
};

}  // namespace calconn::sync
