#include "sync/SubscriptionManager.h"

#include <Poco/Logger.h>

#include <algorithm>
#include <set>
#include <thread>

#include "crypto/Random.h"
#include "graph/Decoders.h"

namespace calconn::sync {

namespace {

Poco::Logger& logger() { return Poco::Logger::get("calconn.sync"); }

// Runs job(0) .. job(count - 1) on up to `parallel` threads, the caller's among them. Jobs are
// handed out in order; once `keep_going` (asked before each, one caller at a time) says no,
// the rest are not started.
void forEachInParallel(std::size_t count, std::size_t parallel,
                       const std::function<bool()>& keep_going,
                       const std::function<void(std::size_t)>& job) {
    std::mutex mutex;
    std::size_t next = 0;
    bool stopped = false;
    auto worker = [&] {
        for (;;) {
            std::size_t index = 0;
            {
                std::lock_guard lock(mutex);
                if (stopped || next >= count) return;
                if (keep_going && !keep_going()) {
                    stopped = true;
                    return;
                }
                index = next++;
            }
            job(index);
        }
    };
    const std::size_t threads = std::min(std::max<std::size_t>(parallel, 1), count);
    std::vector<std::thread> helpers;
    for (std::size_t i = 1; i < threads; ++i) helpers.emplace_back(worker);
    worker();
    for (auto& helper : helpers) helper.join();
}

// 32 random bytes as hex: well under Graph's 128-character clientState limit.
std::string randomSecret() {
    auto hex = crypto::randomHex(32);
    return hex ? *hex : std::string();
}

}  // namespace

// One Graph call of a tick: a creation (`renew_id` empty) or a renewal.
struct SubscriptionManager::Call {
    std::string upn;
    graph::SubscriptionRequest request;  // creations
    std::string renew_id;                // renewals
    std::optional<common::Result<graph::Subscription>> result;
};

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

std::optional<graph::SubscriptionRequest> SubscriptionManager::subscriptionRequestLocked(
    const std::string& upn, State& state) {
    const std::string secret = secrets_();
    if (secret.empty()) {
        state.last_error = "no random clientState";
        return std::nullopt;
    }
    graph::SubscriptionRequest request;
    request.mailbox = upn;
    request.notification_url = options_.notification_url;
    request.lifecycle_notification_url =
        options_.lifecycle_url.empty() ? options_.notification_url : options_.lifecycle_url;
    request.client_state = secret;
    request.expiration = clock_.now() + options_.lifetime;
    return request;
}

bool SubscriptionManager::createLocked(const std::string& upn, State& state) {
    auto request = subscriptionRequestLocked(upn, state);
    if (!request) return false;
    return finishCreateLocked(upn, state, *request, api_.create(*request));
}

bool SubscriptionManager::finishCreateLocked(const std::string& upn, State& state,
                                             const graph::SubscriptionRequest& request,
                                             const common::Result<graph::Subscription>& created) {
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
    receiver_.addSubscription(state.id, upn, request.client_state);
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

    // What is due now: creations and renewals. The calls run in parallel, outside any state;
    // their results are applied afterwards, here, in mailbox order.
    const auto now = clock_.now();
    std::vector<Call> calls;
    for (auto& [upn, state] : mailboxes_) {
        if (state.id.empty()) {
            if (now < state.retry_at) continue;
            auto request = subscriptionRequestLocked(upn, state);
            if (!request) {
                ++failures;
                continue;
            }
            calls.push_back({upn, std::move(*request), {}, {}});
            continue;
        }
        if (state.expiration - now > options_.renew_before) continue;
        calls.push_back({upn, {}, state.id, {}});
    }
    forEachInParallel(calls.size(), options_.parallel_calls, keep_going, [&](std::size_t i) {
        Call& call = calls[i];
        call.result = call.renew_id.empty()
                          ? api_.create(call.request)
                          : api_.renew(call.upn, call.renew_id, now + options_.lifetime);
    });
    for (const Call& call : calls) {
        if (!call.result) continue;  // not started: the tick was asked to stop
        State& state = mailboxes_.at(call.upn);
        const bool ok = call.renew_id.empty()
                            ? finishCreateLocked(call.upn, state, call.request, *call.result)
                            : finishRenewLocked(call.upn, state, now, *call.result);
        if (!ok) ++failures;
    }
    logUnsubscribedLocked();
    return failures;
}

bool SubscriptionManager::finishRenewLocked(const std::string& upn, State& state,
                                            common::TimePoint now,
                                            const common::Result<graph::Subscription>& renewed) {
    if (renewed) {
        state.expiration = renewed->expiration.value_or(now + options_.lifetime);
        state.last_error.clear();
        return true;
    }
    state.last_error = renewed.error().toString();
    if (renewed.error().code == common::ErrorCode::NotFound || state.expiration <= now) {
        // Gone or expired: create a new one right away.
        forgetLocked(state);
        return createLocked(upn, state);
    }
    return false;
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
    if (summary != last_summary_ && !summary.empty()) logger().warning(summary);
    last_summary_ = summary;
    // Said once each time the last missing subscription is made, at start or after failures.
    const bool all = !mailboxes_.empty() &&
                     std::all_of(mailboxes_.begin(), mailboxes_.end(),
                                 [](const auto& entry) { return !entry.second.id.empty(); });
    if (all && !all_subscribed_said_) {
        logger().information("every mailbox is subscribed to change notifications (" +
                             std::to_string(mailboxes_.size()) + ")");
    }
    all_subscribed_said_ = all;
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
