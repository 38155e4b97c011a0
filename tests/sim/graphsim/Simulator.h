// graphsim's request router and shared state: the tenant, the Graph v1.0 endpoints, the /_sim/
// control API, fault injection, subscriptions and the identity/throttling adapters. Transport
// free (SimRequest -> SimResponse) so tests can drive it in-process or over HTTPS.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "Auth.h"
#include "Faults.h"
#include "Generator.h"
#include "SimHttp.h"
#include "Subscriptions.h"
#include "Tenant.h"
#include "common/Clock.h"

namespace calconn::graphsim {

struct SimulatorConfig {
    GeneratorConfig generator;
    std::string client_id = "11111111-1111-1111-1111-111111111111";
    std::string client_secret = "graphsim-secret";
    std::string client_cert_pem;  // PEM text of the registered client certificate (optional)
    int latency_ms = 0;           // added to every Graph call
    int max_subscription_minutes = 10080;
    std::string notification_ca_file;  // CA to trust for https notificationUrl deliveries
    bool allow_http_notifications = false;
    int default_page_size = 10;
    int max_page_size = 1000;
    bool tombstone_cancelled_occurrences = true;
};

class Simulator {
public:
    Simulator(SimulatorConfig config, const common::Clock& clock);
    ~Simulator();
    Simulator(const Simulator&) = delete;
    Simulator& operator=(const Simulator&) = delete;

    SimResponse handle(const SimRequest& request);

    // Base URL ("https://127.0.0.1:PORT") used in nextLink/deltaLink when no Host header came.
    void setBaseUrl(const std::string& base_url);
    std::string baseUrl() const;

    Tenant& tenant() { return tenant_; }
    const SimulatorConfig& config() const { return config_; }
    Seconds now() const;
    SubscriptionManager& subscriptions() { return *subscriptions_; }

    // Error response in Graph's envelope.
    SimResponse graphError(const SimRequest& request, int status, const std::string& code,
                           const std::string& message) const;

private:
    friend class SimulatorTestAccess;
    SimResponse route(const SimRequest& request);
    SimResponse handleGraph(const SimRequest& request);
    SimResponse handleControl(const SimRequest& request);
    SimResponse handleUserResource(const SimRequest& request, Mailbox& mailbox,
                                   const std::vector<std::string>& rest, const std::string& user_segment);
    SimResponse calendarView(const SimRequest& request, Mailbox& mailbox, const std::string& user_segment);
    SimResponse calendarViewDelta(const SimRequest& request, Mailbox& mailbox,
                                  const std::string& user_segment);
    SimResponse listEvents(const SimRequest& request, Mailbox& mailbox, const std::string& user_segment);
    SimResponse getEvent(const SimRequest& request, Mailbox& mailbox, const std::string& id);
    SimResponse createEvent(const SimRequest& request, Mailbox& mailbox, bool control);
    SimResponse patchEvent(const SimRequest& request, Mailbox& mailbox, const std::string& id, bool control);
    SimResponse deleteEvent(const SimRequest& request, Mailbox& mailbox, const std::string& id, bool control);
    SimResponse cancelEvent(const SimRequest& request, Mailbox& mailbox, const std::string& id);
    SimResponse respondEvent(const SimRequest& request, Mailbox& mailbox, const std::string& id,
                             const std::string& action);
    SimResponse instances(const SimRequest& request, Mailbox& mailbox, const std::string& id);
    SimResponse mailboxSettings(const SimRequest& request, Mailbox& mailbox, const std::string& sub);
    SimResponse patchMailboxSettings(const SimRequest& request, Mailbox& mailbox);
    SimResponse getSchedule(const SimRequest& request, Mailbox& mailbox);
    SimResponse subscriptionsApi(const SimRequest& request, const std::vector<std::string>& parts,
                                 const std::string& app_id);

    // A meeting's copies in invited room mailboxes follow the organizer's edits and deletions.
    void propagateToRooms(const Mailbox& source, const std::string& ical_uid,
                          const std::vector<std::string>& rooms, const std::string& patch_body,
                          bool deleted);
    void notifyChange(const Mailbox& mailbox, const std::string& event_id, const std::string& etag,
                      const char* change_type);
    bool inPolicy(const Mailbox& mailbox) const;
    void count(const std::string& endpoint);
    std::string newRequestId();

    std::string deltaEncode(const std::string& payload) const;
    std::optional<std::string> deltaDecode(const std::string& token) const;

    SimulatorConfig config_;
    const common::Clock& clock_;
    Tenant tenant_;
    std::unique_ptr<Auth> auth_;
    FaultInjector faults_;
    std::unique_ptr<SubscriptionManager> subscriptions_;
    std::string delta_secret_;

    mutable std::mutex mutex_;  // guards the fields below
    std::string base_url_;
    std::optional<std::set<std::size_t>> policy_;  // mailboxes in the access policy; nullopt = all
    std::map<std::string, std::uint64_t> endpoint_counters_;
    std::atomic<std::uint64_t> request_counter_{0};
    Prng id_prng_;
};

}  // namespace calconn::graphsim
