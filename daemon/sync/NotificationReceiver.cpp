#include "sync/NotificationReceiver.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Logger.h>

#include <set>

#include "common/Metrics.h"

namespace calconn::sync {

namespace {

Poco::Logger& logger() { return Poco::Logger::get("calconn.sync"); }

// Graph requires the token echoed within 10 s as text/plain; it is short, but cap it anyway.
constexpr std::size_t kMaxValidationToken = 1024;

}  // namespace

NotificationReceiver::NotificationReceiver(Notify notify, LifecycleQueued lifecycle_queued)
    : notify_(std::move(notify)), lifecycle_queued_(std::move(lifecycle_queued)) {
    common::metrics().describe(
        "calconn_notifications_total", common::MetricType::Counter,
        "Graph notifications received, by result: accepted (a change), rejected (unknown "
        "subscription or wrong clientState), lifecycle (missed, reauthorizationRequired, "
        "subscriptionRemoved)");
}

void NotificationReceiver::addSubscription(const std::string& subscription_id,
                                           const std::string& upn, std::string_view client_state) {
    std::lock_guard lock(mutex_);
    subscriptions_[subscription_id] =
        Subscription{upn, std::make_shared<const crypto::SecretString>(client_state)};
}

void NotificationReceiver::removeSubscription(const std::string& subscription_id) {
    std::lock_guard lock(mutex_);
    subscriptions_.erase(subscription_id);
}

NotificationResponse NotificationReceiver::handle(const std::string& validation_token,
                                                  const std::string& body) {
    if (!validation_token.empty()) {
        if (validation_token.size() > kMaxValidationToken) return {400, "text/plain", ""};
        return {200, "text/plain", validation_token};
    }
    Poco::JSON::Array::Ptr values;
    try {
        Poco::JSON::Parser parser;
        auto root = parser.parse(body).extract<Poco::JSON::Object::Ptr>();
        values = root ? root->getArray("value") : nullptr;
    } catch (const Poco::Exception&) {
        values = nullptr;
    }
    if (!values) return {400, "text/plain", ""};

    std::set<std::string> to_notify;
    Counters seen;
    {
        std::lock_guard lock(mutex_);
        for (std::size_t i = 0; i < values->size(); ++i) {
            auto item = values->getObject(static_cast<unsigned>(i));
            if (!item) continue;
            const std::string id = item->optValue<std::string>("subscriptionId", "");
            const std::string state = item->optValue<std::string>("clientState", "");
            auto it = subscriptions_.find(id);
            if (it == subscriptions_.end() ||
                !crypto::constantTimeEquals(it->second.client_state->view(), state)) {
                ++seen.rejected;
                continue;
            }
            const std::string lifecycle = item->optValue<std::string>("lifecycleEvent", "");
            if (lifecycle.empty()) {
                ++seen.accepted;
                to_notify.insert(it->second.upn);
                continue;
            }
            ++seen.lifecycle;
            if (lifecycle == "missed") {
                to_notify.insert(it->second.upn);
                lifecycle_.push_back({id, it->second.upn, LifecycleEvent::Missed});
            } else if (lifecycle == "reauthorizationRequired") {
                lifecycle_.push_back({id, it->second.upn, LifecycleEvent::ReauthorizationRequired});
            } else if (lifecycle == "subscriptionRemoved") {
                // Changes may have been missed until it is recreated: sync as well.
                to_notify.insert(it->second.upn);
                lifecycle_.push_back({id, it->second.upn, LifecycleEvent::SubscriptionRemoved});
            } else {
                logger().information("ignoring unknown lifecycle event " + lifecycle);
            }
        }
        counters_.accepted += seen.accepted;
        counters_.rejected += seen.rejected;
        counters_.lifecycle += seen.lifecycle;
    }
    auto& metrics = common::metrics();
    if (seen.accepted)
        metrics.add("calconn_notifications_total", {{"result", "accepted"}},
                    static_cast<double>(seen.accepted));
    if (seen.rejected)
        metrics.add("calconn_notifications_total", {{"result", "rejected"}},
                    static_cast<double>(seen.rejected));
    if (seen.lifecycle)
        metrics.add("calconn_notifications_total", {{"result", "lifecycle"}},
                    static_cast<double>(seen.lifecycle));
    if (seen.rejected)
        logger().debug("rejected " + std::to_string(seen.rejected) +
                       " notifications: unknown subscription or wrong clientState");
    // Outside the lock: the scheduler takes its own.
    for (const auto& upn : to_notify) notify_(upn);
    if (seen.lifecycle && lifecycle_queued_) lifecycle_queued_();
    return {202, "text/plain", ""};
}

std::vector<LifecycleNotice> NotificationReceiver::takeLifecycle() {
    std::lock_guard lock(mutex_);
    std::vector<LifecycleNotice> out;
    out.swap(lifecycle_);
    return out;
}

NotificationReceiver::Counters NotificationReceiver::counters() const {
    std::lock_guard lock(mutex_);
    return counters_;
}

}  // namespace calconn::sync
