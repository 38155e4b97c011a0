#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cctype>
#include <filesystem>
#include <set>

#include "api/OpenApi.h"
#include "api/RestApi.h"
#include "common/IsoTime.h"
#include "common/Metrics.h"

namespace calconn::api {
namespace {

using namespace std::chrono_literals;

constexpr const char* kAdmin = "cc_admin-token";
constexpr const char* kAlice = "cc_alice-token";
constexpr const char* kRoom = "cc_room-token";

Poco::JSON::Object::Ptr parse(const std::string& text) {
    return Poco::JSON::Parser().parse(text).extract<Poco::JSON::Object::Ptr>();
}

std::string header(const ApiResponse& response, const std::string& name) {
    for (const auto& [key, value] : response.headers)
        if (key == name) return value;
    return {};
}

std::string lower(std::string text) {
    for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return text;
}

MeetingRecord meeting(const std::string& mailbox, const std::string& id, const char* start) {
    MeetingRecord record;
    record.meeting.mailbox = mailbox;
    record.meeting.id = id;
    record.meeting.subject = "Design review " + id;
    record.meeting.start = *common::parseIsoUtc(start);
    record.meeting.end = record.meeting.start + 1h;
    record.meeting.organizer = {"Bob Builder", "bob@contoso.com"};
    record.meeting.response = core::ResponseType::Accepted;
    record.join = core::JoinTarget{core::JoinService::Webex, "https://acme.webex.com/meet/bob",
                                   "bob@acme.webex.com", "SIP", "webex"};
    return record;
}

class RestApiTest : public ::testing::Test {
protected:
    RestApiTest()
        : dir_(makeDir()),
          tokens_(dir_ + "/api-tokens.yaml"),
          clock_(*common::parseIsoUtc("2026-03-02T09:00:30Z")),
          notifier_(clock_, {}, {}, NotifierSettings{}) {
        const std::vector<TokenEntry> entries{
            {"ops", TokenScope::parse("admin").value(), sha256Hex(kAdmin), std::nullopt},
            {"alice", TokenScope::parse("user:alice@contoso.com").value(), sha256Hex(kAlice),
             std::nullopt},
            {"panel", TokenScope::parse("room:room-4b@contoso.com").value(), sha256Hex(kRoom),
             std::nullopt},
        };
        EXPECT_TRUE(writeTokensFile(dir_ + "/api-tokens.yaml", entries).ok());

        calendar_["alice@contoso.com"] = {
            meeting("alice@contoso.com", "a1", "2026-03-02T10:00:00Z"),
            meeting("alice@contoso.com", "a2", "2026-03-03T10:00:00Z")};
        calendar_["bob@contoso.com"] = {meeting("bob@contoso.com", "b1", "2026-03-02T11:00:00Z")};
        auto cancelled = meeting("room-4b@contoso.com", "r-cancelled", "2026-03-02T12:00:00Z");
        cancelled.meeting.is_cancelled = true;
        auto declined = meeting("room-4b@contoso.com", "r-declined", "2026-03-02T13:00:00Z");
        declined.meeting.response = core::ResponseType::Declined;
        auto tentative = meeting("room-4b@contoso.com", "r-tentative", "2026-03-02T14:00:00Z");
        tentative.meeting.response = core::ResponseType::TentativelyAccepted;
        auto secret = meeting("room-4b@contoso.com", "r-private", "2026-03-02T15:00:00Z");
        secret.meeting.sensitivity = core::Sensitivity::Confidential;
        secret.meeting.subject = "Acquisition talks";
        calendar_["room-4b@contoso.com"] = {
            meeting("room-4b@contoso.com", "r1", "2026-03-02T10:00:00Z"), cancelled, declined,
            tentative, secret};
        calendar_["room-5@contoso.com"] = {};
    }
    ~RestApiTest() override { std::filesystem::remove_all(dir_); }

    static std::string makeDir() {
        char dir_template[] = "/tmp/calconn-restapi-XXXXXX";
        return ::mkdtemp(dir_template);
    }

