#include "sync/ChangeNotifications.h"

#include <Poco/Logger.h>

namespace calconn::sync {

namespace {

Poco::Logger& logger() { return Poco::Logger::get("calconn.sync"); }

SubscriptionOptions subscriptionOptions(const ChangeNotificationsOptions& options) {
    SubscriptionOptions out;
    out.notification_url = options.public_url;
    out.lifecycle_url = options.public_url;
    out.lifetime = options.lifetime;
    out.renew_before = options.renew_before;
    return out;
}

}  // namespace

ChangeNotifications::ChangeNotifications(SubscriptionApi& api, const common::Clock& clock,
                                         ChangeNotificationsOptions options, SyncSoon on_change,
                                         SyncSoon catch_up)
    : clock_(clock),
      options_(std::move(options)),
      receiver_(std::move(on_change), [this] { wake(); }),
      manager_(api, receiver_, clock, subscriptionOptions(options_)) {
    manager_.setCatchUp(std::move(catch_up));
}

ChangeNotifications::~ChangeNotifications() { stop(std::chrono::milliseconds(0)); }

void ChangeNotifications::setMailboxes(std::vector<std::string> upns) {
    {
        std::lock_guard lock(mutex_);
        pending_mailboxes_ = std::move(upns);
        woken_ = true;
    }
    cv_.notify_all();
}

void ChangeNotifications::wake() {
    {
        std::lock_guard lock(mutex_);
        woken_ = true;
    }
    cv_.notify_all();
}

void ChangeNotifications::start() {
    std::lock_guard lock(mutex_);
    if (thread_.joinable() || stopped_) return;
    thread_ = std::thread([this] { run(); });
    logger().information("change notifications on: subscriptions point at " + options_.public_url);
}

void ChangeNotifications::run() {
    auto keep_going = [this] {
        std::lock_guard lock(mutex_);
        return !stopping_;
    };
    for (;;) {
        std::optional<std::vector<std::string>> mailboxes;
        {
            std::unique_lock lock(mutex_);
            if (stopping_) return;
            mailboxes.swap(pending_mailboxes_);
            woken_ = false;
        }
        if (mailboxes) manager_.setMailboxes(*mailboxes);
        const int failures = manager_.tick(keep_going);
        if (failures > 0)
            logger().debug(std::to_string(failures) + " subscription calls failed; retrying");
        std::unique_lock lock(mutex_);
        cv_.wait_for(lock, options_.tick_interval, [this] { return stopping_ || woken_; });
    }
}

void ChangeNotifications::stop(std::chrono::milliseconds cleanup) {
    std::thread thread;
    {
        std::lock_guard lock(mutex_);
        if (stopped_) return;
        stopped_ = true;
        stopping_ = true;
        thread.swap(thread_);
    }
    cv_.notify_all();
    if (thread.joinable()) thread.join();
    if (cleanup.count() <= 0) return;
    const auto deadline = clock_.now() + cleanup;
    const int removed = manager_.removeAll(deadline);
    if (removed > 0)
        logger().information("deleted " + std::to_string(removed) + " change subscriptions");
}

NotificationResponse ChangeNotifications::handle(const std::string& validation_token,
                                                 const std::string& body) {
    return receiver_.handle(validation_token, body);
}

}  // namespace calconn::sync
