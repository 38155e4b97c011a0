// Microsoft Graph calls calconn makes, each through the per-mailbox concurrency limiter, the
// app and mailbox request budgets, the retry policy and the token source. Paging links are
// followed as opaque URLs (only under the configured endpoint, so the token never leaves
// it); a 401 InvalidAuthenticationToken renews the token once.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "common/Clock.h"
#include "common/Result.h"
#include "graph/GraphTypes.h"
#include "graph/TokenProvider.h"
#include "net/Cancel.h"
#include "net/ConcurrencyLimiter.h"
#include "net/HttpClient.h"
#include "net/RetryPolicy.h"
#include "net/TokenBucket.h"

namespace calconn::graph {

struct GraphClientOptions {
    std::string graph_endpoint = "https://graph.microsoft.com";  // "/v1.0" is appended
    int max_page_size = 50;                                      // Prefer: odata.maxpagesize
    std::string body_content_type = "html";                      // or "text"
    bool immutable_ids = true;                                   // Prefer: IdType="ImmutableId"
    std::chrono::milliseconds slot_wait{120'000};  // longest wait for a mailbox request slot
    std::chrono::milliseconds request_timeout{60'000};
    int max_pages_per_round = 5'000;  // a guard against a server that pages forever
    std::string app_key = "app";      // key of this app in the app-wide budget
};

// Shared by every GraphClient of one application (the limits are per app and mailbox).
struct GraphClientDeps {
    net::HttpClient& http;
    TokenSource& tokens;
    const common::Clock& clock;
    net::Sleeper& sleeper;
    const net::RetryPolicy& retry;
    net::ConcurrencyLimiter& mailbox_slots;         // at most 4 in flight per mailbox
    net::TokenBucketLimiter& mailbox_budget;        // per mailbox
    net::TokenBucketLimiter* app_budget = nullptr;  // per app, optional
    const net::CancelToken* cancel = nullptr;
};

struct DeltaRoundRequest {
    std::string mailbox;      // UPN or user id
    std::string calendar_id;  // empty = the default calendar
    // Either a saved link (deltaLink, or a nextLink to resume an interrupted round) ...
    std::string resume_link;
    // ... or a window for an initial round.
    common::TimePoint window_start{};
    common::TimePoint window_end{};
};

struct DeltaRoundResult {
    int pages = 0;
    std::size_t entries = 0;
    std::string delta_link;
};

struct SubscriptionRequest {
    std::string mailbox;
    std::string change_type = "created,updated,deleted";
    std::string notification_url;
    std::string lifecycle_notification_url;  // optional
    std::string client_state;                // a per-subscription random secret, <= 128 chars
    common::TimePoint expiration{};
};

class GraphClient {
public:
    // Called once per page, in order; returning an error stops the round with that error. The
    // page's next_link (or delta_link on the last page) is where to resume after this page.
    using PageHandler = std::function<common::Status(const DeltaPage& page)>;

    GraphClient(GraphClientDeps deps, GraphClientOptions options = {});

    // One calendarView delta round: initial (window) or incremental (resume_link). Gone with
    // kind sync_state_gone means: drop the link and start over with a window.
    common::Result<DeltaRoundResult> deltaRound(const DeltaRoundRequest& request,
                                                const PageHandler& on_page);

    // `query` (already percent-encoded, without "?") is appended, e.g. an $expand of
    // singleValueExtendedProperties.
    common::Result<Event> getEvent(const std::string& mailbox, const std::string& event_id,
                                   const std::string& query = {});
    // Same call; named for the hydration of bare occurrences.
    common::Result<Event> getSeriesMaster(const std::string& mailbox, const std::string& master_id);
    common::Result<std::vector<Event>> listInstances(const std::string& mailbox,
                                                     const std::string& master_id,
                                                     common::TimePoint start,
                                                     common::TimePoint end);
    common::Result<MailboxSettings> getMailboxSettings(const std::string& mailbox);

    // PATCH with a JSON body of the changed properties; with `if_match` (an etag) a concurrent
    // change yields Conflict instead of overwriting it.
    common::Result<Event> patchEvent(const std::string& mailbox, const std::string& event_id,
                                     const std::string& json_patch, const std::string& if_match);

    common::Result<Subscription> createSubscription(const SubscriptionRequest& request);
    common::Result<Subscription> renewSubscription(const std::string& mailbox,
                                                   const std::string& subscription_id,
                                                   common::TimePoint expiration);
    // Answers a reauthorizationRequired lifecycle event without changing the expiry (204).
    common::Status reauthorizeSubscription(const std::string& mailbox,
                                           const std::string& subscription_id);
    // A subscription that is already gone (404) counts as deleted.
    common::Status deleteSubscription(const std::string& mailbox,
                                      const std::string& subscription_id);

    // "{endpoint}/v1.0" and "/users/{mailbox}" with the mailbox percent-encoded.
    std::string baseUrl() const;
    std::string userUrl(const std::string& mailbox) const;

private:
    using Validator = std::function<common::Status(const net::HttpResponse&)>;
    // Sends with budgets, slot, token, 401 renewal and retries; non-2xx become errors.
    // `validate` decodes the body; a Protocol failure there counts as a transient failure.
    common::Result<net::HttpResponse> execute(const std::string& mailbox, net::HttpRequest request,
                                              const Validator& validate);
    net::HttpRequest makeRequest(std::string method, std::string url) const;
    bool isOwnLink(std::string_view link) const;

    GraphClientDeps deps_;
    GraphClientOptions options_;
};

// Percent-encodes one URL path segment (ids, UPNs).
std::string encodePathSegment(std::string_view segment);

}  // namespace calconn::graph