    ApiSources sources() {
        ApiSources s;
        s.meetings = [this](const std::string& mailbox, core::UtcSeconds from,
                            core::UtcSeconds to) -> common::Result<std::vector<MeetingRecord>> {
            std::vector<MeetingRecord> out;
            for (const auto& r : calendar_[lower(mailbox)])
                if (r.meeting.end > from && r.meeting.start < to) out.push_back(r);
            return out;
        };
        s.mailbox_kind = [](const std::string& name) -> std::optional<core::MailboxKind> {
            const std::string mailbox = lower(name);
            if (mailbox == "alice@contoso.com" || mailbox == "bob@contoso.com")
                return core::MailboxKind::User;
            if (mailbox == "room-4b@contoso.com" || mailbox == "room-5@contoso.com")
                return core::MailboxKind::Room;
            return std::nullopt;
        };
        s.devices = [] {
            return std::vector<DeviceRow>{{"room-4b@contoso.com", "roomos https://10.1.2.3", "ok",
                                           core::UtcSeconds(1772442000s), 3, ""}};
        };
        s.status = [] {
            StatusReport report;
            report.version = "1.2.3";
            report.state = "running";
            report.api_url = "https://127.0.0.1:8443";
            return report;
        };
        return s;
    }

    RestApi& api() {
        if (!api_)
            api_ =
                std::make_unique<RestApi>(sources(), tokens_, notifier_, clock_, RestApiSettings{});
        return *api_;
    }

    ApiResponse get(const std::string& path, const std::string& token = {},
                    std::map<std::string, std::string> query = {}) {
        ApiRequest request;
        request.method = "GET";
        request.path = path;
        request.query = std::move(query);
        if (!token.empty()) request.headers["authorization"] = "Bearer " + token;
        return api().handle(request);
    }

