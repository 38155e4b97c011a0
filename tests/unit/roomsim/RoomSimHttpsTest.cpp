// roomsim over HTTPS on 127.0.0.1 port 0, driven by the real HTTP client; time is a FakeClock
// so the 1 request/s Basic limit is tested without sleeping.
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/TemporaryFile.h>
#include <gtest/gtest.h>

#include <memory>

#include "RoomSim.h"
#include "Server.h"
#include "common/Clock.h"
#include "net/PocoHttpClient.h"

namespace calconn::roomsim {
namespace {

using namespace std::chrono_literals;

std::string basic(const std::string& user, const std::string& password) {
    const std::string plain = user + ":" + password;
    static const char* kB64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    int val = 0, bits = -6;
    for (unsigned char c : plain) {
        val = (val << 8) + c;
        bits += 8;
        while (bits >= 0) {
            out += kB64[(val >> bits) & 0x3F];
            bits -= 6;
        }
    }
    if (bits > -6) out += kB64[((val << 8) >> (bits + 8)) & 0x3F];
    while (out.size() % 4) out += '=';
    return "Basic " + out;
}

const std::string kGoodPut =
    R"(<Command><Bookings><Put><body>{"Bookings":[{"Id":"a1","Title":"Design &lt;review&gt; &amp; co","Number":"1@example.com","Protocol":"SIP","MeetingPlatform":"Webex","Organizer":{"Name":"Ada"},"Time":{"StartTime":"2026-03-02T09:00:00Z","Duration":30,"StartTimeBuffer":300}}]}</body></Put></Bookings></Command>)";

class RoomSimHttps : public ::testing::Test {
protected:
    void SetUp() override { start({}); }

    void start(RoomSimOptions options) {
        server_.reset();
        options.users = {{"admin", "secret", "Admin"}, {"viewer", "pw", "User"}};
        sim_ = std::make_unique<RoomSim>(options, clock_);
        ServerConfig config;
        config.cert_file = std::string(CALCONN_FIXTURES_DIR) + "/certs/server.pem";
        config.key_file = std::string(CALCONN_FIXTURES_DIR) + "/certs/server.key";
        server_ = std::make_unique<Server>(*sim_, config);
        ASSERT_TRUE(server_->start().ok());
        net::PocoHttpClientOptions client_options;
        client_options.tls.ca_file = std::string(CALCONN_FIXTURES_DIR) + "/certs/test-ca.pem";
        client_options.read_timeout = 5s;
        auto client = net::PocoHttpClient::create(client_options);
        ASSERT_TRUE(client.ok());
        client_ = std::move(*client);
    }

    net::HttpResponse send(const std::string& method, const std::string& path,
                           const std::string& body = "", net::HttpHeaders headers = {}) {
        net::HttpRequest request;
        request.method = method;
        request.url = server_->baseUrl() + path;
        request.body = body;
        request.headers = std::move(headers);
        auto response = client_->send(request);
        EXPECT_TRUE(response.ok()) << (response.ok() ? "" : response.error().toString());
        return response.ok() ? *response : net::HttpResponse{};
    }

    net::HttpResponse putBasic(const std::string& user, const std::string& password,
                               const std::string& body) {
        return send("POST", "/putxml", body, {{"Authorization", basic(user, password)}});
    }

