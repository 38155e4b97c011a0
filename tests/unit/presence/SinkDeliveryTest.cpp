// Delivery to a webhook sink: signed like the device webhooks, retried with a doubling
// backoff while the receiver is down, coalesced to the latest state per user.
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>

#include "common/IsoTime.h"
#include "crypto/WebhookSignature.h"
#include "net/FakeHttpClient.h"
#include "presence/SinkDelivery.h"
#include "presence/WebhookPresenceSink.h"

namespace calconn::presence {
namespace {

using namespace std::chrono_literals;
using Attempt = SinkDelivery::Attempt;

constexpr const char* kUrl = "https://hooks.example.com/presence?token=abc";
constexpr const char* kSecret = "presence-s3cret";
const common::TimePoint kT0 = common::TimePoint(std::chrono::hours(1000));

std::chrono::sys_seconds sec(const char* iso) { return *common::parseIsoUtc(iso); }

PresenceUpdate away(const std::string& upn, const std::string& message = {}) {
    return {upn,
            {core::PresenceState::OutOfOffice, sec("2026-03-02T09:00:00Z"),
             sec("2026-03-02T11:00:00Z")},
            message};
}
PresenceUpdate back(const std::string& upn) {
    return {upn, {core::PresenceState::Available, sec("2026-03-02T11:00:00Z"), std::nullopt}, {}};
}

struct Fixture {
    std::shared_ptr<net::FakeHttpClient> http = std::make_shared<net::FakeHttpClient>();
    SinkDelivery delivery{
        std::make_unique<WebhookPresenceSink>(WebhookSinkConfig{kUrl, kSecret, 10s}, http),
        SinkBackoff{1s, 8s}};
    std::string state(std::size_t i) {
        Poco::JSON::Parser parser;
        return parser.parse(http->requests().at(i).body)
            .extract<Poco::JSON::Object::Ptr>()
            ->getValue<std::string>("state");
    }
};

TEST(WebhookPresenceSink, PostsSignedJson) {
    Fixture f;
    f.http->reply(net::FakeHttpClient::json(204, ""));
    f.delivery.offer(away("ada@contoso.com", "<p>Away</p>"));
    EXPECT_EQ(f.delivery.deliverOne(kT0), Attempt::Delivered);
    ASSERT_EQ(f.http->requests().size(), 1u);
    const auto request = f.http->requests()[0];
    EXPECT_EQ(request.method, "POST");
    EXPECT_EQ(request.url, kUrl);
    EXPECT_EQ(request.headers.get("Content-Type"), "application/json");
    const auto signature = request.headers.get("X-Calconn-Signature");
    ASSERT_TRUE(signature);
    EXPECT_EQ(*signature, "sha256=" + crypto::hmacSha256Hex(kSecret, request.body));
    EXPECT_TRUE(crypto::verifySignature(kSecret, request.body, *signature));
    Poco::JSON::Parser parser;
    auto body = parser.parse(request.body).extract<Poco::JSON::Object::Ptr>();
    EXPECT_EQ(body->getValue<std::string>("upn"), "ada@contoso.com");
    EXPECT_EQ(body->getValue<std::string>("message"), "<p>Away</p>");
    // The name shown in logs and status drops the query string (it may hold a token).
    EXPECT_EQ(f.delivery.name(), "https://hooks.example.com/presence");
    EXPECT_EQ(f.delivery.status().delivered, 1u);
}

TEST(SinkDelivery, RetriesWithDoublingBackoffAndKeepsTheLatest) {
    Fixture f;
    f.http->reply(net::FakeHttpClient::json(200, "{}"));
    f.http->reply(common::makeError(common::ErrorCode::Unavailable, "connection refused",
                                    "connect 127.0.0.1"));
    f.http->reply(net::FakeHttpClient::json(503, ""));
    f.http->reply(net::FakeHttpClient::json(500, ""));
    f.http->reply(net::FakeHttpClient::json(200, "{}"));

    f.delivery.offer(away("ada@x"));
    ASSERT_EQ(f.delivery.deliverOne(kT0), Attempt::Delivered);

    f.delivery.offer(back("ada@x"));
    EXPECT_EQ(f.delivery.deliverOne(kT0), Attempt::Failed);
    EXPECT_EQ(f.delivery.retryAt(), kT0 + 1s);
    // No request while backing off, however often the sink's thread looks.
    EXPECT_EQ(f.delivery.deliverOne(kT0 + 999ms), Attempt::BackingOff);
    EXPECT_EQ(f.http->requests().size(), 2u);

    EXPECT_EQ(f.delivery.deliverOne(kT0 + 1s), Attempt::Failed);
    EXPECT_EQ(f.delivery.retryAt(), kT0 + 3s);  // 2 s
    // Meanwhile the user went away again, until Friday: the sink is owed the latest state,
    // not the history.
    auto extended = away("ada@x");
    extended.record.until = sec("2026-03-06T17:00:00Z");
    f.delivery.offer(extended);
    EXPECT_EQ(f.delivery.pending(), 1u);
    EXPECT_EQ(f.delivery.deliverOne(kT0 + 3s), Attempt::Failed);
    EXPECT_EQ(f.delivery.retryAt(), kT0 + 7s);  // 4 s
    EXPECT_EQ(f.delivery.status().consecutive_failures, 3);
    EXPECT_FALSE(f.delivery.status().last_error.empty());

    EXPECT_EQ(f.delivery.deliverOne(kT0 + 7s), Attempt::Delivered);
    EXPECT_EQ(f.state(4), "out_of_office");
    EXPECT_NE(f.http->requests().at(4).body.find("2026-03-06T17:00:00Z"), std::string::npos);
    EXPECT_EQ(f.delivery.pending(), 0u);
    EXPECT_EQ(f.delivery.deliverOne(kT0 + 7s), Attempt::Idle);
    EXPECT_EQ(f.delivery.status().consecutive_failures, 0);
    EXPECT_TRUE(f.delivery.status().last_error.empty());
}

TEST(SinkDelivery, BackoffIsCapped) {
    Fixture f;
    f.http->setHandler([](const net::HttpRequest&) { return net::FakeHttpClient::json(502, ""); });
    f.delivery.offer(away("ada@x"));
    common::TimePoint now = kT0;
    for (int i = 0; i < 6; ++i) {
        ASSERT_EQ(f.delivery.deliverOne(now), Attempt::Failed);
        now = *f.delivery.retryAt();
    }
    EXPECT_EQ(*f.delivery.retryAt() - kT0, 1s + 2s + 4s + 8s + 8s + 8s);
    EXPECT_EQ(f.http->requests().size(), 6u);
}

TEST(SinkDelivery, WhatTheSinkHasIsNotSentAgain) {
    Fixture f;
    f.http->setHandler([](const net::HttpRequest&) { return net::FakeHttpClient::json(200, ""); });
    // Never heard of: counts as available, so "available" is not news.
    f.delivery.offer(back("ada@x"));
    EXPECT_EQ(f.delivery.deliverOne(kT0), Attempt::Idle);

    f.delivery.offer(away("ada@x"));
    EXPECT_EQ(f.delivery.deliverOne(kT0), Attempt::Delivered);
    f.delivery.offer(away("ada@x"));  // e.g. offered again after the next read
    EXPECT_EQ(f.delivery.deliverOne(kT0), Attempt::Idle);
    EXPECT_EQ(f.http->requests().size(), 1u);
    EXPECT_EQ(f.delivery.acknowledged().at("ada@x").state, core::PresenceState::OutOfOffice);

    // Back and away again before the next delivery: the sink already has "away", so the
    // flap collapses to nothing.
    f.delivery.offer(back("ada@x"));
    f.delivery.offer(away("ada@x"));
    EXPECT_EQ(f.delivery.deliverOne(kT0), Attempt::Idle);
}

TEST(SinkDelivery, RememberedAcknowledgementsSurviveARestart) {
    auto http = std::make_shared<net::FakeHttpClient>();
    http->setHandler([](const net::HttpRequest&) { return net::FakeHttpClient::json(200, ""); });
    std::map<std::string, PresenceRecord> acked{{"ada@x", away("ada@x").record}};
    SinkDelivery delivery(
        std::make_unique<WebhookPresenceSink>(WebhookSinkConfig{kUrl, kSecret, 10s}, http),
        SinkBackoff{}, acked);
    delivery.offer(away("Ada@X"));
    EXPECT_EQ(delivery.deliverOne(kT0), Attempt::Idle);
    delivery.offer(back("ada@x"));
    EXPECT_EQ(delivery.deliverOne(kT0), Attempt::Delivered);
}

TEST(SinkDelivery, OneRefusedUpdateDoesNotBlockTheOthers) {
    Fixture f;
    f.http->setHandler([](const net::HttpRequest& request) {
        const bool ada = request.body.find("ada@x") != std::string::npos;
        return net::FakeHttpClient::json(ada ? 400 : 200, "");
    });
    f.delivery.offer(away("ada@x"));
    f.delivery.offer(away("bob@x"));
    EXPECT_EQ(f.delivery.deliverOne(kT0), Attempt::Failed);
    EXPECT_EQ(f.delivery.deliverOne(kT0 + 1s), Attempt::Delivered);  // bob went first now
    EXPECT_EQ(f.delivery.pending(), 1u);
    f.delivery.forget("ada@x");
    EXPECT_EQ(f.delivery.pending(), 0u);
}

}  // namespace
}  // namespace calconn::presence