    std::string dir_;
    TokenStore tokens_;
    common::FakeClock clock_;
    MeetingNotifier notifier_;
    std::map<std::string, std::vector<MeetingRecord>> calendar_;
    std::unique_ptr<RestApi> api_;
};

const std::vector<std::string> kUserPaths(const std::string& upn) {
    return {"/api/v1/users/" + upn + "/meetings", "/api/v1/users/" + upn + "/presence",
            "/api/v1/users/" + upn + "/notifications"};
}

TEST_F(RestApiTest, WithoutAValidTokenEveryProtectedRouteIs401) {
    std::vector<std::string> paths = kUserPaths("alice@contoso.com");
    paths.insert(paths.end(),
                 {"/api/v1/rooms/room-4b@contoso.com/bookings", "/api/v1/status", "/metrics"});
    for (const std::string& path : paths) {
        const ApiResponse none = get(path);
        EXPECT_EQ(none.status, 401) << path;
        EXPECT_EQ(header(none, "WWW-Authenticate"), "Bearer realm=\"calconn\"") << path;
        EXPECT_EQ(parse(none.body)->getObject("error")->getValue<std::string>("code"),
                  "unauthenticated");

        const ApiResponse wrong = get(path, "cc_not-a-token");
        EXPECT_EQ(wrong.status, 401) << path;
        EXPECT_EQ(header(wrong, "WWW-Authenticate"),
                  "Bearer realm=\"calconn\", error=\"invalid_token\"");
    }
}

TEST_F(RestApiTest, AUserTokenSeesOnlyItsOwnUserAndTheSame403Elsewhere) {
    EXPECT_EQ(get("/api/v1/users/alice@contoso.com/meetings", kAlice).status, 200);
    EXPECT_EQ(get("/api/v1/users/ALICE@contoso.com/meetings", kAlice).status, 200);
    const std::string refused = get("/api/v1/users/bob@contoso.com/meetings", kAlice).body;
    std::vector<std::string> others;
    for (const char* upn : {"bob@contoso.com", "nobody@contoso.com", "room-4b@contoso.com"}) {
        for (const std::string& path : kUserPaths(upn)) others.push_back(path);
    }
    for (const char* room :
         {"room-4b@contoso.com", "room-5@contoso.com", "alice@contoso.com", "nowhere@x.y"})
        others.push_back(std::string("/api/v1/rooms/") + room + "/bookings");
    others.insert(others.end(), {"/api/v1/status", "/metrics"});
    for (const std::string& path : others) {
        const ApiResponse response = get(path, kAlice);
        EXPECT_EQ(response.status, 403) << path;
        EXPECT_EQ(response.body, refused) << "the same answer whether or not " << path << " exists";
    }
}

TEST_F(RestApiTest, ARoomTokenSeesOnlyItsRoom) {
    EXPECT_EQ(get("/api/v1/rooms/room-4b@contoso.com/bookings", kRoom).status, 200);
    EXPECT_EQ(get("/api/v1/rooms/room-5@contoso.com/bookings", kRoom).status, 403);
    EXPECT_EQ(get("/api/v1/users/room-4b@contoso.com/meetings", kRoom).status, 403);
    EXPECT_EQ(get("/api/v1/users/alice@contoso.com/meetings", kRoom).status, 403);
}

TEST_F(RestApiTest, AdminSeesAllAndLearnsWhatDoesNotExist) {
    EXPECT_EQ(get("/api/v1/users/bob@contoso.com/meetings", kAdmin).status, 200);
    EXPECT_EQ(get("/api/v1/rooms/room-5@contoso.com/bookings", kAdmin).status, 200);
    EXPECT_EQ(get("/api/v1/users/nobody@contoso.com/meetings", kAdmin).status, 404);
    EXPECT_EQ(get("/api/v1/users/room-4b@contoso.com/meetings", kAdmin).status, 404)
        << "a room is no user";
    EXPECT_EQ(get("/api/v1/rooms/alice@contoso.com/bookings", kAdmin).status, 404);

    const ApiResponse status = get("/api/v1/status", kAdmin);
    ASSERT_EQ(status.status, 200);
    auto root = parse(status.body);
    EXPECT_EQ(root->getValue<std::string>("version"), "1.2.3");
    EXPECT_EQ(root->getValue<std::string>("api_url"), "https://127.0.0.1:8443");
    auto device = root->getArray("devices")->getObject(0);
    EXPECT_EQ(device->getValue<std::string>("state"), "ok");
    EXPECT_EQ(device->getValue<int>("bookings"), 3);
}

TEST_F(RestApiTest, MeetingsCarryTimesSubjectOrganizerJoinAndResponse) {
    const ApiResponse response = get("/api/v1/users/alice@contoso.com/meetings", kAlice);
    ASSERT_EQ(response.status, 200);
    auto root = parse(response.body);
    EXPECT_EQ(root->getValue<std::string>("mailbox"), "alice@contoso.com");
    EXPECT_EQ(root->getValue<std::string>("from"), "2026-03-02T09:00:00Z") << "the current minute";
    EXPECT_EQ(root->getValue<std::string>("to"), "2026-03-09T09:00:00Z") << "7 days by default";
    auto list = root->getArray("meetings");
    ASSERT_EQ(list->size(), 2u);
    auto first = list->getObject(0);
    EXPECT_EQ(first->getValue<std::string>("id"), "a1");
    EXPECT_EQ(first->getValue<std::string>("start"), "2026-03-02T10:00:00Z");
    EXPECT_EQ(first->getValue<std::string>("end"), "2026-03-02T11:00:00Z");
    EXPECT_EQ(first->getValue<std::string>("subject"), "Design review a1");
    EXPECT_EQ(first->getValue<std::string>("response"), "accepted");
    EXPECT_EQ(first->getObject("organizer")->getValue<std::string>("address"), "bob@contoso.com");
    auto join = first->getObject("join");
    EXPECT_EQ(join->getValue<std::string>("service"), "webex");
    EXPECT_EQ(join->getValue<std::string>("uri"), "https://acme.webex.com/meet/bob");
    EXPECT_EQ(join->getObject("dial")->getValue<std::string>("number"), "bob@acme.webex.com");
    EXPECT_EQ(join->getObject("dial")->getValue<std::string>("protocol"), "SIP");

    const ApiResponse day = get("/api/v1/users/alice@contoso.com/meetings", kAlice,
                                {{"from", "2026-03-03T00:00:00Z"}, {"to", "2026-03-04T00:00:00Z"}});
    ASSERT_EQ(day.status, 200);
    auto only = parse(day.body)->getArray("meetings");
    ASSERT_EQ(only->size(), 1u);
    EXPECT_EQ(only->getObject(0)->getValue<std::string>("id"), "a2");
}

TEST_F(RestApiTest, BadWindowsAre400) {
    const std::string path = "/api/v1/users/alice@contoso.com/meetings";
    const ApiResponse bad_from = get(path, kAlice, {{"from", "yesterday"}});
    EXPECT_EQ(bad_from.status, 400);
    EXPECT_NE(bad_from.body.find("from must be an ISO 8601 time, e.g. 2026-03-02T09:00:00Z"),
              std::string::npos)
        << bad_from.body;
    const ApiResponse bad_to = get(path, kAlice, {{"to", "tomorrow"}});
    EXPECT_EQ(bad_to.status, 400);
    EXPECT_NE(bad_to.body.find("to must be an ISO 8601 time, e.g. 2026-03-09T09:00:00Z"),
              std::string::npos)
        << bad_to.body;
    EXPECT_EQ(get(path, kAlice, {{"from", "2026-03-03T00:00:00Z"}, {"to", "2026-03-03T00:00:00Z"}})
                  .status,
              400);
    EXPECT_EQ(get(path, kAlice, {{"from", "2026-01-01T00:00:00Z"}, {"to", "2026-06-01T00:00:00Z"}})
                  .status,
              400);
}

TEST_F(RestApiTest, BookingsAreWhatTheDevicesShow) {
    const ApiResponse response = get("/api/v1/rooms/room-4b@contoso.com/bookings", kRoom);
    ASSERT_EQ(response.status, 200);
    auto root = parse(response.body);
    EXPECT_EQ(root->getValue<std::string>("to"), "2026-03-05T09:00:00Z") << "devices.horizon 72h";
    auto list = root->getArray("bookings");
    std::vector<std::string> ids;
    for (std::size_t i = 0; i < list->size(); ++i)
        ids.push_back(list->getObject(static_cast<unsigned>(i))->getValue<std::string>("id"));
    EXPECT_EQ(ids, (std::vector<std::string>{"r1", "r-tentative", "r-private"}));
    auto secret = list->getObject(2);
    EXPECT_EQ(secret->getValue<std::string>("subject"), "Private meeting");
    EXPECT_TRUE(secret->getValue<bool>("private"));
    EXPECT_EQ(secret->getObject("organizer")->getValue<std::string>("address"), "");
    EXPECT_EQ(response.body.find("Acquisition"), std::string::npos);
    EXPECT_EQ(list->getObject(1)->getValue<std::string>("response"), "tentativelyAccepted");
}

TEST_F(RestApiTest, ListsRevalidateWithETags) {
    const std::string path = "/api/v1/users/alice@contoso.com/meetings";
    const ApiResponse first = get(path, kAlice);
    const std::string tag = header(first, "ETag");
    ASSERT_FALSE(tag.empty());

    ApiRequest again;
    again.method = "GET";
    again.path = path;
    again.headers["authorization"] = std::string("Bearer ") + kAlice;
    again.headers["if-none-match"] = tag;
    const ApiResponse unchanged = api().handle(again);
    EXPECT_EQ(unchanged.status, 304);
    EXPECT_EQ(unchanged.body, "");

    calendar_["alice@contoso.com"][0].meeting.subject = "Moved";
    const ApiResponse changed = api().handle(again);
    EXPECT_EQ(changed.status, 200);
    EXPECT_NE(header(changed, "ETag"), tag);
}

TEST_F(RestApiTest, PresenceIs503UntilConfiguredThenTheUsersState) {
    EXPECT_EQ(get("/api/v1/users/alice@contoso.com/presence", kAlice).status, 503);
    api_.reset();
    auto s = sources();
    s.presence = [](const std::string& upn) -> std::optional<core::Presence> {
        if (upn != "alice@contoso.com") return std::nullopt;
        return core::Presence{upn, core::PresenceState::OutOfOffice,
                              *common::parseIsoUtc("2026-03-02T10:00:00Z"),
                              *common::parseIsoUtc("2026-03-02T12:00:00Z")};
    };
    api_ = std::make_unique<RestApi>(s, tokens_, notifier_, clock_, RestApiSettings{});
    const ApiResponse response = get("/api/v1/users/alice@contoso.com/presence", kAlice);
    ASSERT_EQ(response.status, 200) << response.body;
    EXPECT_EQ(
        response.body,
        R"({"upn":"alice@contoso.com","state":"out_of_office","from":"2026-03-02T10:00:00Z","until":"2026-03-02T12:00:00Z"})");
    EXPECT_EQ(get("/api/v1/users/bob@contoso.com/presence", kAdmin).status, 404);
}

TEST_F(RestApiTest, NotificationsAnswerWithAnEventStream) {
    const ApiResponse response = get("/api/v1/users/alice@contoso.com/notifications", kAlice);
    ASSERT_EQ(response.status, 200);
    EXPECT_EQ(response.content_type, "text/event-stream");
    ASSERT_TRUE(response.stream);
    EXPECT_NE(response.body.find(": connected"), std::string::npos);
    EXPECT_EQ(notifier_.streamCount(), 1u);
}

TEST_F(RestApiTest, HealthReadinessAndOpenApiNeedNoToken) {
    EXPECT_EQ(get("/healthz").status, 200);
    EXPECT_EQ(get("/readyz").status, 200);
    const ApiResponse openapi = get("/api/v1/openapi.json");
    EXPECT_EQ(openapi.status, 200);
    EXPECT_EQ(parse(openapi.body)->getValue<std::string>("openapi").substr(0, 2), "3.");
}

TEST_F(RestApiTest, MetricsCountRequestsByRouteNotByPath) {
    get("/api/v1/users/alice@contoso.com/meetings", kAlice);
    get("/api/v1/nothing/alice@contoso.com");
    const ApiResponse metrics = get("/metrics", kAdmin);
    ASSERT_EQ(metrics.status, 200);
    EXPECT_EQ(metrics.content_type, "text/plain; version=0.0.4; charset=utf-8");
    EXPECT_NE(
        metrics.body.find(
            "calconn_api_requests_total{route=\"/api/v1/users/{upn}/meetings\",code=\"200\"}"),
        std::string::npos)
        << metrics.body;
    EXPECT_NE(metrics.body.find("route=\"unmatched\",code=\"404\""), std::string::npos);
    EXPECT_EQ(metrics.body.find("alice@contoso.com"), std::string::npos);
}

TEST_F(RestApiTest, GraphNotificationsPassThroughWithoutABearerToken) {
    ApiRequest request;
    request.method = "POST";
    request.path = "/graph/notifications";
    request.query["validationToken"] = "abc";
    EXPECT_EQ(api().handle(request).status, 404) << "not configured";

    api_.reset();
    auto s = sources();
    s.graph_notifications = [](const ApiRequest& r) {
        return ApiResponse{200, "text/plain", r.query.at("validationToken")};
    };
    api_ = std::make_unique<RestApi>(s, tokens_, notifier_, clock_, RestApiSettings{});
    const ApiResponse response = api().handle(request);
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.body, "abc");
}

// Every route the server answers is described, and everything described is answered.
TEST_F(RestApiTest, OpenApiPathsAreExactlyTheRegisteredRoutes) {
    std::set<std::string> documented;
    auto paths = parse(std::string(openApiDocument()))->getObject("paths");
    for (const auto& [path, item] : *paths) {
        auto operations = item.extract<Poco::JSON::Object::Ptr>();
        for (const auto& [method, operation] : *operations) {
            static const std::set<std::string> kMethods{"get",     "put",  "post", "delete",
                                                        "options", "head", "patch"};
            if (!kMethods.count(method)) continue;  // path-level parameters, summary, ...
            std::string upper = method;
            for (char& c : upper)
                c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
            documented.insert(upper + " " + path);
        }
    }
    const std::vector<std::string> routes = api().routes();
    const std::set<std::string> registered(routes.begin(), routes.end());
    EXPECT_EQ(registered.size(), routes.size()) << "a route is registered twice";
    EXPECT_EQ(documented, registered);
}

}  // namespace
}  // namespace calconn::api
