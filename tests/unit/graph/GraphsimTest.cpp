// The whole client stack (PocoHttpClient, AppTokenProvider, GraphClient, decoders) against an
// in-process graphsim over real HTTPS on 127.0.0.1, with injected faults.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "Fixtures.h"
#include "Server.h"
#include "Simulator.h"
#include "graph/Decoders.h"
#include "graph/GraphClient.h"
#include "graph/TimeZones.h"
#include "net/PocoHttpClient.h"

namespace calconn::graph {
namespace {

using namespace std::chrono_literals;
using common::ErrorCode;
using testing::certFile;

constexpr const char* kTenant = "72f988bf-86f1-41af-91ab-2d7cd011db47";
constexpr const char* kClientId = "6731de76-14a6-49ae-97bc-6eba6914391e";
constexpr const char* kSecret = "graph-client-test-secret";

std::string readFile(const std::string& path) {
    std::ifstream in(path);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

const common::TimePoint kNow =
    std::chrono::sys_days{std::chrono::year{2026} / 11 / 27} + std::chrono::hours(8);

class GraphsimStack {
public:
    explicit GraphsimStack(bool use_certificate = false, int page_size = 50) {
        graphsim::SimulatorConfig config;
        config.generator.seed = 11;
        config.generator.users = 3;
        config.generator.rooms = 1;
        config.generator.events_per_mailbox = 12;
        config.generator.base_day =
            std::chrono::sys_days{std::chrono::year{2026} / 11 / 27}.time_since_epoch().count();
        config.generator.tenant_id = kTenant;
        config.client_id = kClientId;
        config.client_secret = kSecret;
        config.client_cert_pem = readFile(certFile("app.pem"));
        sim_ = std::make_unique<graphsim::Simulator>(config, clock_);
        graphsim::ServerConfig server_config;
        server_config.cert_file = certFile("server.pem");
        server_config.key_file = certFile("server.key");
        server_config.threads = 8;
        server_ = std::make_unique<graphsim::Server>(*sim_, server_config);
        auto started = server_->start();
        if (!started) throw std::runtime_error(started.error().toString());
        base_ = "https://127.0.0.1:" + std::to_string(server_->port());

        net::PocoHttpClientOptions http_options;
        http_options.tls.ca_file = certFile("test-ca.pem");
        http_options.read_timeout = 10s;
        http_ = std::move(net::PocoHttpClient::create(http_options).value());

        ClientCredential credential;
        credential.client_id = kClientId;
        if (use_certificate) {
            credential.certificate =
                ClientCertificate::load(certFile("app.pem"), certFile("app.key")).value();
        } else {
            credential.secret = std::make_shared<crypto::SecretString>(std::string_view(kSecret));
        }
        tokens_ = std::make_unique<AppTokenProvider>(
            TokenFetchDeps{*http_, clock_, sleeper_, retry_}, IdentityEndpoint{base_, kTenant},
            credential, "https://graph.microsoft.com/.default");
        client_ = std::make_unique<GraphClient>(
            GraphClientDeps{*http_, *tokens_, clock_, sleeper_, retry_, slots_, budget_},
            GraphClientOptions{base_, page_size});
    }

    ~GraphsimStack() { server_->stop(); }

    GraphClient& client() { return *client_; }
    AppTokenProvider& tokens() { return *tokens_; }
    graphsim::Simulator& sim() { return *sim_; }
    std::string mailbox(std::size_t i) const { return sim_->tenant().mailboxes.at(i)->upn; }
    std::size_t mailboxes() const { return sim_->tenant().mailboxes.size(); }
    const net::FakeSleeper& sleeper() const { return sleeper_; }

    common::Result<net::HttpResponse> control(const std::string& method, const std::string& path,
                                              const std::string& body) {
        net::HttpRequest request;
        request.method = method;
        request.url = base_ + path;
        request.body = body;
        request.headers.add("Content-Type", "application/json");
        return http_->send(request);
    }

private:
    common::FakeClock clock_{kNow};
    net::FakeSleeper sleeper_{clock_};
    net::RetryPolicy retry_{{}, std::make_shared<net::SeededJitter>(5)};
    net::ConcurrencyLimiter slots_{4, clock_};
    net::TokenBucketLimiter budget_{{1000.0, 1000.0}, clock_};
    std::unique_ptr<graphsim::Simulator> sim_;
    std::unique_ptr<graphsim::Server> server_;
    std::string base_;
    std::unique_ptr<net::PocoHttpClient> http_;
    std::unique_ptr<AppTokenProvider> tokens_;
    std::unique_ptr<GraphClient> client_;
};

struct RoundOutcome {
    std::map<std::string, Event> events;
    std::set<std::string> removed;
    std::string delta_link;
    common::Status status;
};

RoundOutcome runRound(GraphClient& client, const std::string& mailbox, const std::string& link) {
    RoundOutcome out;
    DeltaRoundRequest request;
    request.mailbox = mailbox;
    request.resume_link = link;
    request.window_start = kNow - 24h;
    request.window_end = kNow + 24h * 30;
    auto result = client.deltaRound(request, [&](const DeltaPage& page) -> common::Status {
        for (const auto& entry : page.entries) {
            if (entry.removed) {
                out.events.erase(entry.event.id);
                out.removed.insert(entry.event.id);
            } else {
                out.events[entry.event.id] = entry.event;
            }
        }
        return {};
    });
    if (result)
        out.delta_link = result->delta_link;
    else
        out.status = result.error();
    return out;
}

TEST(GraphClientAgainstGraphsim, SyncsEveryMailboxAndHydratesBareOccurrences) {
    GraphsimStack stack;
    std::size_t total = 0;
    for (std::size_t i = 0; i < stack.mailboxes(); ++i) {
        auto round = runRound(stack.client(), stack.mailbox(i), "");
        ASSERT_TRUE(round.status.ok())
            << stack.mailbox(i) << ": " << round.status.error().toString();
        ASSERT_FALSE(round.delta_link.empty());
        total += round.events.size();
        for (const auto& [id, event] : round.events) {
            ASSERT_TRUE(event.start && event.end) << id;
            if (!event.bare) continue;
            ASSERT_FALSE(event.series_master_id.empty());
            auto master = stack.client().getSeriesMaster(stack.mailbox(i), event.series_master_id);
            ASSERT_TRUE(master.ok()) << master.error().toString();
            EXPECT_EQ(master->type, EventType::SeriesMaster);
            EXPECT_TRUE(master->recurrence);
        }
        // Nothing changed: the incremental round is empty.
        auto again = runRound(stack.client(), stack.mailbox(i), round.delta_link);
        ASSERT_TRUE(again.status.ok()) << again.status.error().toString();
        EXPECT_TRUE(again.events.empty());
        auto settings = stack.client().getMailboxSettings(stack.mailbox(i));
        ASSERT_TRUE(settings.ok()) << settings.error().toString();
    }
    EXPECT_GT(total, 0u);
    EXPECT_EQ(stack.tokens().fetchCount(), 1u);
}

TEST(GraphClientAgainstGraphsim, GetsTokenWithCertificateAssertion) {
    GraphsimStack stack(true);
    auto token = stack.tokens().accessToken();
    ASSERT_TRUE(token.ok()) << token.error().toString();
    auto round = runRound(stack.client(), stack.mailbox(0), "");
    ASSERT_TRUE(round.status.ok()) << round.status.error().toString();
}

TEST(GraphClientAgainstGraphsim, ConvergesDespiteInjectedFaults) {
    GraphsimStack stack(false, 3);  // small pages: many requests for the faults to hit
    auto clean = runRound(stack.client(), stack.mailbox(0), "");
    ASSERT_TRUE(clean.status.ok()) << clean.status.error().toString();
    for (
        const char* fault : {
            R"({"pattern":"calendarView/delta","probability":0.2,"status":429,"retryAfter":"fractional"})",
            R"({"pattern":"calendarView/delta","probability":0.1,"status":429,"retryAfter":"absent"})",
            R"({"pattern":"calendarView/delta","probability":0.1,"status":503})",
            R"({"pattern":"calendarView/delta","probability":0.1,"reset":true})",
            R"({"pattern":"calendarView/delta","probability":0.1,"truncate":true})",
        }) {
        auto added = stack.control("POST", "/_sim/faults", fault);
        ASSERT_TRUE(added.ok() && added->status == 200) << fault;
    }
    for (int repeat = 0; repeat < 3; ++repeat) {
        auto faulty = runRound(stack.client(), stack.mailbox(0), "");
        ASSERT_TRUE(faulty.status.ok()) << faulty.status.error().toString();
        ASSERT_EQ(faulty.events.size(), clean.events.size());
        for (const auto& [id, event] : clean.events) {
            ASSERT_TRUE(faulty.events.count(id)) << id;
            EXPECT_EQ(faulty.events.at(id).etag, event.etag);
        }
    }
    EXPECT_GT(stack.sleeper().sleeps().size(), 3u);  // the faults did fire and were retried
}

TEST(GraphClientAgainstGraphsim, ReportsExpiredDeltaTokenAsGone) {
    GraphsimStack stack;
    auto round = runRound(stack.client(), stack.mailbox(1), "");
    ASSERT_TRUE(round.status.ok());
    auto expired =
        stack.control("POST", "/_sim/delta/expire", "{\"mailbox\":\"" + stack.mailbox(1) + "\"}");
    ASSERT_TRUE(expired.ok() && expired->status == 200);
    auto again = runRound(stack.client(), stack.mailbox(1), round.delta_link);
    ASSERT_FALSE(again.status.ok());
    EXPECT_EQ(again.status.error().code, ErrorCode::Gone);
    EXPECT_EQ(errorKindOf(again.status.error()), GraphErrorKind::SyncStateGone);
}

TEST(GraphClientAgainstGraphsim, ReportsMailboxOutsidePolicy) {
    GraphsimStack stack;
    auto scoped =
        stack.control("POST", "/_sim/policy", "{\"mailboxes\":[\"" + stack.mailbox(0) + "\"]}");
    ASSERT_TRUE(scoped.ok() && scoped->status == 200);
    auto denied = runRound(stack.client(), stack.mailbox(1), "");
    ASSERT_FALSE(denied.status.ok());
    EXPECT_EQ(denied.status.error().code, ErrorCode::PermissionDenied);
    EXPECT_EQ(errorKindOf(denied.status.error()), GraphErrorKind::OutOfPolicyScope)
        << denied.status.error().toString();
}

TEST(GraphClientAgainstGraphsim, PatchesGuardedByEtagAndReadsBackTheExtendedProperty) {
    GraphsimStack stack;
    const std::string upn = stack.mailbox(0);
    auto round = runRound(stack.client(), upn, "");
    ASSERT_TRUE(round.status.ok()) << round.status.error().toString();
    std::string id;
    for (const auto& [event_id, event] : round.events) {
        if (event.type == EventType::SingleInstance && event.is_organizer) id = event_id;
    }
    ASSERT_FALSE(id.empty());
    const std::string property_id = "String {6f1c8a52-3f0e-4a8e-9d3c-7b1f0c2a9e41} Name probe";
    const std::string expand =
        "$expand=singleValueExtendedProperties($filter=id%20eq%20'String%20%7B6f1c8a52-3f0e-4a8e-"
        "9d3c-7b1f0c2a9e41%7D%20Name%20probe')";

    auto before = stack.client().getEvent(upn, id, expand);
    ASSERT_TRUE(before.ok()) << before.error().toString();
    EXPECT_TRUE(before->single_value_extended_properties.empty());
    ASSERT_FALSE(before->etag.empty());

    const std::string patch = R"({"singleValueExtendedProperties":[{"id":")" + property_id +
                              R"(","value":"v1"}]})";
    auto patched = stack.client().patchEvent(upn, id, patch, before->etag);
    ASSERT_TRUE(patched.ok()) << patched.error().toString();
    EXPECT_NE(patched->etag, before->etag);

    // The old etag no longer matches: a second writer gets Conflict, not an overwrite.
    auto stale = stack.client().patchEvent(upn, id, patch, before->etag);
    ASSERT_FALSE(stale.ok());
    EXPECT_EQ(stale.error().code, ErrorCode::Conflict);

    auto after = stack.client().getEvent(upn, id, expand);
    ASSERT_TRUE(after.ok());
    ASSERT_EQ(after->single_value_extended_properties.size(), 1u);
    EXPECT_EQ(after->single_value_extended_properties[0].value, "v1");
    // Without the $expand the property stays out of the answer.
    auto plain = stack.client().getEvent(upn, id);
    ASSERT_TRUE(plain.ok());
    EXPECT_TRUE(plain->single_value_extended_properties.empty());
}

}  // namespace
}  // namespace calconn::graph
