#include <gtest/gtest.h>

#include "common/Clock.h"
#include "net/Cancel.h"
#include "net/FakeHttpClient.h"
#include "net/HttpTypes.h"

namespace calconn::net {
namespace {

using common::ErrorCode;

TEST(HttpHeaders, LooksUpCaseInsensitively) {
    HttpHeaders headers;
    headers.add("Retry-After", "2");
    headers.add("Prefer", "a");
    headers.add("prefer", "b");
    EXPECT_EQ(headers.get("retry-after"), "2");
    EXPECT_EQ(headers.getAll("PREFER"), (std::vector<std::string>{"a", "b"}));
    headers.set("PREFER", "c");
    EXPECT_EQ(headers.getAll("prefer"), (std::vector<std::string>{"c"}));
    headers.remove("retry-AFTER");
    EXPECT_FALSE(headers.has("Retry-After"));
}

TEST(SplitUrl, KeepsTargetVerbatim) {
    auto parts =
        splitUrl("https://graph.microsoft.com/v1.0/me/calendarView/delta?$deltatoken=a%3D%3D");
    ASSERT_TRUE(parts.ok());
    EXPECT_EQ(parts->scheme, "https");
    EXPECT_EQ(parts->host, "graph.microsoft.com");
    EXPECT_EQ(parts->port, 443);
    EXPECT_EQ(parts->target, "/v1.0/me/calendarView/delta?$deltatoken=a%3D%3D");
}

TEST(SplitUrl, HandlesPortsIpv6AndMissingPath) {
    auto a = splitUrl("HTTP://127.0.0.1:8080");
    ASSERT_TRUE(a.ok());
    EXPECT_EQ(a->scheme, "http");
    EXPECT_EQ(a->port, 8080);
    EXPECT_EQ(a->target, "/");
    auto b = splitUrl("https://[::1]:9443/x#frag");
    ASSERT_TRUE(b.ok());
    EXPECT_EQ(b->host, "::1");
    EXPECT_EQ(b->port, 9443);
    EXPECT_EQ(b->target, "/x");
    auto c = splitUrl("https://h?q=1");
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(c->target, "/?q=1");
}

TEST(SplitUrl, RejectsBadUrls) {
    for (const char* url :
         {"graph.microsoft.com/v1.0", "ftp://h/", "https:///x", "https://h:0/", "https://h:70000/",
          "https://h:x/", "https://u:p@h/", "https://h/a b", "https://[::1/"}) {
        EXPECT_FALSE(splitUrl(url).ok()) << url;
    }
}

TEST(HttpRequest, KnowsWhatIsSafeToResend) {
    HttpRequest request;
    EXPECT_TRUE(isRetrySafe(request));
    request.method = "POST";
    EXPECT_FALSE(isRetrySafe(request));
    request.retry_safe = true;
    EXPECT_TRUE(isRetrySafe(request));
}

TEST(FakeHttpClient, RepliesInOrderAndRecords) {
    FakeHttpClient fake;
    fake.expect("GET", "https://a/1", FakeHttpClient::json(200, "{}"));
    fake.expect("POST", "https://a/*", FakeHttpClient::json(201, "{}"));
    HttpRequest first;
    first.url = "https://a/1";
    EXPECT_EQ(fake.send(first)->status, 200);
    HttpRequest second;
    second.method = "POST";
    second.url = "https://a/2";
    EXPECT_EQ(fake.send(second)->status, 201);
    auto third = fake.send(first);
    ASSERT_FALSE(third.ok());
    EXPECT_EQ(third.error().code, ErrorCode::Internal);
    EXPECT_EQ(fake.requests().size(), 3u);
    EXPECT_EQ(fake.mismatches().size(), 1u);
}

TEST(FakeSleeper, AdvancesClock) {
    common::FakeClock clock(std::chrono::system_clock::from_time_t(0));
    FakeSleeper sleeper(clock);
    EXPECT_TRUE(sleeper.sleepFor(std::chrono::milliseconds(1500), nullptr));
    EXPECT_EQ(clock.now(),
              std::chrono::system_clock::from_time_t(0) + std::chrono::milliseconds(1500));
    CancelToken cancel;
    cancel.cancel();
    EXPECT_FALSE(sleeper.sleepFor(std::chrono::milliseconds(10), &cancel));
    EXPECT_EQ(sleeper.total(), std::chrono::milliseconds(1500));
}

}  // namespace
}  // namespace calconn::net
