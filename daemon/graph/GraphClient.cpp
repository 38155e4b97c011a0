#include "graph/GraphClient.h"

#include <Poco/Logger.h>

#include <algorithm>
#include <cctype>
#include <set>

#include "common/Metrics.h"
#include "common/Text.h"
#include "graph/ClientAssertion.h"
#include "graph/Decoders.h"
#include "graph/TimeZones.h"

namespace calconn::graph {

using common::Error;
using common::ErrorCode;
using common::makeError;
using common::Result;
using common::Status;
using common::TimePoint;

namespace {

Poco::Logger& logger() { return Poco::Logger::get("calconn.graph"); }

void describeMetrics() {
    auto& m = common::metrics();
    m.describe("calconn_graph_requests_total", common::MetricType::Counter,
               "Graph requests sent (each retry counts), by HTTP status, or \"error\" when no "
               "answer came (reset, timeout, TLS)");
    m.describe("calconn_graph_throttle_waits_total", common::MetricType::Counter,
               "waits before a Graph request imposed by throttling: calconn's own request "
               "budget, or Graph's 429/503 with or without Retry-After");
    m.describe("calconn_graph_throttle_wait_seconds_total", common::MetricType::Counter,
               "time spent in those waits");
}

void countThrottleWait(std::chrono::milliseconds wait) {
    auto& m = common::metrics();
    m.add("calconn_graph_throttle_waits_total");
    m.add("calconn_graph_throttle_wait_seconds_total", {},
          std::chrono::duration<double>(wait).count());
}

}  // namespace

std::string encodePathSegment(std::string_view segment) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(segment.size());
    for (unsigned char c : segment) {
        const bool keep = std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' ||
                          c == '@' || c == '=' || c == '!' || c == '$' || c == '\'' || c == '(' ||
                          c == ')' || c == '*' || c == ',' || c == ';' || c == ':';
        if (keep) {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += kHex[c >> 4];
            out += kHex[c & 15];
        }
    }
    return out;
}

GraphClient::GraphClient(GraphClientDeps deps, GraphClientOptions options)
    : deps_(deps), options_(std::move(options)) {
    describeMetrics();
    while (!options_.graph_endpoint.empty() && options_.graph_endpoint.back() == '/') {
        options_.graph_endpoint.pop_back();
    }
}

std::string GraphClient::baseUrl() const { return options_.graph_endpoint + "/v1.0"; }

std::string GraphClient::userUrl(const std::string& mailbox) const {
    return baseUrl() + "/users/" + encodePathSegment(mailbox);
}

net::HttpRequest GraphClient::makeRequest(std::string method, std::string url) const {
    net::HttpRequest request;
    request.method = std::move(method);
    request.url = std::move(url);
    request.timeout = options_.request_timeout;
    request.headers.add("Accept", "application/json");
    request.headers.add("client-request-id", randomGuid());
    std::string prefer = "outlook.timezone=\"UTC\", outlook.body-content-type=\"" +
                         options_.body_content_type + "\"";
    if (options_.max_page_size > 0) {
        prefer += ", odata.maxpagesize=" + std::to_string(options_.max_page_size);
    }
    if (options_.immutable_ids) prefer += ", IdType=\"ImmutableId\"";
    request.headers.add("Prefer", prefer);
    return request;
}

