#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <gtest/gtest.h>

#include <atomic>
#include <istream>

#include "api/HttpsServer.h"
#include "api/ServerSentEvents.h"
#include "net/PocoHttpClient.h"

namespace calconn::api {
namespace {

const std::string kCerts = std::string(CALCONN_FIXTURES_DIR) + "/certs/";

HttpsServerOptions tlsOptions() {
    HttpsServerOptions options;
    options.listen = "127.0.0.1:0";
    options.certificate_file = kCerts + "server.pem";
    options.private_key_file = kCerts + "server.key";
    return options;
}

std::unique_ptr<net::PocoHttpClient> client() {
    net::PocoHttpClientOptions options;
    options.tls.ca_file = kCerts + "test-ca.pem";
    return std::move(net::PocoHttpClient::create(options).value());
}

// Echoes what it saw, so a test can check what reached the handler.
ApiResponse echo(const ApiRequest& request) {
    if (request.path == "/missing") return jsonError(404, common::ErrorCode::NotFound, "no");
    ApiResponse response{
        200, "text/plain",
        request.method + " " + request.path +
            " q=" + (request.query.count("q") ? request.query.at("q") : "") + " auth=" +
            (request.headers.count("authorization") ? request.headers.at("authorization") : "") +
            " body=" + std::to_string(request.body.size())};
    response.headers.emplace_back("ETag", "\"x\"");
    return response;
}

TEST(HttpsServer, ServesOverTls12OrLaterOnAFreePort) {
    auto server = HttpsServer::start(tlsOptions(), echo);
    ASSERT_TRUE(server.ok()) << server.error().toString();
    EXPECT_TRUE((*server)->tls());
    EXPECT_NE((*server)->port(), 0);
    EXPECT_EQ((*server)->url(), "https://127.0.0.1:" + std::to_string((*server)->port()));

    auto http = client();
    net::HttpRequest request;
    request.url = (*server)->url() + "/api/v1/users/alice%40contoso.com/meetings?q=a%20b";
    request.headers.add("Authorization", "Bearer cc_x");
    auto response = http->send(request);
    ASSERT_TRUE(response.ok()) << response.error().toString();
    EXPECT_EQ(response->status, 200);
    EXPECT_EQ(response->body,
              "GET /api/v1/users/alice@contoso.com/meetings q=a b auth=Bearer cc_x body=0");
    EXPECT_EQ(response->headers.get("ETag").value_or(""), "\"x\"");

    request.url = (*server)->url() + "/missing";
    response = http->send(request);
    ASSERT_TRUE(response.ok());
    EXPECT_EQ(response->status, 404);
    EXPECT_EQ(response->reason, "Not Found");
    (*server)->stop();
}

TEST(HttpsServer, CapsRequestBodies) {
    HttpsServerOptions options = tlsOptions();
    options.max_body = 1000;
    auto server = HttpsServer::start(options, echo);
    ASSERT_TRUE(server.ok());
    auto http = client();
    net::HttpRequest request;
    request.method = "POST";
    request.url = (*server)->url() + "/graph/notifications";
    request.body = std::string(1000, 'x');
    auto ok = http->send(request);
    ASSERT_TRUE(ok.ok());
    EXPECT_EQ(ok->status, 200);
    EXPECT_NE(ok->body.find("body=1000"), std::string::npos);
    request.body = std::string(1001, 'x');
    auto refused = http->send(request);
    ASSERT_TRUE(refused.ok());
    EXPECT_EQ(refused->status, 413);
}

TEST(HttpsServer, PlainHttpOnlyOnLoopback) {
    HttpsServerOptions options;
    options.listen = "127.0.0.1:0";
    auto loopback = HttpsServer::start(options, echo);
    ASSERT_TRUE(loopback.ok()) << loopback.error().toString();
    EXPECT_FALSE((*loopback)->tls());
    EXPECT_EQ((*loopback)->url().rfind("http://127.0.0.1:", 0), 0u);
    auto http = client();
    net::HttpRequest request;
    request.url = (*loopback)->url() + "/healthz";
    auto response = http->send(request);
    ASSERT_TRUE(response.ok());
    EXPECT_EQ(response->status, 200);

    options.listen = "0.0.0.0:0";
    auto open = HttpsServer::start(options, echo);
    ASSERT_FALSE(open.ok());
    EXPECT_EQ(open.error().code, common::ErrorCode::Config);
    EXPECT_NE(open.error().message.find("plain HTTP"), std::string::npos);
}

TEST(HttpsServer, ClearErrorsForBadSettings) {
    HttpsServerOptions options = tlsOptions();
    options.private_key_file = kCerts + "other-ca.key";  // not the certificate's key
    auto mismatched = HttpsServer::start(options, echo);
    ASSERT_FALSE(mismatched.ok());
    EXPECT_EQ(mismatched.error().code, common::ErrorCode::Config);

    options = tlsOptions();
    options.listen = "not an address";
    EXPECT_EQ(HttpsServer::start(options, echo).error().code, common::ErrorCode::Config);

    auto first = HttpsServer::start(tlsOptions(), echo);
    ASSERT_TRUE(first.ok());
    options = tlsOptions();
    options.listen = "127.0.0.1:" + std::to_string((*first)->port());
    auto second = HttpsServer::start(options, echo);
    ASSERT_FALSE(second.ok()) << "two servers must not share a port";
    EXPECT_EQ(second.error().code, common::ErrorCode::Io);
}

TEST(HttpsServer, StreamsServerSentEventsUntilTheStreamCloses) {
    auto queue = std::make_shared<FrameQueue>();
    auto server = HttpsServer::start(tlsOptions(), [queue](const ApiRequest&) {
        ApiResponse response{200, "text/event-stream", ": connected\n\n"};
        response.stream = queue;
        return response;
    });
    ASSERT_TRUE(server.ok());

    Poco::Net::Context::Ptr context =
        new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, "", "", kCerts + "test-ca.pem",
                               Poco::Net::Context::VERIFY_RELAXED);
    Poco::Net::HTTPSClientSession session("127.0.0.1", (*server)->port(), context);
    session.setTimeout(Poco::Timespan(10, 0));
    Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_GET, "/events",
                                   Poco::Net::HTTPMessage::HTTP_1_1);
    session.sendRequest(request);
    Poco::Net::HTTPResponse response;
    std::istream& in = session.receiveResponse(response);
    EXPECT_EQ(response.getStatus(), Poco::Net::HTTPResponse::HTTP_OK);
    EXPECT_EQ(response.getContentType(), "text/event-stream");
    std::string line;
    ASSERT_TRUE(std::getline(in, line));
    EXPECT_EQ(line, ": connected");
    ASSERT_TRUE(std::getline(in, line));
    EXPECT_EQ(line, "");

    queue->push(formatSseEvent({"1", "meeting.starting", "{}"}));
    ASSERT_TRUE(std::getline(in, line));
    EXPECT_EQ(line, "id: 1");
    ASSERT_TRUE(std::getline(in, line));
    EXPECT_EQ(line, "event: meeting.starting");
    ASSERT_TRUE(std::getline(in, line));
    EXPECT_EQ(line, "data: {}");

    queue->close();
    std::string rest((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(rest, "\n") << "the stream ends after the last frame";
    (*server)->stop();
}

}  // namespace
}  // namespace calconn::api
