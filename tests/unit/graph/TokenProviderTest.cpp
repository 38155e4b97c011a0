#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <thread>

#include "Fixtures.h"
#include "graph/Decoders.h"
#include "graph/TokenProvider.h"
#include "net/FakeHttpClient.h"

namespace calconn::graph {
namespace {

using namespace std::chrono_literals;
using common::ErrorCode;
using net::FakeHttpClient;
using testing::certFile;
using testing::fixture;

const common::TimePoint kStart = std::chrono::system_clock::from_time_t(1'800'000'000);

std::string tokenJson(const std::string& token, int expires_in = 3600,
                      const std::string& refresh = {}) {
    std::string json = "{\"token_type\":\"Bearer\",\"expires_in\":" + std::to_string(expires_in) +
                       ",\"access_token\":\"" + token + "\"";
    if (!refresh.empty()) json += ",\"refresh_token\":\"" + refresh + "\"";
    return json + "}";
}

std::string formField(const std::string& body, const std::string& name) {
    const std::string key = name + "=";
    std::size_t pos = 0;
    while (pos < body.size()) {
        const auto end = body.find('&', pos);
        const std::string part =
            body.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
        if (part.rfind(key, 0) == 0) return part.substr(key.size());
        if (end == std::string::npos) break;
        pos = end + 1;
    }
    return "<missing>";
}

struct Harness {
    common::FakeClock clock{kStart};
    net::FakeSleeper sleeper{clock};
    net::RetryPolicy retry{{}, std::make_shared<net::SeededJitter>(1)};
    FakeHttpClient http;
    net::CancelToken cancel;
    TokenFetchDeps deps() { return {http, clock, sleeper, retry, &cancel}; }
    IdentityEndpoint endpoint{"https://login.example.test/", "contoso.onmicrosoft.com"};
    const std::string token_url =
        "https://login.example.test/contoso.onmicrosoft.com/oauth2/v2.0/token";

    ClientCredential secretCredential() {
        ClientCredential c;
        c.client_id = "app-id";
        c.secret = std::make_shared<crypto::SecretString>(std::string_view("s3cr&t=+"));
        return c;
    }
};

TEST(AppTokenProvider, PostsClientCredentialsWithSecret) {
    Harness h;
    h.http.expect("POST", h.token_url, FakeHttpClient::json(200, tokenJson("tok-1")));
    AppTokenProvider provider(h.deps(), h.endpoint, h.secretCredential(),
                              "https://graph.microsoft.com/.default");
    auto token = provider.accessToken();
    ASSERT_TRUE(token.ok()) << token.error().toString();
    EXPECT_EQ(*token, "tok-1");
    const auto request = h.http.requests().at(0);
    EXPECT_EQ(request.headers.get("content-type"), "application/x-www-form-urlencoded");
    EXPECT_EQ(formField(request.body, "grant_type"), "client_credentials");
    EXPECT_EQ(formField(request.body, "client_id"), "app-id");
    EXPECT_EQ(formField(request.body, "scope"), "https%3A%2F%2Fgraph.microsoft.com%2F.default");
    EXPECT_EQ(formField(request.body, "client_secret"), "s3cr%26t%3D%2B");
}

TEST(AppTokenProvider, PostsCertificateAssertionForTokenEndpointAudience) {
    Harness h;
    h.http.expect("POST", h.token_url, FakeHttpClient::json(200, tokenJson("tok-1")));
    ClientCredential credential;
    credential.client_id = "app-id";
    credential.certificate =
        ClientCertificate::load(certFile("app.pem"), certFile("app.key")).value();
    AppTokenProvider provider(h.deps(), h.endpoint, credential,
                              "https://graph.microsoft.com/.default");
    ASSERT_TRUE(provider.accessToken().ok());
    const auto body = h.http.requests().at(0).body;
    EXPECT_EQ(formField(body, "client_assertion_type"),
              "urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer");
    EXPECT_EQ(formField(body, "client_secret"), "<missing>");
    const std::string jwt = formField(body, "client_assertion");
    const auto a = jwt.find('.');
    const auto claims = base64UrlDecode(jwt.substr(a + 1, jwt.find('.', a + 1) - a - 1)).value();
    EXPECT_NE(claims.find("\"aud\":\"" + h.token_url + "\""), std::string::npos) << claims;
    EXPECT_NE(claims.find("\"iss\":\"app-id\""), std::string::npos);
}

TEST(AppTokenProvider, CachesAndRenewsAtEightyPercentOfLifetime) {
    Harness h;
    h.http.expect("POST", h.token_url, FakeHttpClient::json(200, tokenJson("tok-1", 3600)));
    h.http.expect("POST", h.token_url, FakeHttpClient::json(200, tokenJson("tok-2", 3600)));
    AppTokenProvider provider(h.deps(), h.endpoint, h.secretCredential(), "scope");
    EXPECT_EQ(provider.accessToken().value(), "tok-1");
    EXPECT_EQ(provider.refreshAt(), kStart + 48min);
    h.clock.advance(47min);
    EXPECT_EQ(provider.accessToken().value(), "tok-1");
    EXPECT_EQ(h.http.requests().size(), 1u);
    h.clock.advance(2min);
    EXPECT_EQ(provider.accessToken().value(), "tok-2");
    EXPECT_EQ(h.http.requests().size(), 2u);
}

TEST(AppTokenProvider, RenewsShortLivedTokensBeforeMargin) {
    Harness h;
    h.http.expect("POST", h.token_url, FakeHttpClient::json(200, tokenJson("tok-1", 600)));
    AppTokenProvider provider(h.deps(), h.endpoint, h.secretCredential(), "scope");
    ASSERT_TRUE(provider.accessToken().ok());
    EXPECT_EQ(provider.refreshAt(), kStart + 5min);  // 600 s - 300 s margin < 80 %
}

TEST(AppTokenProvider, KeepsValidTokenWhenRenewalFails) {
    Harness h;
    h.http.expect("POST", h.token_url, FakeHttpClient::json(200, tokenJson("tok-1", 3600)));
    h.http.expect("POST", h.token_url,
                  FakeHttpClient::json(401, fixture("token-error-bad-secret.json")));
    h.http.expect("POST", h.token_url,
                  FakeHttpClient::json(401, fixture("token-error-bad-secret.json")));
    AppTokenProvider provider(h.deps(), h.endpoint, h.secretCredential(), "scope");
    ASSERT_TRUE(provider.accessToken().ok());
    h.clock.advance(50min);
    EXPECT_EQ(provider.accessToken().value(), "tok-1");
    h.clock.advance(10min);  // now past expiry (minus skew)
    auto token = provider.accessToken();
    ASSERT_FALSE(token.ok());
    EXPECT_EQ(token.error().code, ErrorCode::Unauthenticated);
    EXPECT_EQ(errorKindOf(token.error()), GraphErrorKind::CredentialsInvalid);
}

TEST(AppTokenProvider, RetriesThrottledTokenEndpoint) {
    Harness h;
    h.http.expect("POST", h.token_url, FakeHttpClient::json(429, "{}", {{"Retry-After", "1.5"}}));
    h.http.expect("POST", h.token_url, FakeHttpClient::json(503, "{}"));
    h.http.expect("POST", h.token_url, FakeHttpClient::json(200, tokenJson("tok-1")));
    AppTokenProvider provider(h.deps(), h.endpoint, h.secretCredential(), "scope");
    EXPECT_EQ(provider.accessToken().value(), "tok-1");
    ASSERT_EQ(h.sleeper.sleeps().size(), 2u);
    EXPECT_GE(h.sleeper.sleeps()[0], 1500ms);
    EXPECT_LE(h.sleeper.sleeps()[0], 1650ms);
}

TEST(AppTokenProvider, InvalidateForcesNewToken) {
    Harness h;
    h.http.expect("POST", h.token_url, FakeHttpClient::json(200, tokenJson("tok-1")));
    h.http.expect("POST", h.token_url, FakeHttpClient::json(200, tokenJson("tok-2")));
    AppTokenProvider provider(h.deps(), h.endpoint, h.secretCredential(), "scope");
    EXPECT_EQ(provider.accessToken().value(), "tok-1");
    provider.invalidate("some-older-token");  // another thread already replaced it
    EXPECT_EQ(provider.accessToken().value(), "tok-1");
    provider.invalidate("tok-1");
    EXPECT_EQ(provider.accessToken().value(), "tok-2");
}

TEST(AppTokenProvider, FetchesOnceUnderConcurrency) {
    Harness h;
    std::mutex mutex;
    std::condition_variable cv;
    bool go = false;
    std::atomic<int> calls{0};
    h.http.setHandler([&](const net::HttpRequest&) -> common::Result<net::HttpResponse> {
        ++calls;
        std::unique_lock lock(mutex);
        cv.wait(lock, [&] { return go; });
        return FakeHttpClient::json(200, tokenJson("tok-1"));
    });
    AppTokenProvider provider(h.deps(), h.endpoint, h.secretCredential(), "scope");
    std::vector<std::thread> threads;
    std::atomic<int> ok{0};
    for (int i = 0; i < 8; ++i) {
        threads.emplace_back([&] {
            if (provider.accessToken().ok()) ++ok;
        });
    }
    while (calls.load() == 0) std::this_thread::yield();
    {
        std::lock_guard lock(mutex);
        go = true;
    }
    cv.notify_all();
    for (auto& t : threads) t.join();
    EXPECT_EQ(ok.load(), 8);
    EXPECT_EQ(calls.load(), 1);
    EXPECT_EQ(provider.fetchCount(), 1u);
}

TEST(AppTokenProvider, SharesOneFailureWithWaiters) {
    Harness h;
    h.http.setHandler([&](const net::HttpRequest&) -> common::Result<net::HttpResponse> {
        return FakeHttpClient::json(400, fixture("token-error-consent.json"));
    });
    AppTokenProvider provider(h.deps(), h.endpoint, h.secretCredential(), "scope");
    auto token = provider.accessToken();
    ASSERT_FALSE(token.ok());
    EXPECT_EQ(token.error().code, ErrorCode::PermissionDenied);
    EXPECT_EQ(errorKindOf(token.error()), GraphErrorKind::ConsentMissing);
}

TEST(DelegatedTokenProvider, RotatesRefreshTokenThroughCallback) {
    Harness h;
    h.http.expect("POST", h.token_url, FakeHttpClient::json(200, tokenJson("at-1", 3600, "rt-2")));
    h.http.expect("POST", h.token_url, FakeHttpClient::json(200, tokenJson("at-2", 3600, "rt-3")));
    std::vector<std::string> persisted;
    DelegatedTokenProvider provider(
        h.deps(), h.endpoint, h.secretCredential(),
        "offline_access https://graph.microsoft.com/Calendars.ReadWrite",
        crypto::SecretString(std::string_view("rt-1")),
        [&](const crypto::SecretString& rt) -> common::Status {
            persisted.emplace_back(rt.view());
            return {};
        });
    EXPECT_EQ(provider.accessToken().value(), "at-1");
    auto first = h.http.requests().at(0).body;
    EXPECT_EQ(formField(first, "grant_type"), "refresh_token");
    EXPECT_EQ(formField(first, "refresh_token"), "rt-1");
    EXPECT_EQ(formField(first, "scope"),
              "offline_access%20https%3A%2F%2Fgraph.microsoft.com%2FCalendars.ReadWrite");
    h.clock.advance(1h);
    EXPECT_EQ(provider.accessToken().value(), "at-2");
    EXPECT_EQ(formField(h.http.requests().at(1).body, "refresh_token"), "rt-2");
    EXPECT_EQ(persisted, (std::vector<std::string>{"rt-2", "rt-3"}));
}

TEST(DelegatedTokenProvider, ReportsExpiredRefreshTokenAsReauth) {
    Harness h;
    h.http.expect("POST", h.token_url,
                  FakeHttpClient::json(400, fixture("token-error-invalid-grant.json")));
    DelegatedTokenProvider provider(h.deps(), h.endpoint, h.secretCredential(), "offline_access",
                                    crypto::SecretString(std::string_view("rt-1")), nullptr);
    auto token = provider.accessToken();
    ASSERT_FALSE(token.ok());
    EXPECT_EQ(token.error().code, ErrorCode::Unauthenticated);
    EXPECT_EQ(errorKindOf(token.error()), GraphErrorKind::ReauthRequired);
}

}  // namespace
}  // namespace calconn::graph
