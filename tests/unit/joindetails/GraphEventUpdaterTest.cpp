// The Graph adapter of the join-details port: the mapping of a Graph event, and the whole path
// (GraphClient, GraphEventUpdater, JoinDetailsService) against an in-process graphsim over
// HTTPS, including a real 412 from a concurrent edit made through graphsim's control API.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "Server.h"
#include "Simulator.h"
#include "TestSupport.h"
#include "graph/Decoders.h"
#include "graph/GraphClient.h"
#include "graph/TokenProvider.h"
#include "joindetails/BodyBlock.h"
#include "joindetails/GraphEventUpdater.h"
#include "joindetails/JoinDetailsModule.h"
#include "joindetails/PersonalRoom.h"
#include "net/PocoHttpClient.h"

namespace calconn::joindetails {
namespace {

using namespace std::chrono_literals;
using testing::countOccurrences;

constexpr const char* kTenant = "72f988bf-86f1-41af-91ab-2d7cd011db47";
constexpr const char* kClientId = "6731de76-14a6-49ae-97bc-6eba6914391e";
constexpr const char* kSecret = "join-details-test-secret";

std::string certFile(const std::string& name) {
    return std::string(CALCONN_FIXTURES_DIR) + "/certs/" + name;
}

TEST(SnapshotFromGraph, MapsWhatThePlannerNeeds) {
    auto event = graph::decodeEvent(R"({
        "@odata.etag": "W/\"DwAAABYAAAA\"", "id": "AAMkAD=", "type": "seriesMaster",
        "subject": "Weekly", "isOrganizer": true, "isCancelled": false,
        "start": {"dateTime": "2030-01-07T09:00:00.0000000", "timeZone": "UTC"},
        "end": {"dateTime": "2030-01-07T09:30:00.0000000", "timeZone": "UTC"},
        "originalStartTimeZone": "Europe/Berlin",
        "location": {"displayName": "Room 1; @webex"},
        "organizer": {"emailAddress": {"name": "Alice", "address": "alice@example.com"}},
        "body": {"contentType": "text", "content": "Agenda"},
        "singleValueExtendedProperties": [
            {"id": "String {6F1C8A52-3F0E-4A8E-9D3C-7B1F0C2A9E41} Name calconn-join-details",
             "value": "v1;action=personal_room;site=acme"}]})");
    ASSERT_TRUE(event.ok()) << event.error().toString();
    const EventSnapshot s = snapshotFromGraph(*event);
    EXPECT_EQ(s.id, "AAMkAD=");
    EXPECT_EQ(s.etag, "W/\"DwAAABYAAAA\"");
    EXPECT_EQ(s.start, "2030-01-07T09:00:00Z");
    EXPECT_EQ(s.end, "2030-01-07T09:30:00Z");
    EXPECT_EQ(s.timezone, "Europe/Berlin");
    EXPECT_EQ(s.organizer_email, "alice@example.com");
    EXPECT_EQ(s.state.location, "Room 1; @webex");
    EXPECT_EQ(s.state.body_type, BodyType::Text);
    EXPECT_EQ(s.state.kind, EventKind::SeriesMaster);
    EXPECT_TRUE(s.state.organizer_is_configured_user);
    ASSERT_TRUE(s.state.property);  // GUID case differs from ours
    EXPECT_EQ(*s.state.property, "v1;action=personal_room;site=acme");
}

TEST(SnapshotFromGraph, WindowsZonesAreLeftOutAndTheEtagFollowsTheChangeKey) {
    auto event = graph::decodeEvent(R"({"id": "x", "changeKey": "Dw==", "isOrganizer": false,
        "originalStartTimeZone": "W. Europe Standard Time"})");
    ASSERT_TRUE(event.ok());
    const EventSnapshot s = snapshotFromGraph(*event);
    EXPECT_EQ(s.etag, "W/\"Dw==\"");
    EXPECT_TRUE(s.timezone.empty());
    EXPECT_FALSE(s.state.organizer_is_configured_user);
    EXPECT_FALSE(s.state.property);
    EXPECT_EQ(s.state.body_type, BodyType::Html);
}

graph::Recurrence recurrence(std::string type, int interval, std::vector<std::string> days,
                             std::string range_type, int count = 0, std::string end = {}) {
    graph::Recurrence r;
    r.pattern.type = std::move(type);
    r.pattern.interval = interval;
    r.pattern.days_of_week = std::move(days);
    r.range.type = std::move(range_type);
    r.range.number_of_occurrences = count;
    r.range.end_date = std::move(end);
    return r;
}

