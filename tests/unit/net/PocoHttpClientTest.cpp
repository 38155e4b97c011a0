#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <thread>

#include "Eventually.h"
#include "TestServer.h"
#include "net/PocoHttpClient.h"

namespace calconn::net {
namespace {

using test::eventually;

using common::ErrorCode;
using testing::ServeMode;
using testing::TestServer;
using testing::TlsServerFiles;

std::string cert(const std::string& name) {
    return std::string(CALCONN_FIXTURES_DIR) + "/certs/" + name;
}

TlsServerFiles serverFiles(const std::string& stem) {
    return TlsServerFiles{cert(stem + ".pem"), cert(stem + ".key"), {}};
}

std::unique_ptr<PocoHttpClient> makeClient(PocoHttpClientOptions options = {}) {
    if (options.tls.ca_file.empty()) options.tls.ca_file = cert("test-ca.pem");
    options.connect_timeout = std::chrono::milliseconds(2000);
    if (options.read_timeout == std::chrono::milliseconds(60'000)) {
        options.read_timeout = std::chrono::milliseconds(5000);
    }
    auto client = PocoHttpClient::create(options);
    EXPECT_TRUE(client.ok()) << (client.ok() ? "" : client.error().toString());
    return std::move(client.value());
}

HttpRequest get(const std::string& url) {
    HttpRequest request;
    request.url = url;
    return request;
}

// Polls a condition with a deadline instead of sleeping a fixed time.
TEST(PocoHttpClient, GetsOverTlsWithCaseInsensitiveHeaders) {
    auto files = serverFiles("server");
    TestServer server(&files);
    auto client = makeClient();
    auto response = client->send(get(server.url("/v1.0/users/a@b.c/events")));
    ASSERT_TRUE(response.ok()) << response.error().toString();
    EXPECT_EQ(response->status, 200);
    EXPECT_EQ(response->headers.get("x-test-header"), "yes");
    EXPECT_EQ(response->headers.get("CONTENT-TYPE"), "text/plain");
    EXPECT_EQ(response->body, "GET /v1.0/users/a@b.c/events\n");
}

TEST(PocoHttpClient, SendsOpaqueTargetUnchanged) {
    TestServer server;
    auto client = makeClient();
    const std::string target =
        "/v1.0/users/x/calendarView/delta?$deltatoken=R0us%2BmcM%3D%3D&$skiptoken=a~b!c'(d)";
    auto response = client->send(get(server.url(target)));
    ASSERT_TRUE(response.ok()) << response.error().toString();
    EXPECT_EQ(response->body, "GET " + target + "\n");
}

TEST(PocoHttpClient, PostsBody) {
    TestServer server;
    auto client = makeClient();
    HttpRequest request = get(server.url("/token"));
    request.method = "POST";
    request.headers.add("Content-Type", "application/x-www-form-urlencoded");
    request.body = "grant_type=client_credentials";
    auto response = client->send(request);
    ASSERT_TRUE(response.ok()) << response.error().toString();
    EXPECT_EQ(response->body, "POST /token\ngrant_type=client_credentials");
}

TEST(PocoHttpClient, ReusesKeepAliveConnection) {
    auto files = serverFiles("server");
    TestServer server(&files);
    auto client = makeClient();
    for (int i = 0; i < 5; ++i) {
        auto response = client->send(get(server.url("/r" + std::to_string(i))));
        ASSERT_TRUE(response.ok()) << response.error().toString();
    }
    EXPECT_EQ(server.connectionsAccepted(), 1u);
    EXPECT_EQ(client->stats().connections_opened, 1u);
    EXPECT_EQ(client->stats().sessions_reused, 4u);
    EXPECT_EQ(client->idleSessions(), 1u);
}

TEST(PocoHttpClient, ReplacesConnectionThePeerClosed) {
    TestServer server;
    server.setMode(ServeMode::EchoThenClose);
    auto client = makeClient();
    ASSERT_TRUE(client->send(get(server.url("/a"))).ok());
    ASSERT_TRUE(eventually([&] { return server.connectionsAccepted() == 1; }));
    auto second = client->send(get(server.url("/b")));
    ASSERT_TRUE(second.ok()) << second.error().toString();
    EXPECT_EQ(second->body, "GET /b\n");
    EXPECT_EQ(server.connectionsAccepted(), 2u);
}

TEST(PocoHttpClient, BoundsIdleSessionsPerHost) {
    TestServer server;
    server.setMode(ServeMode::Hold);
    PocoHttpClientOptions options;
    options.max_idle_per_host = 2;
    auto client = makeClient(options);
    std::vector<std::future<common::Result<HttpResponse>>> futures;
    for (int i = 0; i < 4; ++i) {
        futures.push_back(
            std::async(std::launch::async, [&] { return client->send(get(server.url("/held"))); }));
    }
    ASSERT_TRUE(eventually([&] { return server.holding() == 4; }));
    server.release();
    for (auto& f : futures) ASSERT_TRUE(f.get().ok());
    EXPECT_EQ(client->idleSessions(), 2u);
    EXPECT_EQ(client->stats().sessions_discarded, 2u);
}

TEST(PocoHttpClient, RejectsServerFromUntrustedCa) {
    auto files = serverFiles("server-other-ca");
    TestServer server(&files);
    auto client = makeClient();
    auto response = client->send(get(server.url("/")));
    ASSERT_FALSE(response.ok());
    EXPECT_EQ(response.error().code, ErrorCode::Crypto) << response.error().toString();
    EXPECT_TRUE(failedBeforeSending(response.error()));
    EXPECT_EQ(server.requestsSeen(), 0u);
}

TEST(PocoHttpClient, RejectsCertificateForAnotherHost) {
    auto files = serverFiles("server-wrong-host");
    TestServer server(&files);
    auto client = makeClient();
    auto response = client->send(get(server.url("/")));
    ASSERT_FALSE(response.ok());
    EXPECT_EQ(response.error().code, ErrorCode::Crypto) << response.error().toString();
    EXPECT_EQ(server.requestsSeen(), 0u);
}

TEST(PocoHttpClient, AcceptsLocalhostName) {
    auto files = serverFiles("server");
    TestServer server(&files);
    auto client = makeClient();
    auto response =
        client->send(get("https://localhost:" + std::to_string(server.port()) + "/name"));
    ASSERT_TRUE(response.ok()) << response.error().toString();
}

TEST(PocoHttpClient, PresentsClientCertificate) {
    TlsServerFiles files{cert("server.pem"), cert("server.key"), cert("test-ca.pem")};
    TestServer server(&files);
    auto without = makeClient()->send(get(server.url("/")));
    EXPECT_FALSE(without.ok());
    PocoHttpClientOptions options;
    options.tls.client_certificate_file = cert("client.pem");
    options.tls.client_private_key_file = cert("client.key");
    auto with = makeClient(options)->send(get(server.url("/mtls")));
    ASSERT_TRUE(with.ok()) << with.error().toString();
    EXPECT_EQ(with->body, "GET /mtls\n");
}

TEST(PocoHttpClient, TimesOutWhenServerDoesNotAnswer) {
    TestServer server;
    server.setMode(ServeMode::Hold);
    auto client = makeClient();
    HttpRequest request = get(server.url("/slow"));
    request.timeout = std::chrono::milliseconds(200);
    auto response = client->send(request);
    ASSERT_FALSE(response.ok());
    EXPECT_EQ(response.error().code, ErrorCode::Timeout) << response.error().toString();
    EXPECT_FALSE(failedBeforeSending(response.error()));
    server.release();
}

TEST(PocoHttpClient, PooledSessionHonoursThisRequestsTimeout) {
    TestServer server;
    auto client = makeClient();  // read timeout 5 s on the first, pooled connection
    ASSERT_TRUE(client->send(get(server.url("/first"))).ok());
    server.setMode(ServeMode::Hold);
    HttpRequest request = get(server.url("/slow"));
    request.timeout = std::chrono::milliseconds(200);
    const auto started = std::chrono::steady_clock::now();
    auto response = client->send(request);
    ASSERT_FALSE(response.ok());
    EXPECT_EQ(response.error().code, ErrorCode::Timeout) << response.error().toString();
    // Far below the pooled session's 5 s: the request's own timeout applied.
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(4));
    server.release();
}

TEST(PocoHttpClient, ReportsResetAsUnavailable) {
    TestServer server;
    server.setMode(ServeMode::Reset);
    auto client = makeClient();
    HttpRequest request = get(server.url("/reset"));
    request.method = "POST";
    auto response = client->send(request);
    ASSERT_FALSE(response.ok());
    EXPECT_EQ(response.error().code, ErrorCode::Unavailable) << response.error().toString();
    EXPECT_FALSE(failedBeforeSending(response.error()));
}

TEST(PocoHttpClient, ReportsCloseWithoutAnswerAsUnavailable) {
    auto files = serverFiles("server");
    TestServer server(&files);
    server.setMode(ServeMode::CloseWithoutAnswer);
    auto response = makeClient()->send(get(server.url("/")));
    ASSERT_FALSE(response.ok());
    EXPECT_EQ(response.error().code, ErrorCode::Unavailable) << response.error().toString();
}

TEST(PocoHttpClient, ReportsTruncatedBodyAsProtocolError) {
    TestServer server;
    server.setMode(ServeMode::Truncate);
    auto response = makeClient()->send(get(server.url("/")));
    ASSERT_FALSE(response.ok());
    EXPECT_EQ(response.error().code, ErrorCode::Protocol) << response.error().toString();
}

TEST(PocoHttpClient, EnforcesBodySizeLimit) {
    TestServer server;
    server.setMode(ServeMode::BigBody);
    PocoHttpClientOptions options;
    options.max_body_bytes = 64 * 1024;
    auto response = makeClient(options)->send(get(server.url("/")));
    ASSERT_FALSE(response.ok());
    EXPECT_EQ(response.error().code, ErrorCode::Protocol);
}

TEST(PocoHttpClient, ReportsRefusedConnectionBeforeSending) {
    std::uint16_t port;
    {
        Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0));
        port = socket.address().port();
    }
    auto response = makeClient()->send(get("http://127.0.0.1:" + std::to_string(port) + "/"));
    ASSERT_FALSE(response.ok());
    EXPECT_EQ(response.error().code, ErrorCode::Unavailable);
    EXPECT_TRUE(failedBeforeSending(response.error()));
}

TEST(PocoHttpClient, FailsToCreateWithMissingCaFile) {
    PocoHttpClientOptions options;
    options.tls.ca_file = cert("does-not-exist.pem");
    auto client = PocoHttpClient::create(options);
    ASSERT_FALSE(client.ok());
    EXPECT_EQ(client.error().code, ErrorCode::Config);
}

TEST(PocoHttpClient, RejectsHeaderInjection) {
    TestServer server;
    HttpRequest request = get(server.url("/"));
    request.headers.add("X-Evil", "a\r\nInjected: 1");
    auto response = makeClient()->send(request);
    ASSERT_FALSE(response.ok());
    EXPECT_EQ(response.error().code, ErrorCode::InvalidArgument);
}

}  // namespace
}  // namespace calconn::net
