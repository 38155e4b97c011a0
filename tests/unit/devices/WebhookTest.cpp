#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>

#include "common/Clock.h"
#include "devices/webhook/WebhookCodec.h"
#include "devices/webhook/WebhookDevice.h"
#include "net/FakeHttpClient.h"

namespace calconn::devices::webhook {
namespace {

using namespace std::chrono_literals;

TEST(WebhookCodec, HmacSha256KnownAnswerRfc4231) {
    // RFC 4231 test case 2.
    EXPECT_EQ(hmacSha256Hex("Jefe", "what do ya want for nothing?"),
              "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    EXPECT_EQ(signatureHeaderValue("Jefe", "what do ya want for nothing?"),
              "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(WebhookCodec, VerifiesOnlyTheExactBody) {
    const std::string body = R"({"room":"r","bookings":[]})";
    const std::string header = signatureHeaderValue("s3cret", body);
    EXPECT_TRUE(verifySignature("s3cret", body, header));
    EXPECT_FALSE(verifySignature("s3cret", body + " ", header));
    EXPECT_FALSE(verifySignature("other", body, header));
    EXPECT_FALSE(verifySignature("s3cret", body, header.substr(1)));
}

DeviceBooking sample() {
    DeviceBooking b;
    b.id = "cc1";
    b.title = "Quarterly \"review\"";
    b.organizer_name = "Ada";
    b.organizer_email = "ada@example.com";
    b.start = std::chrono::sys_days{std::chrono::year{2026} / 3 / 2} + 9h;
    b.duration_minutes = 45;
    b.number = "1@example.com";
    b.protocol = "SIP";
    b.meeting_platform = "Webex";
    return b;
}

TEST(WebhookCodec, BodyShape) {
    DeviceBooking no_join = sample();
    no_join.id = "cc2";
    no_join.number.clear();
    no_join.protocol = "None";
    const auto at = std::chrono::sys_days{std::chrono::year{2026} / 3 / 2} + 8h;
    const std::string body = webhookBody("room-4b@contoso.com", at, {sample(), no_join});
    Poco::JSON::Parser parser;
    auto root = parser.parse(body).extract<Poco::JSON::Object::Ptr>();
    EXPECT_EQ(root->getValue<std::string>("room"), "room-4b@contoso.com");
    EXPECT_EQ(root->getValue<std::string>("generated_at"), "2026-03-02T08:00:00Z");
    auto list = root->getArray("bookings");
    ASSERT_EQ(list->size(), 2u);
    auto first = list->getObject(0);
    EXPECT_EQ(first->getValue<std::string>("title"), "Quarterly \"review\"");
    EXPECT_EQ(first->getValue<std::string>("start"), "2026-03-02T09:00:00Z");
    EXPECT_EQ(first->getValue<std::string>("end"), "2026-03-02T09:45:00Z");
    EXPECT_EQ(first->getObject("join")->getValue<std::string>("protocol"), "SIP");
    EXPECT_TRUE(list->getObject(1)->isNull("join"));
}

TEST(WebhookDevice, PostsSignedJson) {
    net::FakeHttpClient http;
    http.expect("POST", "https://panel.example/hook", net::FakeHttpClient::json(204, ""));
    common::FakeClock clock(std::chrono::sys_days{std::chrono::year{2026} / 3 / 2});
    WebhookDevice device({"panel", "https://panel.example/hook", "s3cret", 5s}, http, clock);
    ASSERT_TRUE(device.push("room-4b@contoso.com", {sample()}).ok());
    auto sent = http.requests();
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_EQ(sent[0].headers.get("Content-Type").value_or(""), "application/json");
    EXPECT_TRUE(verifySignature("s3cret", sent[0].body,
                                sent[0].headers.get("X-Calconn-Signature").value_or("")));

    http.reply(net::FakeHttpClient::json(500, ""));
    auto failed = device.push("room-4b@contoso.com", {});
    ASSERT_FALSE(failed.ok());
    EXPECT_EQ(failed.error().code, common::ErrorCode::Unavailable);
}

}  // namespace
}  // namespace calconn::devices::webhook
