// webexsim's API handled directly (no transport) plus one HTTPS round trip through the server.
#include <gtest/gtest.h>

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <chrono>

#include "Server.h"
#include "WebexSim.h"
#include "net/PocoHttpClient.h"

namespace calconn::webexsim {
namespace {

std::string isoIn(std::chrono::minutes from_now) {
    auto t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now() + from_now);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buffer[32];
    std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buffer;
}

Poco::JSON::Object::Ptr parse(const std::string& json) {
    Poco::JSON::Parser parser;
    return parser.parse(json).extract<Poco::JSON::Object::Ptr>();
}

SimRequest api(std::string method, std::string path, std::string body = {},
               std::string token = "webexsim-token") {
    SimRequest r;
    r.method = std::move(method);
    r.path = std::move(path);
    r.body = std::move(body);
    if (!token.empty()) r.headers["authorization"] = "Bearer " + token;
    return r;
}

std::string meetingBody(const std::string& title, int start_min, int end_min) {
    Poco::JSON::Object o;
    if (!title.empty()) o.set("title", title);
    o.set("start", isoIn(std::chrono::minutes(start_min)));
    o.set("end", isoIn(std::chrono::minutes(end_min)));
    o.set("timezone", "Europe/Berlin");
    std::ostringstream out;
    o.stringify(out);
    return out.str();
}

void expectWebexError(const SimResponse& r, int status) {
    EXPECT_EQ(r.status, status);
    auto o = parse(r.body);
    EXPECT_TRUE(o->has("message"));
    ASSERT_TRUE(o->getArray("errors"));
    EXPECT_TRUE(o->getArray("errors")->getObject(0)->has("description"));
    EXPECT_EQ(o->getValue<std::string>("trackingId").rfind("WEBEXSIM_", 0), 0u);
}

TEST(WebexSim, CreatesMeetingsWithTheDocumentedFields) {
    WebexSimulator sim({});
    auto r = sim.handle(api("POST", "/v1/meetings", meetingBody("Weekly sync", 60, 90)));
    ASSERT_EQ(r.status, 200) << r.body;
    auto m = parse(r.body);
    std::string id = m->getValue<std::string>("id");
    std::string number = m->getValue<std::string>("meetingNumber");
    EXPECT_EQ(id.size(), 32u);
    EXPECT_EQ(m->getValue<std::string>("title"), "Weekly sync");
    EXPECT_EQ(m->getValue<std::string>("webLink"), "https://acme.webex.com/acme/j.php?MTID=m" + id);
    EXPECT_EQ(m->getValue<std::string>("sipAddress"), number + "@acme.webex.com");
    EXPECT_EQ(m->getValue<std::string>("siteUrl"), "acme.webex.com");
    EXPECT_EQ(m->getValue<std::string>("timezone"), "Europe/Berlin");
    EXPECT_EQ(m->getValue<std::string>("phoneAndVideoSystemPassword").size(), 8u);
    EXPECT_EQ(m->getValue<std::string>("hostKey").size(), 6u);
    EXPECT_FALSE(m->getValue<std::string>("password").empty());
    EXPECT_EQ(m->getObject("telephony")->getValue<std::string>("accessCode"), number);
    EXPECT_GE(m->getObject("telephony")->getArray("callInNumbers")->size(), 1u);

    auto second = parse(sim.handle(api("POST", "/v1/meetings", meetingBody("Other", 60, 90))).body);
    EXPECT_NE(second->getValue<std::string>("id"), id);
    EXPECT_NE(second->getValue<std::string>("meetingNumber"), number);

    auto got = sim.handle(api("GET", "/v1/meetings/" + id));
    EXPECT_EQ(got.status, 200);
    EXPECT_EQ(got.body, r.body);
    auto list = parse(sim.handle(api("GET", "/v1/meetings")).body);
    EXPECT_EQ(list->getArray("items")->size(), 2u);
    EXPECT_EQ(sim.handle(api("DELETE", "/v1/meetings/" + id)).status, 204);
    expectWebexError(sim.handle(api("GET", "/v1/meetings/" + id)), 404);
    expectWebexError(sim.handle(api("DELETE", "/v1/meetings/" + id)), 404);
    EXPECT_EQ(sim.meetingCount(), 1u);
}

TEST(WebexSim, ValidatesRequiredFieldsAndTimes) {
    WebexSimulator sim({});
    expectWebexError(sim.handle(api("POST", "/v1/meetings", meetingBody("", 60, 90))), 400);
    expectWebexError(sim.handle(api("POST", "/v1/meetings", "{\"title\":\"t\"}")), 400);
    expectWebexError(sim.handle(api("POST", "/v1/meetings", "{\"title\":\"t\",\"start\":\"nope\",\"end\":\"x\"}")), 400);
    expectWebexError(sim.handle(api("POST", "/v1/meetings", "not json")), 400);
    expectWebexError(sim.handle(api("POST", "/v1/meetings", "[]")), 400);
    expectWebexError(sim.handle(api("POST", "/v1/meetings", meetingBody("t", 60, 65))), 400);
    expectWebexError(sim.handle(api("POST", "/v1/meetings", meetingBody("t", 60, 60 + 25 * 60))), 400);
    expectWebexError(sim.handle(api("POST", "/v1/meetings", meetingBody("t", -90, -30))), 400);
    expectWebexError(sim.handle(api("POST", "/v1/meetings", meetingBody(std::string(129, 'x'), 60, 90))), 400);
    EXPECT_EQ(sim.meetingCount(), 0u);

    SimOptions past;
    past.allow_past = true;
    WebexSimulator demo(past);
    EXPECT_EQ(demo.handle(api("POST", "/v1/meetings", meetingBody("t", -90, -30))).status, 200);
}

TEST(WebexSim, RequiresTheBearerToken) {
    WebexSimulator sim({});
    auto none = sim.handle(api("GET", "/v1/meetingPreferences/personalMeetingRoom", "", ""));
    expectWebexError(none, 401);
    EXPECT_NE(parse(none.body)->getValue<std::string>("message").find("valid access token"), std::string::npos);
    expectWebexError(sim.handle(api("GET", "/v1/meetings", "", "wrong")), 401);
    auto basic = api("GET", "/v1/meetings", "", "");
    basic.headers["authorization"] = "Basic d2ViZXhzaW0tdG9rZW4=";
    expectWebexError(sim.handle(basic), 401);
}

TEST(WebexSim, AnswersThePersonalRoom) {
    SimOptions options;
    options.site = "globex";
    options.user_email = "bob.jones@example.com";
    WebexSimulator sim(options);
    auto r = sim.handle(api("GET", "/v1/meetingPreferences/personalMeetingRoom"));
    ASSERT_EQ(r.status, 200);
    auto o = parse(r.body);
    EXPECT_EQ(o->getValue<std::string>("personalMeetingRoomLink"), "https://globex.webex.com/meet/bob.jones");
    EXPECT_EQ(o->getValue<std::string>("sipAddress"), "bob.jones@globex.webex.com");
    auto other = api("GET", "/v1/meetingPreferences/personalMeetingRoom");
    other.query = "userEmail=carol%2Bx%40example.com";
    EXPECT_EQ(parse(sim.handle(other).body)->getValue<std::string>("personalMeetingRoomLink"),
              "https://globex.webex.com/meet/carol+x");
}

TEST(WebexSim, InjectsFaultsForMatchingRequestsOnly) {
    WebexSimulator sim({});
    auto control = api("POST", "/_sim/faults",
                       "{\"status\":429,\"retryAfter\":5,\"count\":2,\"method\":\"POST\",\"path\":\"/v1/meetings\"}", "");
    EXPECT_EQ(sim.handle(control).status, 204);
    EXPECT_EQ(sim.handle(api("GET", "/v1/meetingPreferences/personalMeetingRoom")).status, 200);
    for (int i = 0; i < 2; ++i) {
        auto r = sim.handle(api("POST", "/v1/meetings", meetingBody("t", 60, 90)));
        expectWebexError(r, 429);
        bool retry_after = false;
        for (const auto& [name, value] : r.headers) retry_after |= name == "Retry-After" && value == "5";
        EXPECT_TRUE(retry_after);
    }
    EXPECT_EQ(sim.handle(api("POST", "/v1/meetings", meetingBody("t", 60, 90))).status, 200);
    EXPECT_EQ(sim.handle(api("POST", "/_sim/faults", "{\"status\":200}", "")).status, 400);
    sim.addFault({503, 1, 1, "", ""});
    sim.clearFaults();
    EXPECT_EQ(sim.handle(api("GET", "/v1/meetings")).status, 200);
}

TEST(WebexSim, ControlApiListsAndClearsMeetings) {
    WebexSimulator sim({});
    sim.handle(api("POST", "/v1/meetings", meetingBody("a", 60, 90)));
    auto list = parse(sim.handle(api("GET", "/_sim/meetings", "", "")).body);
    EXPECT_EQ(list->getValue<int>("count"), 1);
    EXPECT_EQ(list->getArray("items")->getObject(0)->getValue<std::string>("title"), "a");
    EXPECT_EQ(sim.handle(api("DELETE", "/_sim/meetings", "", "")).status, 204);
    EXPECT_EQ(sim.meetingCount(), 0u);
    EXPECT_EQ(sim.requestCount("POST", "/v1/meetings"), 1u);
    expectWebexError(sim.handle(api("GET", "/v2/unknown")), 404);
}

TEST(WebexSimServer, ServesOverTlsOnLoopback) {
    WebexSimulator sim({});
    Server server(sim, {std::string(CALCONN_FIXTURES_DIR) + "/certs/server.pem",
                        std::string(CALCONN_FIXTURES_DIR) + "/certs/server.key", 0, 4});
    ASSERT_TRUE(server.start().ok());
    EXPECT_GT(server.port(), 0);
    EXPECT_EQ(server.baseUrl(), "https://127.0.0.1:" + std::to_string(server.port()));
    net::PocoHttpClientOptions options;
    options.tls.ca_file = std::string(CALCONN_FIXTURES_DIR) + "/certs/test-ca.pem";
    auto http = net::PocoHttpClient::create(options);
    ASSERT_TRUE(http.ok());
    net::HttpRequest request;
    request.method = "POST";
    request.url = server.baseUrl() + "/v1/meetings";
    request.headers.set("Authorization", "Bearer webexsim-token");
    request.headers.set("Content-Type", "application/json");
    request.body = meetingBody("over tls", 60, 90);
    auto response = (*http)->send(request);
    ASSERT_TRUE(response.ok()) << response.error().toString();
    EXPECT_EQ(response->status, 200);
    EXPECT_EQ(parse(response->body)->getValue<std::string>("title"), "over tls");
    request.method = "GET";
    request.url = server.baseUrl() + "/_sim/meetings";
    request.body.clear();
    auto listing = (*http)->send(request);
    ASSERT_TRUE(listing.ok());
    EXPECT_EQ(parse(listing->body)->getValue<int>("count"), 1);
    server.stop();
}

TEST(WebexSimServer, FailsCleanlyWithoutItsCertificate) {
    WebexSimulator sim({});
    Server server(sim, {"/nonexistent/cert.pem", "/nonexistent/key.pem", 0, 2});
    EXPECT_FALSE(server.start().ok());
}

}  // namespace
}  // namespace calconn::webexsim
