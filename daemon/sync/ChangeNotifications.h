// Graph change notifications as calconnd runs them (sync.notifications.public_url): the
// receiver behind POST /graph/notifications, and one subscription per mailbox kept alive by a
// timer thread that also handles lifecycle events as soon as they arrive. Valid notifications
// and lifecycle events ask the scheduler for a delta round; delta stays the source of truth.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/Clock.h"
#include "sync/NotificationReceiver.h"
#include "sync/SubscriptionManager.h"

namespace calconn::sync {

struct ChangeNotificationsOptions {
    // Where Graph posts; the same URL receives lifecycle events.
    std::string public_url;
    // How often subscriptions are checked for renewal and failed creations retried.
    std::chrono::milliseconds tick_interval{30'000};
    std::chrono::minutes lifetime{4200};
    std::chrono::minutes renew_before{12 * 60};
};

class ChangeNotifications {
public:
    using SyncSoon = std::function<void(const std::string& upn)>;

    // `on_change`: a valid change notification (or `missed`) for the mailbox. `catch_up`: the
    // mailbox was (re)subscribed or reauthorized, so changes may have gone unnotified.
    ChangeNotifications(SubscriptionApi& api, const common::Clock& clock,
                        ChangeNotificationsOptions options, SyncSoon on_change, SyncSoon catch_up);
    ~ChangeNotifications();
    ChangeNotifications(const ChangeNotifications&) = delete;
    ChangeNotifications& operator=(const ChangeNotifications&) = delete;

    // The mailboxes to keep subscribed; applied by the timer thread (callers never wait for
    // Graph).
    void setMailboxes(std::vector<std::string> upns);

    void start();
    // Stops the timer thread, then deletes the subscriptions until `cleanup` has passed (the
    // rest expire on their own). Idempotent.
    void stop(std::chrono::milliseconds cleanup);

    // One POST to the public URL; `validation_token` is the decoded ?validationToken=.
    NotificationResponse handle(const std::string& validation_token, const std::string& body);

    const std::string& publicUrl() const { return options_.public_url; }
    NotificationReceiver::Counters counters() const { return receiver_.counters(); }
    std::optional<SubscriptionManager::State> subscription(const std::string& upn) const {
        return manager_.state(upn);
    }

private:
    void run();
    void wake();

    const common::Clock& clock_;
    ChangeNotificationsOptions options_;
    NotificationReceiver receiver_;
    SubscriptionManager manager_;

    std::mutex mutex_;
    std::condition_variable cv_;
    std::optional<std::vector<std::string>> pending_mailboxes_;
    bool woken_ = false;
    bool stopping_ = false;
    bool stopped_ = false;
    std::thread thread_;
};

}  // namespace calconn::sync