Result<net::HttpResponse> GraphClient::execute(const std::string& mailbox, net::HttpRequest request,
                                               const Validator& validate) {
    const std::string key = options_.app_key + "|" + common::asciiLower(mailbox);
    const bool retry_safe = net::isRetrySafe(request);
    std::chrono::milliseconds delayed{0};
    bool renewed_token = false;
    int attempts = 0;
    for (;;) {
        if (deps_.cancel != nullptr && deps_.cancel->cancelled()) {
            return makeError(ErrorCode::Cancelled, "graph request cancelled", mailbox);
        }
        // Budgets first (no slot is held while waiting for them), then the mailbox slot.
        auto wait = deps_.mailbox_budget.reserve(key);
        if (deps_.app_budget != nullptr)
            wait = std::max(wait, deps_.app_budget->reserve(options_.app_key));
        if (wait.count() > 0) {
            countThrottleWait(wait);
            if (!deps_.sleeper.sleepFor(wait, deps_.cancel))
                return makeError(ErrorCode::Cancelled, "graph request cancelled", mailbox);
        }
        auto slot =
            deps_.mailbox_slots.acquire(key, deps_.clock.now() + options_.slot_wait, deps_.cancel);
        if (!slot) return slot.error();
        auto token = deps_.tokens.accessToken();
        if (!token) return token.error();
        request.headers.set("Authorization", "Bearer " + *token);
        Result<net::HttpResponse> outcome = deps_.http.send(request);
        slot->release();
        ++attempts;
        common::metrics().add(
            "calconn_graph_requests_total",
            {{"status", outcome.ok() ? std::to_string(outcome->status) : std::string("error")}});

        if (outcome.ok()) {
            const int status = outcome->status;
            if (status == 401 && !renewed_token) {
                const GraphError error = decodeGraphError(status, outcome->body, outcome->headers);
                logger().information("graph rejected the access token, renewing once (code " +
                                     error.code + ")");
                deps_.tokens.invalidate(*token);
                renewed_token = true;
                --attempts;  // the renewal retry is not a failure of the service
                continue;
            }
            if (status >= 200 && status < 300) {
                Status valid = validate ? validate(*outcome) : Status{};
                if (valid) return outcome;
                if (valid.error().code != ErrorCode::Protocol) return valid.error();
                // A body that does not decode (truncated by a proxy, say) is retried like a
                // broken connection when the request is safe to resend.
                outcome = makeError(ErrorCode::Protocol, valid.error().message,
                                    std::string(net::kPhaseExchange) + " " + request.url);
            }
        }
        const auto decision =
            deps_.retry.decide(attempts, delayed, outcome, retry_safe, deps_.clock.now());
        if (!decision.retry) {
            if (!outcome.ok()) return outcome.error();
            const GraphError error =
                decodeGraphError(outcome->status, outcome->body, outcome->headers);
            if (outcome->status >= 500 || outcome->status == 429) {
                logger().warning("graph request failed after " + std::to_string(attempts) +
                                 " attempts: " + std::to_string(outcome->status) + " " +
                                 error.code + " request-id=" + error.request_id);
            }
            return toError(error);
        }
        logger().debug("retrying graph request in " + std::to_string(decision.delay.count()) +
                       " ms: " + decision.reason);
        if (outcome.ok() && (outcome->status == 429 || outcome->status == 503))
            countThrottleWait(decision.delay);
        if (!deps_.sleeper.sleepFor(decision.delay, deps_.cancel)) {
            return makeError(ErrorCode::Cancelled, "graph request cancelled", mailbox);
        }
        delayed += decision.delay;
    }
}

bool GraphClient::isOwnLink(std::string_view link) const {
    // Links come from Graph's answers; sending our bearer token to any other host would leak
    // it, so only links under the configured endpoint are followed.
    const std::string& base = options_.graph_endpoint;
    return link.size() > base.size() && net::equalsIgnoreCase(link.substr(0, base.size()), base) &&
           link[base.size()] == '/';
}

Result<DeltaRoundResult> GraphClient::deltaRound(const DeltaRoundRequest& request,
                                                 const PageHandler& on_page) {
    std::string url;
    if (!request.resume_link.empty()) {
        url = request.resume_link;  // opaque: sent exactly as Graph gave it
        if (!isOwnLink(url)) {
            return makeError(ErrorCode::InvalidArgument, "saved delta link is not a graph url",
                             request.mailbox);
        }
    } else {
        if (request.window_end <= request.window_start) {
            return makeError(ErrorCode::InvalidArgument, "delta window is empty", request.mailbox);
        }
        url = userUrl(request.mailbox);
        if (!request.calendar_id.empty())
            url += "/calendars/" + encodePathSegment(request.calendar_id);
        url += "/calendarView/delta?startDateTime=" + formatIsoUtc(request.window_start) +
               "&endDateTime=" + formatIsoUtc(request.window_end);
    }
    DeltaRoundResult result;
    std::set<std::string> seen_links;
    seen_links.insert(url);
    for (;;) {
        if (result.pages >= options_.max_pages_per_round) {
            return makeError(ErrorCode::Protocol, "delta round exceeded the page limit",
                             request.mailbox);
        }
        DeltaPage page;
        auto response = execute(request.mailbox, makeRequest("GET", url),
                                [&](const net::HttpResponse& r) -> Status {
                                    auto decoded = decodeDeltaPage(r.body);
                                    if (!decoded) return decoded.error();
                                    page = std::move(*decoded);
                                    return {};
                                });
        if (!response) return response.error();
        ++result.pages;
        result.entries += page.entries.size();
        const std::string& link = page.next_link.empty() ? page.delta_link : page.next_link;
        if (!isOwnLink(link)) {
            return makeError(ErrorCode::Protocol, "graph answered a link to another host",
                             request.mailbox);
        }
        if (!page.next_link.empty() && !seen_links.insert(page.next_link).second) {
            // Seen in the wild: a nextLink that returns the same page forever.
            return makeError(ErrorCode::Protocol, "delta nextLink did not advance",
                             request.mailbox);
        }
        if (Status handled = on_page(page); !handled) return handled.error();
        if (!page.delta_link.empty()) {
            result.delta_link = std::move(page.delta_link);
            return result;
        }
        url = std::move(page.next_link);
    }
}

