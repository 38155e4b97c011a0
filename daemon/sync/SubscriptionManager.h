// Keeps one Graph change-notification subscription per mailbox alive (sync.notifications):
// creates it with a fresh random clientState, renews it before it expires, reauthorizes it on
// reauthorizationRequired and recreates it after subscriptionRemoved or a failed renewal. The
// secrets go to the NotificationReceiver, which checks incoming notifications against them.
// Driven by tick() (ChangeNotifications' timer thread in the daemon, a FakeClock in tests).
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/Clock.h"
#include "common/Result.h"
#include "graph/GraphClient.h"
#include "sync/NotificationReceiver.h"

namespace calconn::sync {

// The subscription calls the manager makes; GraphSubscriptionApi adapts graph::GraphClient.
class SubscriptionApi {
public:
    virtual ~SubscriptionApi() = default;
    virtual common::Result<graph::Subscription> create(
        const graph::SubscriptionRequest& request) = 0;
    virtual common::Result<graph::Subscription> renew(const std::string& mailbox,
                                                      const std::string& id,
                                                      common::TimePoint expiration) = 0;
    virtual common::Status reauthorize(const std::string& mailbox, const std::string& id) = 0;
    virtual common::Status remove(const std::string& mailbox, const std::string& id) = 0;
};

class GraphSubscriptionApi final : public SubscriptionApi {
public:
    explicit GraphSubscriptionApi(graph::GraphClient& client) : client_(client) {}
    common::Result<graph::Subscription> create(const graph::SubscriptionRequest& request) override {
        return client_.createSubscription(request);
    }
    common::Result<graph::Subscription> renew(const std::string& mailbox, const std::string& id,
                                              common::TimePoint expiration) override {
        return client_.renewSubscription(mailbox, id, expiration);
    }
    common::Status reauthorize(const std::string& mailbox, const std::string& id) override {
        return client_.reauthorizeSubscription(mailbox, id);
    }
    common::Status remove(const std::string& mailbox, const std::string& id) override {
        return client_.deleteSubscription(mailbox, id);
    }

private:
    graph::GraphClient& client_;
};

struct SubscriptionOptions {
    std::string notification_url;
    std::string lifecycle_url;  // empty: the notification URL
    // Graph allows up to 4230 minutes for Outlook event subscriptions.
    std::chrono::minutes lifetime{4200};
    std::chrono::minutes renew_before{12 * 60};
    // A mailbox whose subscription cannot be created (out of the access policy scope, say)
    // is retried after this, doubling up to retry_max: not on every tick.
    std::chrono::seconds retry_initial{30};
    std::chrono::seconds retry_max{3600};
    // Creations and renewals due in one tick run this many at a time: each creation waits for
    // Graph to validate the notification URL, and thousands of mailboxes one after another
    // would take hours to subscribe.
    std::size_t parallel_calls = 8;
};

class SubscriptionManager {
public:
    using SecretSource = std::function<std::string()>;
    // A mailbox whose changes may have gone unnotified: just (re)subscribed or reauthorized.
    using CatchUp = std::function<void(const std::string& upn)>;

    SubscriptionManager(SubscriptionApi& api, NotificationReceiver& receiver,
                        const common::Clock& clock, SubscriptionOptions options,
                        SecretSource secrets = {});

    // Called (under the manager's lock, so it must not call back) for every mailbox that
    // should run a delta round to catch up.
    void setCatchUp(CatchUp catch_up);

    void setMailboxes(const std::vector<std::string>& upns);

    // Handles queued lifecycle events, creates missing subscriptions, renews expiring ones and
    // deletes those of removed mailboxes. Returns how many calls failed (retried next tick).
    // Creations and renewals run up to options.parallel_calls at a time. `keep_going` is asked
    // before each; false ends the tick early (shutdown) and leaves the rest for later.
    int tick(const std::function<bool()>& keep_going = {});

    // Deletes every subscription (clean shutdown: Graph stops posting to a stopped daemon),
    // until `deadline`. Returns how many were deleted.
    int removeAll(common::TimePoint deadline);

    struct State {
        std::string id;
        common::TimePoint expiration{};
        std::string last_error;
        int failures = 0;              // consecutive failed creations
        common::TimePoint retry_at{};  // no creation attempt before this
    };
    std::optional<State> state(const std::string& upn) const;

private:
    struct Call;
    bool createLocked(const std::string& upn, State& state);
    // The request for a new subscription with a fresh secret; nullopt (and the error noted in
    // `state`) when no secret could be made.
    std::optional<graph::SubscriptionRequest> subscriptionRequestLocked(const std::string& upn,
                                                                        State& state);
    bool finishCreateLocked(const std::string& upn, State& state,
                            const graph::SubscriptionRequest& request,
                            const common::Result<graph::Subscription>& created);
    bool finishRenewLocked(const std::string& upn, State& state, common::TimePoint now,
                           const common::Result<graph::Subscription>& renewed);
    void forgetLocked(State& state);
    // One warning for all mailboxes whose subscription cannot be created, when that changes;
    // one line when every mailbox has its subscription.
    void logUnsubscribedLocked();

    SubscriptionApi& api_;
    NotificationReceiver& receiver_;
    const common::Clock& clock_;
    SubscriptionOptions options_;
    SecretSource secrets_;
    CatchUp catch_up_;
    mutable std::mutex mutex_;
    std::map<std::string, State> mailboxes_;                      // by UPN as configured
    std::vector<std::pair<std::string, std::string>> to_delete_;  // (upn, id)
    std::string last_summary_;  // the last unsubscribed-mailboxes warning
    bool all_subscribed_said_ = false;
};

}  // namespace calconn::sync
