// Graph's subscription calls for the sync tests. Thread-safe: the manager makes its calls from
// several threads at once and the ChangeNotifications timer thread runs beside the test.
#pragma once

#include <algorithm>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sync/SubscriptionManager.h"

namespace calconn::sync::testing {

struct FakeSubscriptionApi final : SubscriptionApi {
    mutable std::mutex mutex;
    int next = 1;
    std::map<std::string, graph::Subscription> live;  // by id
    std::map<std::string, std::string> by_mailbox;    // upn -> id of its live subscription
    std::vector<std::string> calls;                   // "create UPN", "renew UPN", ...
    bool fail_create = false;
    bool fail_reauthorize = false;
    // Runs inside create() and renew(), outside the lock: a test's slow Graph.
    std::function<void()> during_call;

    common::Result<graph::Subscription> create(const graph::SubscriptionRequest& r) override {
        if (during_call) during_call();
        std::lock_guard lock(mutex);
        calls.push_back("create " + r.mailbox);
        if (fail_create) return common::makeError(common::ErrorCode::Unavailable, "down");
        graph::Subscription s;
        s.id = "sub-" + std::to_string(next++);
        s.client_state = r.client_state;
        s.notification_url = r.notification_url;
        s.lifecycle_notification_url = r.lifecycle_notification_url;
        s.expiration = r.expiration;
        live[s.id] = s;
        by_mailbox[r.mailbox] = s.id;
        return s;
    }
    common::Result<graph::Subscription> renew(const std::string& mailbox, const std::string& id,
                                              common::TimePoint expiration) override {
        if (during_call) during_call();
        std::lock_guard lock(mutex);
        calls.push_back("renew " + mailbox);
        auto it = live.find(id);
        if (it == live.end()) return common::makeError(common::ErrorCode::NotFound, "gone");
        it->second.expiration = expiration;
        return it->second;
    }
    common::Status reauthorize(const std::string& mailbox, const std::string&) override {
        std::lock_guard lock(mutex);
        calls.push_back("reauthorize " + mailbox);
        if (fail_reauthorize) return common::makeError(common::ErrorCode::PermissionDenied, "no");
        return {};
    }
    common::Status remove(const std::string& mailbox, const std::string& id) override {
        std::lock_guard lock(mutex);
        calls.push_back("remove " + mailbox);
        live.erase(id);
        if (by_mailbox[mailbox] == id) by_mailbox.erase(mailbox);
        return {};
    }

    // (id, clientState) of the mailbox's live subscription.
    std::optional<std::pair<std::string, std::string>> of(const std::string& upn) const {
        std::lock_guard lock(mutex);
        auto it = by_mailbox.find(upn);
        if (it == by_mailbox.end()) return std::nullopt;
        return std::make_pair(it->second, live.at(it->second).client_state);
    }
    std::size_t count(const std::string& call) const {
        std::lock_guard lock(mutex);
        return static_cast<std::size_t>(std::count(calls.begin(), calls.end(), call));
    }
    std::size_t liveCount() const {
        std::lock_guard lock(mutex);
        return live.size();
    }
};

}  // namespace calconn::sync::testing