Result<Event> GraphClient::getEvent(const std::string& mailbox, const std::string& event_id,
                                    const std::string& query) {
    std::string url = userUrl(mailbox) + "/events/" + encodePathSegment(event_id);
    if (!query.empty()) url += "?" + query;
    Event event;
    auto response = execute(
        mailbox, makeRequest("GET", url),
        [&](const net::HttpResponse& r) -> Status {
            auto decoded = decodeEvent(r.body);
            if (!decoded) return decoded.error();
            event = std::move(*decoded);
            return {};
        });
    if (!response) return response.error();
    return event;
}

Result<Event> GraphClient::getSeriesMaster(const std::string& mailbox,
                                           const std::string& master_id) {
    return getEvent(mailbox, master_id);
}

Result<std::vector<Event>> GraphClient::listInstances(const std::string& mailbox,
                                                      const std::string& master_id, TimePoint start,
                                                      TimePoint end) {
    std::string url = userUrl(mailbox) + "/events/" + encodePathSegment(master_id) +
                      "/instances?startDateTime=" + formatIsoUtc(start) +
                      "&endDateTime=" + formatIsoUtc(end);
    std::vector<Event> events;
    std::set<std::string> seen{url};
    for (int pages = 0; pages < options_.max_pages_per_round; ++pages) {
        EventPage page;
        auto response =
            execute(mailbox, makeRequest("GET", url), [&](const net::HttpResponse& r) -> Status {
                auto decoded = decodeEventPage(r.body);
                if (!decoded) return decoded.error();
                page = std::move(*decoded);
                return {};
            });
        if (!response) return response.error();
        for (auto& e : page.events) events.push_back(std::move(e));
        if (page.next_link.empty()) return events;
        if (!isOwnLink(page.next_link)) {
            return makeError(ErrorCode::Protocol, "graph answered a link to another host", mailbox);
        }
        if (!seen.insert(page.next_link).second) {
            return makeError(ErrorCode::Protocol, "instances nextLink did not advance", mailbox);
        }
        url = std::move(page.next_link);
    }
    return makeError(ErrorCode::Protocol, "instances exceeded the page limit", mailbox);
}

Result<MailboxSettings> GraphClient::getMailboxSettings(const std::string& mailbox) {
    MailboxSettings settings;
    auto response = execute(mailbox, makeRequest("GET", userUrl(mailbox) + "/mailboxSettings"),
                            [&](const net::HttpResponse& r) -> Status {
                                auto decoded = decodeMailboxSettings(r.body);
                                if (!decoded) return decoded.error();
                                settings = std::move(*decoded);
                                return {};
                            });
    if (!response) return response.error();
    return settings;
}

Result<Event> GraphClient::patchEvent(const std::string& mailbox, const std::string& event_id,
                                      const std::string& json_patch, const std::string& if_match) {
    auto request =
        makeRequest("PATCH", userUrl(mailbox) + "/events/" + encodePathSegment(event_id));
    request.headers.add("Content-Type", "application/json");
    if (!if_match.empty()) {
        request.headers.add("If-Match", if_match);
        // Resending a guarded PATCH cannot overwrite a newer change: at worst it yields 412.
        request.retry_safe = true;
    }
    request.body = json_patch;
    Event event;
    auto response = execute(mailbox, std::move(request), [&](const net::HttpResponse& r) -> Status {
        auto decoded = decodeEvent(r.body);
        if (!decoded) return decoded.error();
        event = std::move(*decoded);
        return {};
    });
    if (!response) return response.error();
    return event;
}

