#include "sync/SubscriptionManager.h"

#include <Poco/Logger.h>

#include <algorithm>
#include <set>

#include "crypto/Random.h"
#include "graph/Decoders.h"

namespace calconn::sync {

namespace {

Poco::Logger& logger() { return Poco::Logger::get("calconn.sync"); }

// 32 random bytes as hex: well under Graph's 128-character clientState limit.
std::string randomSecret() {
    auto hex = crypto::randomHex(32);
    return hex ? *hex : std::string();
}

}  // namespace

SubscriptionManager::SubscriptionManager(SubscriptionApi& api, NotificationReceiver& receiver,
                                         const common::Clock& clock, SubscriptionOptions options,
                                         SecretSource secrets)
    : api_(api),
      receiver_(receiver),
      clock_(clock),
      options_(std::move(options)),
      secrets_(secrets ? std::move(secrets) : SecretSource(randomSecret)) {}

void SubscriptionManager::setCatchUp(CatchUp catch_up) {
    std::lock_guard lock(mutex_);
    catch_up_ = std::move(catch_up);
}

void SubscriptionManager::setMailboxes(const std::vector<std::string>& upns) {
    std::lock_guard lock(mutex_);
    std::set<std::string> wanted(upns.begin(), upns.end());
    for (auto it = mailboxes_.begin(); it != mailboxes_.end();) {
        if (wanted.count(it->first)) {
            ++it;
            continue;
        }
        if (!it->second.id.empty()) to_delete_.emplace_back(it->first, it->second.id);
        forgetLocked(it->second);
        it = mailboxes_.erase(it);
    }
    for (const auto& upn : upns) mailboxes_.try_emplace(upn);
}

void SubscriptionManager::forgetLocked(State& state) {
    if (!state.id.empty()) receiver_.removeSubscription(state.id);
    state.id.clear();
    state.expiration = {};
}

bool SubscriptionManager::createLocked(const std::string& upn, State& state) {
    const std::string secret = secrets_();
    if (secret.empty()) {
        state.last_error = "no random clientState";
        return false;
    }
    graph::SubscriptionRequest request;
    request.mailbox = upn;
    request.notification_url = options_.notification_url;
    request.lifecycle_notification_url =
        options_.lifecycle_url.empty() ? options_.notification_url : options_.lifecycle_url;
    request.client_state = secret;
    request.expiration = clock_.now() + options_.lifetime;
    auto created = api_.create(request);
    if (!created) {
        // Per mailbox at debug only: tick() sums failures up in one line (a URL that Graph
        // cannot reach fails every mailbox at once).
        state.last_error = created.error().toString();
        logger().debug("cannot subscribe to changes of " + upn + ": " + state.last_error);
        ++state.failures;
        auto wait = options_.retry_initial;
        for (int i = 1; i < state.failures && wait < options_.retry_max; ++i) wait *= 2;
        state.retry_at = clock_.now() + std::min(wait, options_.retry_max);
        return false;
    }
    state.id = created->id;
    state.expiration = created->expiration.value_or(request.expiration);
    state.last_error.clear();
    state.failures = 0;
    state.retry_at = {};
    receiver_.addSubscription(state.id, upn, secret);
    // Changes made before the subscription existed were not notified.
    if (catch_up_) catch_up_(upn);
    return true;
}

int SubscriptionManager::tick(const std::function<bool()>& keep_going) {
    std::lock_guard lock(mutex_);
    int failures = 0;
    for (auto& [upn, id] : to_delete_) {
        if (auto removed = api_.remove(upn, id); !removed) ++failures;
    }
    to_delete_.clear();

    for (const auto& notice : receiver_.takeLifecycle()) {
        auto it = mailboxes_.find(notice.upn);
        if (it == mailboxes_.end() || it->second.id != notice.subscription_id) continue;
        State& state = it->second;
        switch (notice.event) {
            case LifecycleEvent::ReauthorizationRequired:
                if (auto done = api_.reauthorize(notice.upn, state.id); !done) {
                    // Could not reauthorize: a new subscription replaces it.
                    state.last_error = done.error().toString();
                    logger().warning("cannot reauthorize the subscription of " + notice.upn +
                                     ", replacing it: " + state.last_error);
                    (void)api_.remove(notice.upn, state.id);
                    forgetLocked(state);
                } else {
                    logger().information("reauthorized the subscription of " + notice.upn);
                    // Delivery may have paused before the reauthorization.
                    if (catch_up_) catch_up_(notice.upn);
                }
                break;
            case LifecycleEvent::SubscriptionRemoved:
                logger().information("graph removed the subscription of " + notice.upn +
                                     ", recreating it");
                forgetLocked(state);
                state.retry_at = {};
                break;
            case LifecycleEvent::Missed:
                logger().information("graph missed notifications of " + notice.upn +
                                     ", syncing it");
                break;  // the receiver already asked for a sync
        }
    }

    const auto now = clock_.now();
    for (auto& [upn, state] : mailboxes_) {
        if (keep_going && !keep_going()) break;
        if (state.id.empty()) {
            if (now < state.retry_at) continue;
            if (!createLocked(upn, state)) ++failures;
            continue;
        }
        if (state.expiration - now > options_.renew_before) continue;
        auto renewed = api_.renew(upn, state.id, now + options_.lifetime);
        if (renewed) {
            state.expiration = renewed->expiration.value_or(now + options_.lifetime);
            state.last_error.clear();
            continue;
        }
        state.last_error = renewed.error().toString();
        if (renewed.error().code == common::ErrorCode::NotFound || state.expiration <= now) {
            // Gone or expired: create a new one right away.
            forgetLocked(state);
            if (!createLocked(upn, state)) ++failures;
        } else {
            ++failures;
        }
    }
    logUnsubscribedLocked();
    return failures;
}

void SubscriptionManager::logUnsubscribedLocked() {
    std::size_t unsubscribed = 0;
    const std::pair<const std::string, State>* example = nullptr;
    for (const auto& entry : mailboxes_) {
        if (!entry.second.id.empty() || entry.second.failures == 0) continue;
        ++unsubscribed;
        if (!example) example = &entry;
    }
    // Said again only when the count or the example's error changes.
    std::string summary;
    if (example) {
        summary = "cannot subscribe " + std::to_string(unsubscribed) +
                  " mailboxes to change notifications (they are polled meanwhile and retried "
                  "with backoff), e.g. " +
                  example->first + ": " + example->second.last_error;
    }
    if (summary == last_summary_) return;
    if (!summary.empty()) {
        logger().warning(summary);
    } else {
        logger().information("every mailbox is subscribed to change notifications");
    }
    last_summary_ = summary;
}

int SubscriptionManager::removeAll(common::TimePoint deadline) {
    std::lock_guard lock(mutex_);
    int removed = 0;
    for (auto& [upn, id] : to_delete_) {
        if (clock_.now() >= deadline) break;
        if (api_.remove(upn, id)) ++removed;
    }
    to_delete_.clear();
    for (auto& [upn, state] : mailboxes_) {
        if (state.id.empty()) continue;
        if (clock_.now() >= deadline) break;
        if (api_.remove(upn, state.id)) ++removed;
        forgetLocked(state);
    }
    return removed;
}

std::optional<SubscriptionManager::State> SubscriptionManager::state(const std::string& upn) const {
    std::lock_guard lock(mutex_);
    auto it = mailboxes_.find(upn);
    if (it == mailboxes_.end()) return std::nullopt;
    return it->second;
}

}  // namespace calconn::sync
