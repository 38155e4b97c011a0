#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "Fixtures.h"
#include "common/Metrics.h"
#include "graph/Decoders.h"
#include "graph/GraphClient.h"
#include "graph/TimeZones.h"
#include "net/FakeHttpClient.h"

namespace calconn::graph {
namespace {

using namespace std::chrono_literals;
using common::ErrorCode;
using net::FakeHttpClient;
using testing::fixture;

const common::TimePoint kStart = std::chrono::system_clock::from_time_t(1'800'000'000);
const std::string kBase = "https://graph.example.test/v1.0";

class FakeTokenSource final : public TokenSource {
public:
    common::Result<std::string> accessToken() override {
        std::lock_guard lock(mutex_);
        return "token-" + std::to_string(generation_);
    }
    void invalidate(std::string_view token) override {
        std::lock_guard lock(mutex_);
        if (token == "token-" + std::to_string(generation_)) ++generation_;
        ++invalidations_;
    }
    int invalidations() const { return invalidations_; }

private:
    std::mutex mutex_;
    int generation_ = 1;
    int invalidations_ = 0;
};

struct Harness {
    common::FakeClock clock{kStart};
    net::FakeSleeper sleeper{clock};
    net::RetryPolicy retry{{}, std::make_shared<net::SeededJitter>(3)};
    FakeHttpClient http;
    FakeTokenSource tokens;
    net::ConcurrencyLimiter slots{4, clock};
    net::TokenBucketLimiter mailbox_budget{{}, clock};
    net::TokenBucketLimiter app_budget{{1000.0, 1000.0}, clock};
    GraphClient client{
        GraphClientDeps{http, tokens, clock, sleeper, retry, slots, mailbox_budget, &app_budget},
        GraphClientOptions{"https://graph.example.test/"}};
};

std::string graphFixture(const std::string& name) {
    std::string text = fixture(name);
    const std::string from = "https://graph.microsoft.com/";
    for (auto pos = text.find(from); pos != std::string::npos; pos = text.find(from, pos)) {
        text.replace(pos, from.size(), "https://graph.example.test/");
    }
    return text;
}

std::string deltaPageJson(const std::string& link_kind, const std::string& link,
                          const std::string& id = "AAMk1=") {
    return "{\"" + link_kind + "\":\"" + link + "\",\"value\":[{\"id\":\"" + id +
           "\",\"type\":\"singleInstance\",\"subject\":\"s\",\"start\":{\"dateTime\":\"2026-12-"
           "01T09:00:00.0000000\",\"timeZone\":\"UTC\"},\"end\":{\"dateTime\":\"2026-12-01T10:00:"
           "00.0000000\",\"timeZone\":\"UTC\"}}]}";
}

TEST(GraphClient, RunsInitialDeltaRoundFollowingOpaqueLinks) {
    Harness h;
    const std::string next =
        "https://graph.example.test/v1.0/users/alice@contoso.com/calendarView/"
        "delta?$skiptoken=R0usmci39OQxqJrxK4%2B%2BvQ%3D%3D~x'y(z)";
    h.http.expect("GET",
                  kBase +
                      "/users/alice@contoso.com/calendarView/"
                      "delta?startDateTime=2026-11-30T00:00:00Z&endDateTime=2026-12-31T00:00:00Z",
                  FakeHttpClient::json(200, graphFixture("delta-page-1.json")));
    h.http.expect("GET", next, FakeHttpClient::json(200, graphFixture("delta-page-2.json")));
    std::vector<std::string> resume_points;
    std::size_t entries = 0;
    DeltaRoundRequest request;
    request.mailbox = "alice@contoso.com";
    request.window_start = parseIsoDateTime("2026-11-30T00:00:00Z").value();
    request.window_end = parseIsoDateTime("2026-12-31T00:00:00Z").value();
    auto result = h.client.deltaRound(request, [&](const DeltaPage& page) -> common::Status {
        resume_points.push_back(page.next_link.empty() ? page.delta_link : page.next_link);
        entries += page.entries.size();
        return {};
    });
    ASSERT_TRUE(result.ok()) << result.error().toString();
    EXPECT_TRUE(h.http.mismatches().empty()) << h.http.mismatches().front();
    EXPECT_EQ(result->pages, 2);
    EXPECT_EQ(result->entries, 5u);
    EXPECT_EQ(entries, 5u);
    EXPECT_EQ(result->delta_link,
              "https://graph.example.test/v1.0/users/alice@contoso.com/calendarView/"
              "delta?$deltatoken=R0usmcMDNGg0J1E%3D");
    ASSERT_EQ(resume_points.size(), 2u);
    EXPECT_EQ(resume_points[0], next);

    const auto first = h.http.requests().at(0);
    EXPECT_EQ(first.headers.get("Authorization"), "Bearer token-1");
    const auto prefer = first.headers.get("Prefer").value();
    EXPECT_NE(prefer.find("outlook.timezone=\"UTC\""), std::string::npos);
    EXPECT_NE(prefer.find("odata.maxpagesize=50"), std::string::npos);
    EXPECT_NE(prefer.find("outlook.body-content-type=\"html\""), std::string::npos);
    EXPECT_NE(prefer.find("IdType=\"ImmutableId\""), std::string::npos);
    EXPECT_EQ(first.headers.get("client-request-id")->size(), 36u);
    // Prefer headers are resent on every page.
    EXPECT_EQ(h.http.requests().at(1).headers.get("Prefer"), prefer);
}

TEST(GraphClient, ResumesFromSavedLinkVerbatim) {
    Harness h;
    const std::string link =
        "https://graph.example.test/v1.0/users/bob/calendarView/delta?$deltatoken=a%2Fb%3D";
    h.http.expect("GET", link,
                  FakeHttpClient::json(200, deltaPageJson("@odata.deltaLink", link + "2")));
    DeltaRoundRequest request;
    request.mailbox = "bob";
    request.resume_link = link;
    auto result = h.client.deltaRound(request, [](const DeltaPage&) { return common::Status{}; });
    ASSERT_TRUE(result.ok()) << result.error().toString();
    EXPECT_EQ(result->delta_link, link + "2");
}

TEST(GraphClient, UsesCalendarPathAndEncodesMailbox) {
    Harness h;
    h.http.expect("GET", kBase + "/users/a%20b%2Fc@x/calendars/AAMk%2Fcal=/calendarView/delta*",
                  FakeHttpClient::json(200, deltaPageJson("@odata.deltaLink", kBase + "/d")));
    DeltaRoundRequest request;
    request.mailbox = "a b/c@x";
    request.calendar_id = "AAMk/cal=";
    request.window_start = kStart;
    request.window_end = kStart + 24h;
    auto result = h.client.deltaRound(request, [](const DeltaPage&) { return common::Status{}; });
    ASSERT_TRUE(result.ok()) << result.error().toString();
    EXPECT_TRUE(h.http.mismatches().empty());
}

TEST(GraphClient, RenewsTokenOnceOn401) {
    Harness h;
    const std::string expired =
        R"({"error":{"code":"InvalidAuthenticationToken","message":"Access token has expired or is not yet valid."}})";
    h.http.expect("GET", kBase + "/users/alice/events/E1", FakeHttpClient::json(401, expired));
    h.http.expect("GET", kBase + "/users/alice/events/E1",
                  FakeHttpClient::json(200, R"({"id":"E1","subject":"x"})"));
    auto event = h.client.getEvent("alice", "E1");
    ASSERT_TRUE(event.ok()) << event.error().toString();
    EXPECT_EQ(h.tokens.invalidations(), 1);
    EXPECT_EQ(h.http.requests().at(1).headers.get("Authorization"), "Bearer token-2");

    h.http.expect("GET", kBase + "/users/alice/events/E1", FakeHttpClient::json(401, expired));
    h.http.expect("GET", kBase + "/users/alice/events/E1", FakeHttpClient::json(401, expired));
    auto again = h.client.getEvent("alice", "E1");
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().code, ErrorCode::Unauthenticated);
    EXPECT_EQ(h.tokens.invalidations(), 2);
    EXPECT_EQ(h.http.pending(), 0u);
}

TEST(GraphClient, HonoursRetryAfterOn429) {
    Harness h;
    h.http.expect(
        "GET", kBase + "/users/alice/events/E1",
        FakeHttpClient::json(429, fixture("error-throttled.json"), {{"Retry-After", "2.5"}}));
    h.http.expect(
        "GET", kBase + "/users/alice/events/E1",
        FakeHttpClient::json(
            429,
            R"({"error":{"code":"ApplicationThrottled","message":"Application is over its MailboxConcurrency limit."}})"));
    h.http.expect("GET", kBase + "/users/alice/events/E1",
                  FakeHttpClient::json(200, R"({"id":"E1"})"));
    auto event = h.client.getEvent("alice", "E1");
    ASSERT_TRUE(event.ok()) << event.error().toString();
    const auto sleeps = h.sleeper.sleeps();
    ASSERT_EQ(sleeps.size(), 2u);
    EXPECT_GE(sleeps[0], 2500ms);
    EXPECT_LE(sleeps[0], 2750ms);
    EXPECT_GE(sleeps[1], 500ms);  // no Retry-After: backoff of the second attempt (1 s, jittered)
    EXPECT_LE(sleeps[1], 1000ms);
}

TEST(GraphClient, CountsRequestsByStatusAndThrottleWaitsInTheMetrics) {
    auto& m = common::metrics();
    const double ok = m.value("calconn_graph_requests_total", {{"status", "200"}});
    const double throttled = m.value("calconn_graph_requests_total", {{"status", "429"}});
    const double failed = m.value("calconn_graph_requests_total", {{"status", "error"}});
    const double waits = m.value("calconn_graph_throttle_waits_total");
    const double waited = m.value("calconn_graph_throttle_wait_seconds_total");
    Harness h;
    h.http.expect(
        "GET", kBase + "/users/alice/events/E1",
        FakeHttpClient::json(429, fixture("error-throttled.json"), {{"Retry-After", "2"}}));
    h.http.expect("GET", kBase + "/users/alice/events/E1",
                  common::makeError(ErrorCode::Unavailable, "connection reset"));
    h.http.expect("GET", kBase + "/users/alice/events/E1",
                  FakeHttpClient::json(200, R"({"id":"E1"})"));
    ASSERT_TRUE(h.client.getEvent("alice", "E1").ok());
    EXPECT_EQ(m.value("calconn_graph_requests_total", {{"status", "200"}}), ok + 1);
    EXPECT_EQ(m.value("calconn_graph_requests_total", {{"status", "429"}}), throttled + 1);
    EXPECT_EQ(m.value("calconn_graph_requests_total", {{"status", "error"}}), failed + 1);
    // Only the wait Graph's 429 asked for counts as throttling, not the backoff after a reset.
    EXPECT_EQ(m.value("calconn_graph_throttle_waits_total"), waits + 1);
    EXPECT_GE(m.value("calconn_graph_throttle_wait_seconds_total"), waited + 2.0);
    EXPECT_LE(m.value("calconn_graph_throttle_wait_seconds_total"), waited + 2.3);
    EXPECT_NE(m.render().find("# HELP calconn_graph_requests_total"), std::string::npos);
}

TEST(GraphClient, GivesUpWithThrottledAfterMaxAttempts) {
    Harness h;
    h.http.setHandler([](const net::HttpRequest&) -> common::Result<net::HttpResponse> {
        return FakeHttpClient::json(429, fixture("error-throttled.json"), {{"Retry-After", "1"}});
    });
    auto event = h.client.getEvent("alice", "E1");
    ASSERT_FALSE(event.ok());
    EXPECT_EQ(event.error().code, ErrorCode::Throttled);
    EXPECT_EQ(h.http.requests().size(), 6u);
}

TEST(GraphClient, RetriesSameNextLinkAfter503AndReset) {
    Harness h;
    const std::string next =
        "https://graph.example.test/v1.0/users/alice/calendarView/delta?$skiptoken=P2";
    h.http.expect("GET", kBase + "/users/alice/calendarView/delta*",
                  FakeHttpClient::json(200, deltaPageJson("@odata.nextLink", next, "A")));
    h.http.expect(
        "GET", next,
        FakeHttpClient::json(503, R"({"error":{"code":"ServiceUnavailable","message":""}})"));
    h.http.expect("GET", next,
                  common::makeError(ErrorCode::Unavailable, "connection reset",
                                    "exchange https://graph.example.test:443"));
    h.http.expect(
        "GET", next,
        FakeHttpClient::json(
            200,
            R"({"value":[{"id":"B","@removed":{"reason":"deleted"}}],"@odata.deltaLink":"https://graph.example.test/v1.0/d"})"));
    DeltaRoundRequest request{"alice", "", "", kStart, kStart + 48h};
    int pages = 0;
    auto result = h.client.deltaRound(request, [&](const DeltaPage&) {
        ++pages;
        return common::Status{};
    });
    ASSERT_TRUE(result.ok()) << result.error().toString();
    EXPECT_EQ(pages, 2);
    EXPECT_EQ(h.sleeper.sleeps().size(), 2u);
    EXPECT_TRUE(h.http.mismatches().empty());
}

TEST(GraphClient, RetriesTruncatedBody) {
    Harness h;
    const std::string full = R"({"id":"E1","subject":"complete"})";
    h.http.expect("GET", kBase + "/users/alice/events/E1",
                  FakeHttpClient::json(200, full.substr(0, 12)));
    h.http.expect("GET", kBase + "/users/alice/events/E1", FakeHttpClient::json(200, full));
    auto event = h.client.getEvent("alice", "E1");
    ASSERT_TRUE(event.ok()) << event.error().toString();
    EXPECT_EQ(event->subject, "complete");
}

TEST(GraphClient, ReportsExpiredDeltaTokenAsGone) {
    Harness h;
    h.http.expect("GET", kBase + "/old",
                  FakeHttpClient::json(410, fixture("error-sync-state-not-found.json")));
    DeltaRoundRequest request;
    request.mailbox = "alice";
    request.resume_link = kBase + "/old";
    auto result = h.client.deltaRound(request, [](const DeltaPage&) { return common::Status{}; });
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().code, ErrorCode::Gone);
    EXPECT_EQ(errorKindOf(result.error()), GraphErrorKind::SyncStateGone);
    EXPECT_TRUE(h.sleeper.sleeps().empty());
}

TEST(GraphClient, ReportsPolicyScopeAndDisabledMailbox) {
    Harness h;
    h.http.expect("GET", "*", FakeHttpClient::json(403, fixture("error-raop.json")));
    h.http.expect("GET", "*", FakeHttpClient::json(404, fixture("error-mailbox-not-enabled.json")));
    auto raop = h.client.getMailboxSettings("room@x");
    ASSERT_FALSE(raop.ok());
    EXPECT_EQ(raop.error().code, ErrorCode::PermissionDenied);
    EXPECT_EQ(errorKindOf(raop.error()), GraphErrorKind::OutOfPolicyScope);
    auto disabled = h.client.getMailboxSettings("room@x");
    ASSERT_FALSE(disabled.ok());
    EXPECT_EQ(disabled.error().code, ErrorCode::NotFound);
    EXPECT_EQ(errorKindOf(disabled.error()), GraphErrorKind::MailboxNotEnabled);
}

TEST(GraphClient, DetectsNonAdvancingNextLink) {
    Harness h;
    const std::string next = "https://graph.example.test/v1.0/loop?$skiptoken=same";
    h.http.setHandler([&](const net::HttpRequest&) -> common::Result<net::HttpResponse> {
        return FakeHttpClient::json(200, deltaPageJson("@odata.nextLink", next));
    });
    DeltaRoundRequest request{"alice", "", "", kStart, kStart + 24h};
    auto result = h.client.deltaRound(request, [](const DeltaPage&) { return common::Status{}; });
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().code, ErrorCode::Protocol);
    EXPECT_EQ(h.http.requests().size(), 2u);
}

TEST(GraphClient, RefusesLinksToOtherHosts) {
    Harness h;
    h.http.expect(
        "GET", "*",
        FakeHttpClient::json(200, deltaPageJson("@odata.nextLink", "https://evil.example/v1.0/x")));
    DeltaRoundRequest request{"alice", "", "", kStart, kStart + 24h};
    auto result = h.client.deltaRound(request, [](const DeltaPage&) { return common::Status{}; });
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().code, ErrorCode::Protocol);
    EXPECT_EQ(h.http.requests().size(), 1u);
    DeltaRoundRequest saved;
    saved.mailbox = "alice";
    saved.resume_link = "https://graph.example.test.evil/v1.0/x";
    EXPECT_FALSE(
        h.client.deltaRound(saved, [](const DeltaPage&) { return common::Status{}; }).ok());
    EXPECT_EQ(h.http.requests().size(), 1u);
}

TEST(GraphClient, StopsRoundWhenHandlerFails) {
    Harness h;
    h.http.expect("GET", "*",
                  FakeHttpClient::json(200, deltaPageJson("@odata.nextLink", kBase + "/2")));
    DeltaRoundRequest request{"alice", "", "", kStart, kStart + 24h};
    auto result = h.client.deltaRound(request, [](const DeltaPage&) -> common::Status {
        return common::makeError(ErrorCode::Storage, "disk full");
    });
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().code, ErrorCode::Storage);
    EXPECT_EQ(h.http.requests().size(), 1u);
}