TEST(RecurrenceRule, CoversGraphsPatterns) {
    EXPECT_EQ(recurrenceRule(recurrence("daily", 2, {}, "noEnd")), "FREQ=DAILY;INTERVAL=2");
    EXPECT_EQ(recurrenceRule(recurrence("weekly", 1, {"monday", "Wednesday"}, "numbered", 10)),
              "FREQ=WEEKLY;INTERVAL=1;BYDAY=MO,WE;COUNT=10");
    EXPECT_EQ(recurrenceRule(recurrence("weekly", 1, {"friday"}, "endDate", 0, "2030-06-30")),
              "FREQ=WEEKLY;INTERVAL=1;BYDAY=FR;UNTIL=20300630T235959Z");
    auto monthly = recurrence("absoluteMonthly", 1, {}, "noEnd");
    monthly.pattern.day_of_month = 15;
    EXPECT_EQ(recurrenceRule(monthly), "FREQ=MONTHLY;INTERVAL=1;BYMONTHDAY=15");
    auto last_friday = recurrence("relativeMonthly", 1, {"friday"}, "noEnd");
    last_friday.pattern.index = "last";
    EXPECT_EQ(recurrenceRule(last_friday), "FREQ=MONTHLY;INTERVAL=1;BYDAY=FR;BYSETPOS=-1");
    auto yearly = recurrence("absoluteYearly", 1, {}, "numbered", 3);
    yearly.pattern.month = 12;
    yearly.pattern.day_of_month = 24;
    EXPECT_EQ(recurrenceRule(yearly), "FREQ=YEARLY;INTERVAL=1;BYMONTH=12;BYMONTHDAY=24;COUNT=3");
    // Unknown patterns give no rule rather than a wrong one.
    EXPECT_EQ(recurrenceRule(recurrence("weekly", 1, {"someday"}, "noEnd")), "");
    EXPECT_EQ(recurrenceRule(recurrence("lunar", 1, {}, "noEnd")), "");
}

TEST(SnapshotFromGraph, ASeriesMasterCarriesItsRule) {
    auto event = graph::decodeEvent(R"({"id": "M", "type": "seriesMaster",
        "recurrence": {"pattern": {"type": "weekly", "interval": 1, "daysOfWeek": ["tuesday"]},
                       "range": {"type": "numbered", "numberOfOccurrences": 5}}})");
    ASSERT_TRUE(event.ok()) << event.error().toString();
    EXPECT_EQ(snapshotFromGraph(*event).recurrence, "FREQ=WEEKLY;INTERVAL=1;BYDAY=TU;COUNT=5");
}

class GraphsimCalendar : public ::testing::Test {
protected:
    void SetUp() override {
        graphsim::SimulatorConfig config;
        config.generator.seed = 3;
        config.generator.users = 2;
        config.generator.rooms = 0;
        config.generator.events_per_mailbox = 1;
        config.generator.tenant_id = kTenant;
        config.client_id = kClientId;
        config.client_secret = kSecret;
        sim_ = std::make_unique<graphsim::Simulator>(config, sim_clock_);
        graphsim::ServerConfig server_config;
        server_config.cert_file = certFile("server.pem");
        server_config.key_file = certFile("server.key");
        server_config.threads = 4;
        server_ = std::make_unique<graphsim::Server>(*sim_, server_config);
        ASSERT_TRUE(server_->start().ok());
        base_ = "https://127.0.0.1:" + std::to_string(server_->port());
        upn_ = sim_->tenant().mailboxes.at(0)->upn;

        net::PocoHttpClientOptions http_options;
        http_options.tls.ca_file = certFile("test-ca.pem");
        http_ = std::move(net::PocoHttpClient::create(http_options).value());
        graph::ClientCredential credential;
        credential.client_id = kClientId;
        credential.secret = std::make_shared<crypto::SecretString>(std::string_view(kSecret));
        tokens_ = std::make_unique<graph::AppTokenProvider>(
            graph::TokenFetchDeps{*http_, clock_, sleeper_, retry_},
            graph::IdentityEndpoint{base_, kTenant}, credential,
            "https://graph.microsoft.com/.default");
        client_ = std::make_unique<graph::GraphClient>(
            graph::GraphClientDeps{*http_, *tokens_, clock_, sleeper_, retry_, slots_, budget_},
            graph::GraphClientOptions{base_});
        updater_ = std::make_unique<GraphEventUpdater>(*client_);
    }
    void TearDown() override { server_->stop(); }

    std::string control(const std::string& method, const std::string& path,
                        const std::string& body = {}) {
        net::HttpRequest request;
        request.method = method;
        request.url = base_ + path;
        request.body = body;
        request.headers.add("Content-Type", "application/json");
        auto response = http_->send(request);
        EXPECT_TRUE(response.ok());
        if (!response.ok()) return {};
        EXPECT_LT(response->status, 300) << path << ": " << response->body;
        return response->body;
    }