    common::FakeClock clock_{common::TimePoint{} + std::chrono::hours(24 * 20000)};
    std::unique_ptr<RoomSim> sim_;
    std::unique_ptr<Server> server_;
    std::unique_ptr<net::PocoHttpClient> client_;
};

TEST_F(RoomSimHttps, UnauthenticatedRequestGetsBasicChallenge) {
    auto r = send("POST", "/putxml", kGoodPut);
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(r.headers.get("WWW-Authenticate").value_or(""), "Basic realm=\"RoomOS\"");
    auto wrong = putBasic("admin", "nope", kGoodPut);
    EXPECT_EQ(wrong.status, 401);
}

TEST_F(RoomSimHttps, BasicAdminPutIsStoredAndReadBack) {
    auto r = putBasic("admin", "secret", kGoodPut);
    ASSERT_EQ(r.status, 200);
    EXPECT_NE(r.body.find("<BookingsPutResult status=\"OK\"/>"), std::string::npos) << r.body;
    auto read = send("GET", "/_sim/bookings");
    ASSERT_EQ(read.status, 200);
    Poco::JSON::Parser parser;
    auto root = parser.parse(read.body).extract<Poco::JSON::Object::Ptr>();
    auto list = root->getArray("bookings");
    ASSERT_EQ(list->size(), 1u);
    EXPECT_EQ(list->getObject(0)->getValue<std::string>("Title"), "Design <review> & co");
    EXPECT_EQ(root->getValue<int>("generation"), 1);
}

TEST_F(RoomSimHttps, BasicIsLimitedToOneRequestPerSecondWith503) {
    ASSERT_EQ(putBasic("admin", "secret", kGoodPut).status, 200);
    EXPECT_EQ(putBasic("admin", "secret", kGoodPut).status, 503);
    clock_.advance(999ms);
    EXPECT_EQ(putBasic("admin", "secret", kGoodPut).status, 503);
    clock_.advance(1ms);
    EXPECT_EQ(putBasic("admin", "secret", kGoodPut).status, 200);
    EXPECT_EQ(sim_->counters().rate_limited, 2u);
}

TEST_F(RoomSimHttps, SessionCookieAllowsFastRequestsAndEndClosesIt) {
    auto begin =
        send("POST", "/xmlapi/session/begin", "", {{"Authorization", basic("admin", "secret")}});
    ASSERT_EQ(begin.status, 204);
    const std::string set_cookie = begin.headers.get("Set-Cookie").value_or("");
    ASSERT_EQ(set_cookie.rfind("SessionId=", 0), 0u) << set_cookie;
    const std::string cookie = set_cookie.substr(0, set_cookie.find(';'));
    for (int i = 0; i < 5; ++i) {
        auto r = send("POST", "/putxml", kGoodPut, {{"Cookie", cookie}});
        EXPECT_EQ(r.status, 200);
        EXPECT_NE(r.body.find("status=\"OK\""), std::string::npos);
    }
    EXPECT_EQ(sim_->openSessions(), 1u);
    EXPECT_EQ(send("POST", "/xmlapi/session/end", "", {{"Cookie", cookie}}).status, 204);
    EXPECT_EQ(sim_->openSessions(), 0u);
    EXPECT_EQ(send("POST", "/putxml", kGoodPut, {{"Cookie", cookie}}).status, 401);
}

TEST_F(RoomSimHttps, SessionRequestsBeyondFifteenPerSecondGet503) {
    auto begin =
        send("POST", "/xmlapi/session/begin", "", {{"Authorization", basic("admin", "secret")}});
    const std::string set_cookie = begin.headers.get("Set-Cookie").value_or("");
    const std::string cookie = set_cookie.substr(0, set_cookie.find(';'));
    const std::string list = "<Command><Bookings><List/></Bookings></Command>";
    for (int i = 0; i < 15; ++i)
        ASSERT_EQ(send("POST", "/putxml", list, {{"Cookie", cookie}}).status, 200);
    EXPECT_EQ(send("POST", "/putxml", list, {{"Cookie", cookie}}).status, 503);
    clock_.advance(1s);
    EXPECT_EQ(send("POST", "/putxml", list, {{"Cookie", cookie}}).status, 200);
}

TEST_F(RoomSimHttps, SessionsAreLimitedPerUser) {
    for (int i = 0; i < 20; ++i) {
        ASSERT_EQ(
            send("POST", "/xmlapi/session/begin", "", {{"Authorization", basic("admin", "secret")}})
                .status,
            204);
        clock_.advance(1s);
    }
    EXPECT_EQ(
        send("POST", "/xmlapi/session/begin", "", {{"Authorization", basic("admin", "secret")}})
            .status,
        503);
}

TEST_F(RoomSimHttps, NonAdminCannotPutButCanList) {
    auto r = putBasic("viewer", "pw", kGoodPut);
    ASSERT_EQ(r.status, 200);
    EXPECT_NE(r.body.find("<BookingsPutResult status=\"Error\"><Reason>Permission denied</Reason>"),
              std::string::npos)
        << r.body;
    clock_.advance(1s);
    auto list = putBasic("viewer", "pw", "<Command><Bookings><List/></Bookings></Command>");
    EXPECT_NE(list.body.find("BookingsListResult status=\"OK\""), std::string::npos) << list.body;
    EXPECT_EQ(sim_->bookingCount(), 0u);
}

TEST_F(RoomSimHttps, ValidationErrorsAnswerAsTheDevice) {
    const std::string bad =
        R"(<Command><Bookings><Put><body>{"Bookings":[{"Id":"a1","Title":"x","Number":"n","Protocol":"SIP","Organizer":{"Name":"A"},"Time":{"StartTime":"2026-03-02T10:00:00+01:00","Duration":30}}]}</body></Put></Bookings></Command>)";
    auto r = putBasic("admin", "secret", bad);
    ASSERT_EQ(r.status, 200);
    EXPECT_NE(r.body.find("status=\"Error\""), std::string::npos);
    EXPECT_NE(r.body.find("Bookings[0].Time.StartTime"), std::string::npos) << r.body;
    clock_.advance(1s);
    auto malformed = putBasic("admin", "secret", "<Command><Bookings>");
    EXPECT_EQ(malformed.status, 400);
    clock_.advance(1s);
    auto unknown =
        putBasic("admin", "secret", "<Command><Dial><Number>1</Number></Dial></Command>");
    EXPECT_NE(unknown.body.find("<Reason>Unknown command</Reason>"), std::string::npos)
        << unknown.body;
}

TEST_F(RoomSimHttps, ClearEmptiesTheList) {
    ASSERT_EQ(putBasic("admin", "secret", kGoodPut).status, 200);
    clock_.advance(1s);
    auto r = putBasic("admin", "secret", "<Command><Bookings><Clear/></Bookings></Command>");
    EXPECT_NE(r.body.find("BookingsClearResult status=\"OK\""), std::string::npos) << r.body;
    EXPECT_EQ(sim_->bookingCount(), 0u);
}

TEST_F(RoomSimHttps, FaultsAnswerStatusOrDropTheConnectionForNRequests) {
    ASSERT_EQ(send("POST", "/_sim/faults", R"({"status":500,"count":1})").status, 200);
    EXPECT_EQ(putBasic("admin", "secret", kGoodPut).status, 500);
    clock_.advance(1s);
    EXPECT_EQ(putBasic("admin", "secret", kGoodPut).status, 200);

    ASSERT_EQ(send("POST", "/_sim/faults", R"({"down":true,"count":2})").status, 200);
    for (int i = 0; i < 2; ++i) {
        net::HttpRequest request;
        request.method = "POST";
        request.url = server_->baseUrl() + "/putxml";
        request.body = kGoodPut;
        auto r = client_->send(request);
        EXPECT_FALSE(r.ok());
    }
    clock_.advance(1s);
    EXPECT_EQ(putBasic("admin", "secret", kGoodPut).status, 200);
    auto counters = send("GET", "/_sim/counters");
    EXPECT_NE(counters.body.find("\"faults_injected\":3"), std::string::npos) << counters.body;
}

TEST_F(RoomSimHttps, LatencyFaultMakesTheClientTimeOut) {
    ASSERT_EQ(send("POST", "/_sim/faults", R"({"latency_ms":400,"count":1})").status, 200);
    net::HttpRequest request;
    request.method = "POST";
    request.url = server_->baseUrl() + "/putxml";
    request.body = kGoodPut;
    request.timeout = 100ms;
    // A fresh client: a pooled session keeps the timeout it was opened with.
    net::PocoHttpClientOptions options;
    options.tls.ca_file = std::string(CALCONN_FIXTURES_DIR) + "/certs/test-ca.pem";
    auto fresh = net::PocoHttpClient::create(options);
    ASSERT_TRUE(fresh.ok());
    auto r = (*fresh)->send(request);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, common::ErrorCode::Timeout) << r.error().toString();
}

TEST_F(RoomSimHttps, LegacyBookingsPutXmlIsStoredLikeBookingsPut) {
    const std::string legacy =
        "<Bookings status=\"OK\"><Booking><Id>7</Id><Title>Legacy &amp; "
        "co</Title><Privacy>Public</Privacy>"
        "<Organizer><FirstName>Ada</FirstName><LastName>Lovelace</LastName><Email>ada@example.com</"
        "Email>"
        "</Organizer><Time><StartTime>2026-03-02T09:00:00Z</StartTime><StartTimeBuffer>300</"
        "StartTimeBuffer>"
        "<EndTime>2026-03-02T09:45:00Z</EndTime><EndTimeBuffer>0</EndTimeBuffer></"
        "Time><DialInfo><Calls><Call>"
        "<Number>1@example.com</Number><Protocol>SIP</Protocol></Call></Calls><ConnectMode>OBTP</"
        "ConnectMode>"
        "</DialInfo></Booking></Bookings>";
    auto r = send("POST", "/bookingsputxml", legacy, {{"Authorization", basic("admin", "secret")}});
    ASSERT_EQ(r.status, 200) << r.body;
    Poco::JSON::Parser parser;
    auto list = parser.parse(sim_->bookingsJson()).extract<Poco::JSON::Array::Ptr>();
    ASSERT_EQ(list->size(), 1u);
    EXPECT_EQ(list->getObject(0)->getValue<std::string>("Title"), "Legacy & co");
    EXPECT_EQ(list->getObject(0)->getObject("Organizer")->getValue<std::string>("Name"),
              "Ada Lovelace");
    EXPECT_EQ(list->getObject(0)->getObject("Time")->getValue<int>("Duration"), 45);
    clock_.advance(1s);
    EXPECT_EQ(
        send("POST", "/bookingsputxml", legacy, {{"Authorization", basic("viewer", "pw")}}).status,
        403);
    clock_.advance(1s);
    std::string bad = legacy;
    bad.replace(bad.find("09:45:00Z"), 9, "08:45:00Z");
    EXPECT_EQ(
        send("POST", "/bookingsputxml", bad, {{"Authorization", basic("admin", "secret")}}).status,
        400);
}

TEST_F(RoomSimHttps, OldFirmwareWithoutSessionsAnswers404) {
    RoomSimOptions options;
    options.session_api = false;
    start(options);
    EXPECT_EQ(
        send("POST", "/xmlapi/session/begin", "", {{"Authorization", basic("admin", "secret")}})
            .status,
        404);
}

TEST_F(RoomSimHttps, SecureSessionIdCookieNameIsConfigurable) {
    RoomSimOptions options;
    options.cookie_name = "SecureSessionId";
    start(options);
    auto begin =
        send("POST", "/xmlapi/session/begin", "", {{"Authorization", basic("admin", "secret")}});
    EXPECT_EQ(begin.headers.get("Set-Cookie").value_or("").rfind("SecureSessionId=", 0), 0u);
}

TEST(RoomSimSelfSigned, GeneratedPairServesHttps) {
    const std::string dir = Poco::TemporaryFile::tempName();
    Poco::TemporaryFile::registerForDeletion(dir);
    auto pair = generateSelfSigned(dir);
    ASSERT_TRUE(pair.ok()) << pair.error().toString();
    common::SystemClock clock;
    RoomSim sim({}, clock);
    Server server(sim, ServerConfig{0, pair->first, pair->second, 2});
    ASSERT_TRUE(server.start().ok());
    net::PocoHttpClientOptions options;
    options.tls.ca_file = pair->first;  // the self-signed certificate is its own anchor
    auto client = net::PocoHttpClient::create(options);
    ASSERT_TRUE(client.ok());
    net::HttpRequest request;
    request.url = server.baseUrl() + "/_sim/counters";
    auto r = (*client)->send(request);
    ASSERT_TRUE(r.ok()) << r.error().toString();
    EXPECT_EQ(r->status, 200);
}

}  // namespace
}  // namespace calconn::roomsim
