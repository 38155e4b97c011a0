#include <gtest/gtest.h>

#include <vector>

#include "sync/NotificationReceiver.h"

namespace calconn::sync {
namespace {

std::string change(const std::string& id, const std::string& state) {
    return R"({"subscriptionId":")" + id + R"(","clientState":")" + state +
           R"(","changeType":"updated","resource":"Users/x/Events/y"})";
}

TEST(NotificationReceiver, EchoesTheValidationToken) {
    NotificationReceiver receiver([](const std::string&) {});
    auto r = receiver.handle("token with spaces & stuff", "");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.content_type, "text/plain");
    EXPECT_EQ(r.body, "token with spaces & stuff");
    EXPECT_EQ(receiver.handle(std::string(2000, 'x'), "").status, 400);
}

TEST(NotificationReceiver, ValidNotificationsSyncTheirMailboxOnce) {
    std::vector<std::string> notified;
    NotificationReceiver receiver([&](const std::string& upn) { notified.push_back(upn); });
    receiver.addSubscription("sub-a", "alice@contoso.com", "secret-a");
    receiver.addSubscription("sub-b", "bob@contoso.com", "secret-b");
    auto r = receiver.handle("", R"({"value":[)" + change("sub-a", "secret-a") + "," +
                                     change("sub-a", "secret-a") + "," +
                                     change("sub-b", "secret-b") + "]}");
    EXPECT_EQ(r.status, 202);
    EXPECT_EQ(notified, (std::vector<std::string>{"alice@contoso.com", "bob@contoso.com"}));
    EXPECT_EQ(receiver.counters().accepted, 3u);
}

TEST(NotificationReceiver, RejectsWrongClientStateAndUnknownSubscriptions) {
    std::vector<std::string> notified;
    NotificationReceiver receiver([&](const std::string& upn) { notified.push_back(upn); });
    receiver.addSubscription("sub-a", "alice@contoso.com", "secret-a");
    auto r = receiver.handle("", R"({"value":[)" + change("sub-a", "secret-b") + "," +
                                     change("sub-a", "secret-") + "," +
                                     change("sub-x", "secret-a") + "]}");
    EXPECT_EQ(r.status, 202);  // Graph is not told which ones we dropped
    EXPECT_TRUE(notified.empty());
    EXPECT_EQ(receiver.counters().rejected, 3u);
    receiver.removeSubscription("sub-a");
    receiver.handle("", R"({"value":[)" + change("sub-a", "secret-a") + "]}");
    EXPECT_TRUE(notified.empty());
    EXPECT_EQ(receiver.handle("", "not json").status, 400);
    EXPECT_EQ(receiver.handle("", R"({"novalue":1})").status, 400);
}

TEST(NotificationReceiver, LifecycleEventsAreQueuedAndMissedSyncs) {
    std::vector<std::string> notified;
    NotificationReceiver receiver([&](const std::string& upn) { notified.push_back(upn); });
    receiver.addSubscription("sub-a", "alice@contoso.com", "s");
    auto lifecycle = [](const std::string& event) {
        return R"({"subscriptionId":"sub-a","clientState":"s","lifecycleEvent":")" + event +
               R"("})";
    };
    receiver.handle("", R"({"value":[)" + lifecycle("reauthorizationRequired") + "]}");
    EXPECT_TRUE(notified.empty());
    receiver.handle(
        "", R"({"value":[)" + lifecycle("missed") + "," + lifecycle("subscriptionRemoved") + "]}");
    EXPECT_EQ(notified, std::vector<std::string>{"alice@contoso.com"});
    auto notices = receiver.takeLifecycle();
    ASSERT_EQ(notices.size(), 3u);
    EXPECT_EQ(notices[0].event, LifecycleEvent::ReauthorizationRequired);
    EXPECT_EQ(notices[1].event, LifecycleEvent::Missed);
    EXPECT_EQ(notices[2].event, LifecycleEvent::SubscriptionRemoved);
    EXPECT_EQ(notices[2].upn, "alice@contoso.com");
    EXPECT_TRUE(receiver.takeLifecycle().empty());
}

}  // namespace
}  // namespace calconn::sync
