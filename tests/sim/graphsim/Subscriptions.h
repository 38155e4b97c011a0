// Change-notification subscriptions (graph.md §8): creation with the validation handshake,
// renewal, deletion, batched change notifications and lifecycle events delivered by a worker.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "SimHttp.h"
#include "Time.h"

namespace calconn::graphsim {

struct SubscriptionConfig {
    std::string tenant_id;
    int max_minutes = 10080;
    std::string ca_file;  // CA bundle to trust for https deliveries (empty: system default)
    bool allow_http = false;
    std::function<Seconds()> now;
    // Resolves "users/{id|upn}/events" style resources to a mailbox id (GUID); empty if unknown.
    std::function<std::string(const std::string& user)> resolve_user;
};

struct Subscription {
    std::string id;
    std::string resource;
    std::string mailbox_id;
    std::string change_type;
    std::string notification_url;
    std::string lifecycle_url;
    std::string client_state;
    std::string app_id;
    std::string latest_tls = "v1_2";
    Seconds expiration = 0;
};

struct PostResult {
    int status = 0;  // 0: transport failure
    std::string body;
    std::string error;
};

class SubscriptionManager {
public:
    explicit SubscriptionManager(SubscriptionConfig config);
    ~SubscriptionManager();

    // Graph-facing operations; they return (status, body JSON or error code/message).
    struct Outcome {
        int status = 200;
        std::string body;         // success body (JSON)
        std::string error_code;   // set on failure
        std::string error_message;
    };
    Outcome create(const std::string& body, const std::string& app_id);
    Outcome update(const std::string& id, const std::string& body, const std::string& app_id);
    Outcome remove(const std::string& id, const std::string& app_id);
    Outcome get(const std::string& id, const std::string& app_id) const;
    Outcome list(const std::string& app_id) const;
    Outcome reauthorize(const std::string& id, const std::string& app_id);

    // A change in a mailbox: queues notifications for every matching subscription.
    void notifyChange(const std::string& mailbox_id, const std::string& event_id,
                      const std::string& etag, const std::string& change_type);
    // Lifecycle event for one subscription (or all when id is empty). subscriptionRemoved also
    // deletes the subscription. Returns how many were queued.
    int fireLifecycle(const std::string& id, const std::string& event);

    // Blocks until the delivery queue is empty or the deadline passes (tests, /_sim/ flush).
    bool flush(int timeout_ms);
    std::string countersJson() const;

    // One HTTP(S) POST; exposed for the validation handshake and tests.
    PostResult post(const std::string& url, const std::string& content_type,
                    const std::string& body, int timeout_ms) const;

private:
    struct Pending {
        std::string url;
        std::string item_json;  // one element of "value"
        int attempts = 0;
    };
    void worker();
    std::string subscriptionJson(const Subscription& s) const;
    std::optional<std::string> validateUrl(const std::string& url, std::string& message) const;

    SubscriptionConfig config_;
    mutable std::mutex mutex_;
    std::condition_variable cv_;
    std::condition_variable idle_cv_;
    std::map<std::string, Subscription> subs_;
    std::vector<Pending> queue_;
    bool busy_ = false;
    bool stop_ = false;
    std::uint64_t delivered_ = 0;
    std::uint64_t failed_ = 0;
    std::uint64_t posts_ = 0;
    std::uint64_t counter_ = 0;
    std::thread thread_;
};

}  // namespace calconn::graphsim