    std::string createEvent(const std::string& location) {
        const std::string body = control("POST", "/_sim/mailboxes/" + upn_ + "/events", R"({
            "subject": "Q3 planning",
            "start": {"dateTime": "2030-03-04T10:00:00", "timeZone": "UTC"},
            "end": {"dateTime": "2030-03-04T11:00:00", "timeZone": "UTC"},
            "location": {"displayName": ")" + location + R"("},
            "body": {"contentType": "html",
                     "content": "<html><body><p>Budget &amp; headcount</p></body></html>"}})");
        Poco::JSON::Parser parser;
        return parser.parse(body).extract<Poco::JSON::Object::Ptr>()->getValue<std::string>("id");
    }

    common::Result<Outcome> process(const std::string& id, EventUpdater& events) {
        auto snapshot = updater_->readEvent(upn_, id);
        if (!snapshot) return snapshot.error();
        JoinDetailsService service(templates_, events, nullptr, {defaultKeywordRules("acme"), 3, false});
        return service.process(upn_, *snapshot, "fr-FR");
    }

    common::FakeClock sim_clock_{std::chrono::sys_days{std::chrono::year{2030} / 3 / 1}};
    common::FakeClock clock_{std::chrono::sys_days{std::chrono::year{2030} / 3 / 1}};
    net::FakeSleeper sleeper_{clock_};
    net::RetryPolicy retry_{{}, std::make_shared<net::SeededJitter>(5)};
    net::ConcurrencyLimiter slots_{4, clock_};
    net::TokenBucketLimiter budget_{{1000.0, 1000.0}, clock_};
    std::unique_ptr<graphsim::Simulator> sim_;
    std::unique_ptr<graphsim::Server> server_;
    std::string base_;
    std::string upn_;
    std::unique_ptr<net::PocoHttpClient> http_;
    std::unique_ptr<graph::AppTokenProvider> tokens_;
    std::unique_ptr<graph::GraphClient> client_;
    std::unique_ptr<GraphEventUpdater> updater_;
    TemplateStore templates_ = TemplateStore::shipped();
};

TEST_F(GraphsimCalendar, InsertsOnceAndASecondPassIsANoOp) {
    const std::string id = createEvent("@webex");
    auto first = process(id, *updater_);
    ASSERT_TRUE(first.ok()) << first.error().toString();
    EXPECT_EQ(first->action, PlanAction::Insert);
    for (int i = 0; i < 3; ++i) {
        auto again = process(id, *updater_);
        ASSERT_TRUE(again.ok()) << again.error().toString();
        EXPECT_EQ(again->action, PlanAction::Nothing) << again->reason;
    }
    auto event = updater_->readEvent(upn_, id);
    ASSERT_TRUE(event.ok());
    EXPECT_EQ(countOccurrences(event->state.body, std::string(kBlockBeginToken)), 1u);
    EXPECT_NE(event->state.body.find("Rejoindre ma salle personnelle Webex"), std::string::npos)
        << event->state.body;
    EXPECT_NE(event->state.body.find("Budget &amp; headcount"), std::string::npos);
    ASSERT_TRUE(event->state.property);
    EXPECT_EQ(*event->state.property, "v1;action=personal_room;site=acme");
}

// Makes a user's edit through graphsim between our read and our PATCH.
class EditingUpdater : public EventUpdater {
public:
    EditingUpdater(EventUpdater& inner, std::function<void()> edit)
        : inner_(inner), edit_(std::move(edit)) {}
    common::Result<EventSnapshot> readEvent(const std::string& m, const std::string& id) override {
        return inner_.readEvent(m, id);
    }
    common::Result<std::string> patchEvent(const std::string& m, const std::string& id,
                                           const std::string& etag,
                                           const std::string& json) override {
        if (edit_) std::exchange(edit_, nullptr)();
        auto result = inner_.patchEvent(m, id, etag, json);
        if (!result && result.error().code == common::ErrorCode::Conflict) ++conflicts;
        return result;
    }
    int conflicts = 0;

private:
    EventUpdater& inner_;
    std::function<void()> edit_;
};

TEST_F(GraphsimCalendar, AConcurrentEditGets412AndIsKept) {
    const std::string id = createEvent("@webex");
    EditingUpdater editing(*updater_, [&] {
        control("PATCH", "/_sim/mailboxes/" + upn_ + "/events/" + id,
                R"({"body": {"contentType": "html",
                    "content": "<html><body><p>Budget &amp; headcount</p><p>Added by Bob</p></body></html>"}})");
    });
    auto outcome = process(id, editing);
    ASSERT_TRUE(outcome.ok()) << outcome.error().toString();
    EXPECT_EQ(editing.conflicts, 1);
    EXPECT_EQ(outcome->conflicts, 1);
    auto event = updater_->readEvent(upn_, id);
    ASSERT_TRUE(event.ok());
    EXPECT_NE(event->state.body.find("Added by Bob"), std::string::npos);
    EXPECT_EQ(countOccurrences(event->state.body, std::string(kBlockBeginToken)), 1u);
}