TEST(GraphClient, RejectsEmptyWindow) {
    Harness h;
    DeltaRoundRequest request{"alice", "", "", kStart, kStart};
    auto result = h.client.deltaRound(request, [](const DeltaPage&) { return common::Status{}; });
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().code, ErrorCode::InvalidArgument);
}

TEST(GraphClient, ListsInstancesAcrossPages) {
    Harness h;
    h.http.expect(
        "GET",
        kBase +
            "/users/alice/events/M%2F1=/"
            "instances?startDateTime=2027-01-15T08:00:00Z&endDateTime=2027-01-16T08:00:00Z",
        FakeHttpClient::json(
            200,
            R"({"value":[{"id":"o1","type":"occurrence","subject":"a"}],"@odata.nextLink":"https://graph.example.test/v1.0/p2"})"));
    h.http.expect("GET", kBase + "/p2", FakeHttpClient::json(200, fixture("instances.json")));
    auto events = h.client.listInstances("alice", "M/1=", kStart, kStart + 24h);
    ASSERT_TRUE(events.ok()) << events.error().toString();
    EXPECT_EQ(events->size(), 3u);
    EXPECT_TRUE(h.http.mismatches().empty()) << h.http.mismatches().front();
}

TEST(GraphClient, PatchesWithIfMatchAndMaps412ToConflict) {
    Harness h;
    h.http.expect(
        "PATCH", kBase + "/users/alice/events/E1",
        FakeHttpClient::json(
            412,
            R"({"error":{"code":"ErrorIrresolvableConflict","message":"The change key does not match."}})"));
    auto result = h.client.patchEvent(
        "alice", "E1", R"({"body":{"contentType":"html","content":"x"}})", "W/\"etag1\"");
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().code, ErrorCode::Conflict);
    const auto request = h.http.requests().at(0);
    EXPECT_EQ(request.headers.get("If-Match"), "W/\"etag1\"");
    EXPECT_EQ(request.headers.get("Content-Type"), "application/json");
    EXPECT_EQ(request.body, R"({"body":{"contentType":"html","content":"x"}})");

    h.http.expect("PATCH", kBase + "/users/alice/events/E1",
                  FakeHttpClient::json(200, fixture("event-single.json")));
    auto ok = h.client.patchEvent("alice", "E1", "{}", "W/\"etag2\"");
    ASSERT_TRUE(ok.ok()) << ok.error().toString();
}

TEST(GraphClient, DoesNotResendUnguardedPatchAfterReset) {
    Harness h;
    h.http.expect(
        "PATCH", "*",
        common::makeError(ErrorCode::Unavailable, "connection reset", "exchange https://h:443"));
    auto result = h.client.patchEvent("alice", "E1", "{}", "");
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().code, ErrorCode::Unavailable);
    EXPECT_EQ(h.http.requests().size(), 1u);
}