Result<Subscription> GraphClient::createSubscription(const SubscriptionRequest& request) {
    if (request.notification_url.empty() || request.client_state.empty() ||
        request.client_state.size() > 128) {
        return makeError(ErrorCode::InvalidArgument,
                         "subscription needs a notification url and a client state of 1-128 chars",
                         request.mailbox);
    }
    auto attempt = [&](TimePoint expiration) -> Result<Subscription> {
        std::string body = "{\"changeType\":\"" + jsonEscape(request.change_type) +
                           "\",\"notificationUrl\":\"" + jsonEscape(request.notification_url) +
                           "\"";
        if (!request.lifecycle_notification_url.empty()) {
            body += ",\"lifecycleNotificationUrl\":\"" +
                    jsonEscape(request.lifecycle_notification_url) + "\"";
        }
        body += ",\"resource\":\"users/" + jsonEscape(encodePathSegment(request.mailbox)) +
                "/events\",\"expirationDateTime\":\"" + formatIsoUtc(expiration) +
                "\",\"clientState\":\"" + jsonEscape(request.client_state) +
                "\",\"latestSupportedTlsVersion\":\"v1_2\"}";
        auto http = makeRequest("POST", baseUrl() + "/subscriptions");
        http.headers.add("Content-Type", "application/json");
        http.body = std::move(body);
        Subscription subscription;
        auto response =
            execute(request.mailbox, std::move(http), [&](const net::HttpResponse& r) -> Status {
                auto decoded = decodeSubscription(r.body);
                if (!decoded) return decoded.error();
                subscription = std::move(*decoded);
                return {};
            });
        if (!response) return response.error();
        return subscription;
    };
    auto created = attempt(request.expiration);
    // Older tenants cap Outlook subscriptions at 4230 minutes and answer 400 ExtensionError
    // above it (graph.md §8): ask once more within that limit.
    constexpr auto kLegacyMaximum = std::chrono::minutes(4230 - 10);
    const auto legacy = deps_.clock.now() + kLegacyMaximum;
    if (!created && errorKindOf(created.error()) == GraphErrorKind::BadRequest &&
        net::equalsIgnoreCase(graphCodeOf(created.error()), "ExtensionError") &&
        request.expiration > legacy) {
        logger().information("subscription expiry refused, retrying with the legacy maximum");
        created = attempt(legacy);
    }
    return created;
}

Result<Subscription> GraphClient::renewSubscription(const std::string& mailbox,
                                                    const std::string& subscription_id,
                                                    TimePoint expiration) {
    auto http =
        makeRequest("PATCH", baseUrl() + "/subscriptions/" + encodePathSegment(subscription_id));
    http.headers.add("Content-Type", "application/json");
    http.body = "{\"expirationDateTime\":\"" + formatIsoUtc(expiration) + "\"}";
    http.retry_safe = true;  // setting the same expiry twice is harmless
    Subscription subscription;
    auto response = execute(mailbox, std::move(http), [&](const net::HttpResponse& r) -> Status {
        auto decoded = decodeSubscription(r.body);
        if (!decoded) return decoded.error();
        subscription = std::move(*decoded);
        return {};
    });
    if (!response) return response.error();
    return subscription;
}

Status GraphClient::reauthorizeSubscription(const std::string& mailbox,
                                            const std::string& subscription_id) {
    auto http = makeRequest("POST", baseUrl() + "/subscriptions/" +
                                        encodePathSegment(subscription_id) + "/reauthorize");
    http.retry_safe = true;  // reauthorizing twice is harmless
    auto response = execute(mailbox, std::move(http), {});
    if (!response) return response.error();
    return {};
}

Status GraphClient::deleteSubscription(const std::string& mailbox,
                                       const std::string& subscription_id) {
    auto response = execute(
        mailbox,
        makeRequest("DELETE", baseUrl() + "/subscriptions/" + encodePathSegment(subscription_id)),
        {});
    if (!response && response.error().code == ErrorCode::NotFound) return {};
    if (!response) return response.error();
    return {};
}

}  // namespace calconn::graph
