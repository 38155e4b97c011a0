#include "api/Router.h"

#include <gtest/gtest.h>

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include "api/StatusRoute.h"

namespace calconn::api {
namespace {

ApiRequest get(std::string path) {
    ApiRequest request;
    request.method = "GET";
    request.path = std::move(path);
    return request;
}

TEST(Router, CallsTheHandlerOfTheMatchingRoute) {
    Router router;
    router.add("GET", "/v1/status", [](const ApiRequest&) { return ApiResponse{200, "text/plain", "ok"}; });
    const ApiResponse response = router.dispatch(get("/v1/status"));
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.body, "ok");
}

TEST(Router, CapturesNamedSegments) {
    Router router;
    router.add("POST", "/v1/mailboxes/{upn}/resync", [](const ApiRequest& request) {
        return ApiResponse{202, "text/plain", request.params.at("upn")};
    });
    ApiRequest request = get("/v1/mailboxes/alice@contoso.com/resync");
    request.method = "POST";
    const ApiResponse response = router.dispatch(request);
    EXPECT_EQ(response.status, 202);
    EXPECT_EQ(response.body, "alice@contoso.com");
}

TEST(Router, UnknownPathIs404WithJsonError) {
    Router router;
    router.add("GET", "/v1/status", [](const ApiRequest&) { return ApiResponse{}; });
    const ApiResponse response = router.dispatch(get("/v1/nothing"));
    EXPECT_EQ(response.status, 404);
    Poco::JSON::Parser parser;
    auto root = parser.parse(response.body).extract<Poco::JSON::Object::Ptr>();
    EXPECT_EQ(root->getObject("error")->getValue<std::string>("code"), "not_found");
}

TEST(Router, WrongMethodIs405) {
    Router router;
    router.add("GET", "/v1/status", [](const ApiRequest&) { return ApiResponse{}; });
    ApiRequest request = get("/v1/status");
    request.method = "DELETE";
    EXPECT_EQ(router.dispatch(request).status, 405);
}

TEST(Router, TrailingSlashMatchesTheSameRoute) {
    Router router;
    router.add("GET", "/v1/status", [](const ApiRequest&) { return ApiResponse{}; });
    EXPECT_EQ(router.dispatch(get("/v1/status/")).status, 200);
    EXPECT_EQ(router.dispatch(get("/v1/status/x")).status, 404);
}

TEST(Router, DescribesItsRoutesInOrder) {
    Router router;
    addStatusRoute(router, [] { return StatusReport{}; });
    router.add("GET", "/v1/mailboxes", [](const ApiRequest&) { return ApiResponse{}; });
    EXPECT_EQ(router.describe(), (std::vector<std::string>{"GET /v1/status", "GET /v1/mailboxes"}));
}

TEST(StatusRoute, ServesTheReportAsJson) {
    Router router;
    addStatusRoute(router, [] {
        StatusReport report;
        report.version = "0.1.0";
        report.revision = "abc1234";
        report.uptime_seconds = 42;
        report.config_file = "/etc/calconn/calconnd.yaml";
        report.pid = 123;
        report.state = "running";
        report.components = {"control_socket"};
        return report;
    });
    const ApiResponse response = router.dispatch(get("/v1/status"));
    ASSERT_EQ(response.status, 200);
    Poco::JSON::Parser parser;
    auto root = parser.parse(response.body).extract<Poco::JSON::Object::Ptr>();
    EXPECT_EQ(root->getValue<std::string>("version"), "0.1.0");
    EXPECT_EQ(root->getValue<std::string>("revision"), "abc1234");
    EXPECT_EQ(root->getValue<int>("uptime_seconds"), 42);
    EXPECT_EQ(root->getValue<std::string>("config_file"), "/etc/calconn/calconnd.yaml");
    EXPECT_EQ(root->getValue<int>("pid"), 123);
    EXPECT_EQ(root->getValue<std::string>("state"), "running");
    EXPECT_EQ(root->getArray("components")->getElement<std::string>(0), "control_socket");
    EXPECT_EQ(root->getArray("mailboxes")->size(), 0u);
}

}  // namespace
}  // namespace calconn::api