TEST(GraphClient, ManagesSubscriptions) {
    Harness h;
    h.http.expect("POST", kBase + "/subscriptions",
                  FakeHttpClient::json(201, fixture("subscription.json")));
    SubscriptionRequest request;
    request.mailbox = "alice@contoso.com";
    request.notification_url = "https://calconn.example.com/graph/notifications";
    request.lifecycle_notification_url = "https://calconn.example.com/graph/lifecycle";
    request.client_state = "c1c2c3\"";
    request.expiration = parseIsoDateTime("2026-12-03T11:00:00Z").value();
    auto created = h.client.createSubscription(request);
    ASSERT_TRUE(created.ok()) << created.error().toString();
    EXPECT_EQ(created->id, "7f105c7d-2dc5-4530-97cd-4e7ae6534c07");
    const auto body = h.http.requests().at(0).body;
    EXPECT_EQ(
        body,
        R"({"changeType":"created,updated,deleted","notificationUrl":"https://calconn.example.com/graph/notifications","lifecycleNotificationUrl":"https://calconn.example.com/graph/lifecycle","resource":"users/alice@contoso.com/events","expirationDateTime":"2026-12-03T11:00:00Z","clientState":"c1c2c3\"","latestSupportedTlsVersion":"v1_2"})");

    h.http.expect("PATCH", kBase + "/subscriptions/7f105c7d-2dc5-4530-97cd-4e7ae6534c07",
                  FakeHttpClient::json(200, fixture("subscription.json")));
    auto renewed = h.client.renewSubscription("alice@contoso.com", created->id, request.expiration);
    ASSERT_TRUE(renewed.ok()) << renewed.error().toString();
    EXPECT_EQ(h.http.requests().at(1).body, R"({"expirationDateTime":"2026-12-03T11:00:00Z"})");

    h.http.expect("DELETE", kBase + "/subscriptions/7f105c7d-2dc5-4530-97cd-4e7ae6534c07",
                  FakeHttpClient::json(204, ""));
    h.http.expect(
        "DELETE", "*",
        FakeHttpClient::json(404, R"({"error":{"code":"ResourceNotFound","message":"x"}})"));
    EXPECT_TRUE(h.client.deleteSubscription("alice@contoso.com", created->id).ok());
    EXPECT_TRUE(h.client.deleteSubscription("alice@contoso.com", created->id).ok());

    h.http.expect("POST", kBase + "/subscriptions/7f105c7d-2dc5-4530-97cd-4e7ae6534c07/reauthorize",
                  FakeHttpClient::json(204, ""));
    EXPECT_TRUE(h.client.reauthorizeSubscription("alice@contoso.com", created->id).ok());

    request.client_state = std::string(129, 'x');
    EXPECT_FALSE(h.client.createSubscription(request).ok());
}

TEST(GraphClient, FallsBackToLegacySubscriptionLifetime) {
    Harness h;
    h.http.expect(
        "POST", kBase + "/subscriptions",
        FakeHttpClient::json(
            400,
            R"({"error":{"code":"ExtensionError","message":"Subscription expiration can only be 4230 minutes in the future."}})"));
    h.http.expect("POST", kBase + "/subscriptions",
                  FakeHttpClient::json(201, fixture("subscription.json")));
    SubscriptionRequest request;
    request.mailbox = "alice@contoso.com";
    request.notification_url = "https://calconn.example.com/graph/notifications";
    request.client_state = "state";
    request.expiration = kStart + std::chrono::minutes(10080 - 60);
    auto created = h.client.createSubscription(request);
    ASSERT_TRUE(created.ok()) << created.error().toString();
    const auto second = h.http.requests().at(1).body;
    EXPECT_NE(second.find(formatIsoUtc(kStart + std::chrono::minutes(4220))), std::string::npos)
        << second;
}

TEST(GraphClient, CarriesRetryAfterHintInError) {
    Harness h;
    h.http.setHandler([](const net::HttpRequest&) -> common::Result<net::HttpResponse> {
        return FakeHttpClient::json(429, fixture("error-throttled.json"),
                                    {{"Retry-After", "3600"}});
    });
    auto event = h.client.getEvent("alice", "E1");
    ASSERT_FALSE(event.ok());
    EXPECT_EQ(event.error().code, ErrorCode::Throttled);
    EXPECT_EQ(retryAfterOf(event.error()), std::chrono::milliseconds(3'600'000));
    EXPECT_EQ(graphCodeOf(event.error()), "TooManyRequests");
    EXPECT_EQ(h.http.requests().size(), 1u);  // an hour exceeds the retry budget
}

TEST(GraphClient, NeverExceedsFourRequestsPerMailbox) {
    Harness h;
    std::atomic<int> in_flight{0};
    std::atomic<int> peak{0};
    h.http.setHandler([&](const net::HttpRequest&) -> common::Result<net::HttpResponse> {
        const int now = ++in_flight;
        int seen = peak.load();
        while (now > seen && !peak.compare_exchange_weak(seen, now)) {
        }
        for (int i = 0; i < 2000; ++i) std::this_thread::yield();
        --in_flight;
        return FakeHttpClient::json(200, R"({"id":"E"})");
    });
    net::TokenBucketLimiter generous{{1e9, 1e9}, h.clock};
    GraphClient client(
        GraphClientDeps{h.http, h.tokens, h.clock, h.sleeper, h.retry, h.slots, generous, nullptr},
        GraphClientOptions{"https://graph.example.test"});
    std::vector<std::thread> threads;
    for (int t = 0; t < 12; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 10; ++i)
                EXPECT_TRUE(client.getEvent("Alice@Contoso.com", "E").ok());
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_LE(peak.load(), 4);
    EXPECT_GE(peak.load(), 2);
    EXPECT_EQ(h.http.requests().size(), 120u);
}

TEST(GraphClient, PacesRequestsThroughMailboxBudget) {
    Harness h;
    h.http.setHandler([](const net::HttpRequest&) -> common::Result<net::HttpResponse> {
        return FakeHttpClient::json(200, R"({"id":"E"})");
    });
    for (int i = 0; i < 40; ++i) ASSERT_TRUE(h.client.getEvent("alice", "E").ok());
    // Burst of 30, then 10 more at 15/s: about 667 ms of waiting on the fake clock.
    EXPECT_GE(h.sleeper.total(), 600ms);
    EXPECT_LE(h.sleeper.total(), 700ms);
}

TEST(GraphClient, StopsWhenCancelled) {
    Harness h;
    net::CancelToken cancel;
    cancel.cancel();
    GraphClient client(GraphClientDeps{h.http, h.tokens, h.clock, h.sleeper, h.retry, h.slots,
                                       h.mailbox_budget, nullptr, &cancel});
    auto event = client.getEvent("alice", "E");
    ASSERT_FALSE(event.ok());
    EXPECT_EQ(event.error().code, ErrorCode::Cancelled);
    EXPECT_TRUE(h.http.requests().empty());
}

}  // namespace
}  // namespace calconn::graph