TEST_F(GraphsimCalendar, ReadingAMissingEventIsNotFound) {
    auto missing = updater_->readEvent(upn_, "AAMkAGnothere=");
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().code, common::ErrorCode::NotFound);
}

// ---- buildRunnerConfig ------------------------------------------------------------------------

TEST(BuildRunnerConfig, DefaultKeywordsNeedASiteOrAToken) {
    settings::Settings s;
    s.joindetails.template_dir.clear();
    auto off = buildRunnerConfig(s);
    ASSERT_TRUE(off.ok());
    EXPECT_FALSE((*off)->enabled);

    s.webex.site = "acme";
    auto on = buildRunnerConfig(s);
    ASSERT_TRUE(on.ok()) << on.error().toString();
    EXPECT_TRUE((*on)->enabled);
    ASSERT_EQ((*on)->rules.size(), 2u);
    EXPECT_EQ((*on)->rules[0].keyword, "@webex");
    EXPECT_EQ((*on)->rules[0].site, "acme");
    EXPECT_EQ((*on)->rules[1].keyword, "@meet");
    EXPECT_EQ((*on)->rules[1].action, JoinAction::WebexMeeting);
    EXPECT_FALSE((*on)->webex);  // no token: no Webex client
}

TEST(BuildRunnerConfig, ConfiguredKeywordsTakeTheDefaultSite) {
    settings::Settings s;
    s.webex.site = "acme";
    s.keywords.push_back({"@video", "personal_room", "", {}});
    s.keywords.push_back({"@eu", "personal_room", "acme-eu", {}});
    auto config = buildRunnerConfig(s);
    ASSERT_TRUE(config.ok());
    ASSERT_EQ((*config)->rules.size(), 2u);
    EXPECT_EQ((*config)->rules[0].site, "acme");
    EXPECT_EQ((*config)->rules[1].site, "acme-eu");
}

// The runner config for site "acme" with an admin template folder holding one de-DE.html.
auto configWithAdminTemplate(const std::string& de_html) {
    char dir_template[] = "/tmp/calconn-templates-XXXXXX";
    EXPECT_NE(::mkdtemp(dir_template), nullptr);
    const std::string dir = dir_template;
    std::ofstream(dir + "/de-DE.html") << de_html;
    settings::Settings s;
    s.webex.site = "acme";
    s.joindetails.template_dir = dir;
    auto config = buildRunnerConfig(s);
    std::filesystem::remove_all(dir);
    return config;
}

TEST(BuildRunnerConfig, AMalformedAdminTemplateIsAConfigError) {
    auto config = configWithAdminTemplate("<p>{{#join_url}}unclosed</p>");
    ASSERT_FALSE(config.ok());
    EXPECT_EQ(config.error().code, common::ErrorCode::Config);
}

TEST(BuildRunnerConfig, AdminTemplatesReplaceTheShippedOnes) {
    auto config =
        configWithAdminTemplate("<p>Videokonferenz: <a href=\"{{join_url}}\">{{join_url}}</a></p>");
    ASSERT_TRUE(config.ok()) << config.error().toString();
    auto details = personalRoomDetails("acme", "alice@example.com");
    ASSERT_TRUE(details.ok());
    const std::string block = (*config)->templates->render("de-AT", BodyType::Html, *details);
    EXPECT_NE(block.find("Videokonferenz: "), std::string::npos) << block;
    EXPECT_NE((*config)->templates->render("en-US", BodyType::Html, *details).find("Join"),
              std::string::npos);
}

TEST(BuildRunnerConfig, ReadsTheWebexTokenOnlyWhenConfigured) {
    settings::Settings s;
    s.webex.token_file = "/nonexistent/webex.token";
    auto missing = buildRunnerConfig(s);
    ASSERT_FALSE(missing.ok());

    s.webex.token_file = std::string(CALCONN_FIXTURES_DIR) + "/config/secrets/webex.token";
    s.joindetails.template_dir.clear();
    auto config = buildRunnerConfig(s);
    ASSERT_TRUE(config.ok()) << config.error().toString();
    EXPECT_TRUE((*config)->enabled);  // no site, but the token can ask Webex for the room
    EXPECT_TRUE((*config)->webex);
}

}  // namespace
}  // namespace calconn::joindetails
