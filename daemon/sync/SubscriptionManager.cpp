#include "sync/SubscriptionManager.h"

#include <Poco/Logger.h>

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
        state.last_error = created.error().toString();
        logger().warning("cannot subscribe to " + upn + ": " + state.last_error);
        return false;
    }
    state.id = created->id;
    state.expiration = created->expiration.value_or(request.expiration);
    state.last_error.clear();
    receiver_.addSubscription(state.id, upn, secret);
    return true;
}

int SubscriptionManager::tick() {
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
                    (void)api_.remove(notice.upn, state.id);
                    forgetLocked(state);
                }
                break;
            case LifecycleEvent::SubscriptionRemoved:
                forgetLocked(state);
                break;
            case LifecycleEvent::Missed:
                break;  // the receiver already asked for a sync
        }
    }

    const auto now = clock_.now();
    for (auto& [upn, state] : mailboxes_) {
        if (state.id.empty()) {
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
    return failures;
}

std::optional<SubscriptionManager::State> SubscriptionManager::state(const std::string& upn) const {
    std::lock_guard lock(mutex_);
    auto it = mailboxes_.find(upn);
    if (it == mailboxes_.end()) return std::nullopt;
    return it->second;
}

}  // namespace calconn::sync
