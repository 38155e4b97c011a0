// ChangeNotifications: the timer thread subscribes mailboxes as they come and go, handles
// lifecycle events as soon as they are posted (not at the next tick), and deletes the
// subscriptions on a clean stop. The tick interval is an hour, so anything that happens
// within the test's deadline was driven by a wake-up, not by the timer.
#include <gtest/gtest.h>

#include <algorithm>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "FakeSubscriptionApi.h"
#include "common/Metrics.h"
#include "sync/ChangeNotifications.h"
#include "Eventually.h"

namespace calconn::sync {
namespace {

using test::eventually;

using namespace std::chrono_literals;

using FakeApi = testing::FakeSubscriptionApi;

// Records the hooks' calls; waits on them with a deadline.
struct Hooks {
    std::mutex mutex;
    std::condition_variable cv;
    std::vector<std::string> changes;
    std::vector<std::string> catch_ups;

    ChangeNotifications::SyncSoon change() {
        return [this](const std::string& upn) {
            std::lock_guard lock(mutex);
            changes.push_back(upn);
            cv.notify_all();
        };
    }
    ChangeNotifications::SyncSoon catchUp() {
        return [this](const std::string& upn) {
            std::lock_guard lock(mutex);
            catch_ups.push_back(upn);
            cv.notify_all();
        };
    }
    std::size_t changeCount() {
        std::lock_guard lock(mutex);
        return changes.size();
    }
};

// Polls with a deadline: the work happens on the timer thread.
std::string post(const std::string& id, const std::string& state,
                 const std::string& lifecycle = {}) {
    std::string item = R"({"subscriptionId":")" + id + R"(","clientState":")" + state + "\"";
    if (lifecycle.empty()) {
        item += R"(,"changeType":"updated","resource":"Users/x/Events/y")";
    } else {
        item += R"(,"lifecycleEvent":")" + lifecycle + "\"";
    }
    return R"({"value":[)" + item + "}]}";
}

struct Rig {
    common::SystemClock clock;
    FakeApi api;
    Hooks hooks;
    ChangeNotifications notifications{
        api, clock,
        ChangeNotificationsOptions{"https://calconn.example.com/graph/notifications",
                                   std::chrono::hours(1), std::chrono::minutes(4200),
                                   std::chrono::minutes(720)},
        hooks.change(), hooks.catchUp()};
};

TEST(ChangeNotifications, SubscribesEveryMailboxAndFollowsTheMailboxList) {
    Rig s;
    s.notifications.setMailboxes({"a@x", "b@x"});
    s.notifications.start();
    ASSERT_TRUE(eventually([&] { return s.api.liveCount() == 2; }));
    EXPECT_EQ(s.notifications.publicUrl(), "https://calconn.example.com/graph/notifications");
    // Each new subscription asks for a catch-up round: changes before it were not notified.
    EXPECT_TRUE(eventually([&] {
        std::lock_guard lock(s.hooks.mutex);
        return std::set<std::string>(s.hooks.catch_ups.begin(), s.hooks.catch_ups.end()) ==
               std::set<std::string>{"a@x", "b@x"};
    }));
    // Added and removed at run time: applied at once, not at the next (hourly) tick.
    s.notifications.setMailboxes({"b@x", "c@x"});
    EXPECT_TRUE(eventually([&] { return s.api.of("c@x") && !s.api.of("a@x"); }));
    EXPECT_EQ(s.api.count("remove a@x"), 1u);
    EXPECT_EQ(s.api.liveCount(), 2u);
    ASSERT_TRUE(s.notifications.subscription("c@x"));
    EXPECT_EQ(s.notifications.subscription("c@x")->id, s.api.of("c@x")->first);
}

TEST(ChangeNotifications, ValidNotificationsAskForARoundAndWrongClientStatesDoNot) {
    Rig s;
    s.notifications.setMailboxes({"a@x"});
    s.notifications.start();
    ASSERT_TRUE(eventually([&] {
        return s.notifications.subscription("a@x") &&
               !s.notifications.subscription("a@x")->id.empty();
    }));
    const auto [id, secret] = *s.api.of("a@x");

    // The validation handshake is answered with the token, as plain text.
    auto validation = s.notifications.handle("Validation: Testing client application", "");
    EXPECT_EQ(validation.status, 200);
    EXPECT_EQ(validation.body, "Validation: Testing client application");

    auto& metrics = common::metrics();
    const double rejected = metrics.value("calconn_notifications_total", {{"result", "rejected"}});
    const double accepted = metrics.value("calconn_notifications_total", {{"result", "accepted"}});
    EXPECT_EQ(s.notifications.handle("", post(id, secret + "x")).status, 202);
    EXPECT_EQ(s.hooks.changeCount(), 0u);
    EXPECT_EQ(metrics.value("calconn_notifications_total", {{"result", "rejected"}}), rejected + 1);

    EXPECT_EQ(s.notifications.handle("", post(id, secret)).status, 202);
    EXPECT_EQ(s.hooks.changeCount(), 1u);
    EXPECT_EQ(metrics.value("calconn_notifications_total", {{"result", "accepted"}}), accepted + 1);
    EXPECT_EQ(s.notifications.counters().accepted, 1u);
    EXPECT_EQ(s.notifications.counters().rejected, 1u);
}

TEST(ChangeNotifications, LifecycleEventsAreHandledAtOnce) {
    Rig s;
    s.notifications.setMailboxes({"a@x"});
    s.notifications.start();
    // Graph answered the creation, and the manager handed the secret to the receiver (its
    // state is read under the lock the whole tick holds).
    auto subscribed = [&](const std::string& not_id) {
        const auto at_graph = s.api.of("a@x");
        const auto ours = s.notifications.subscription("a@x");
        return at_graph && ours && ours->id == at_graph->first && at_graph->first != not_id;
    };
    ASSERT_TRUE(eventually([&] { return subscribed(""); }));
    auto [id, secret] = *s.api.of("a@x");

    s.notifications.handle("", post(id, secret, "reauthorizationRequired"));
    EXPECT_TRUE(eventually([&] { return s.api.count("reauthorize a@x") == 1; }));

    // Removed by Graph: recreated with a new id and secret, and the mailbox synced.
    const std::size_t before = s.hooks.changeCount();
    s.notifications.handle("", post(id, secret, "subscriptionRemoved"));
    EXPECT_TRUE(eventually([&] { return subscribed(id); }));
    EXPECT_EQ(s.hooks.changeCount(), before + 1);
    EXPECT_EQ(s.api.count("create a@x"), 2u);
    // The old secret no longer counts.
    s.notifications.handle("", post(id, secret));
    EXPECT_EQ(s.hooks.changeCount(), before + 1);

    std::tie(id, secret) = *s.api.of("a@x");
    s.notifications.handle("", post(id, secret, "missed"));
    EXPECT_EQ(s.hooks.changeCount(), before + 2);
}

TEST(ChangeNotifications, ACleanStopDeletesTheSubscriptions) {
    Rig s;
    s.notifications.setMailboxes({"a@x", "b@x"});
    s.notifications.start();
    ASSERT_TRUE(eventually([&] { return s.api.liveCount() == 2; }));
    s.notifications.stop(5s);
    EXPECT_EQ(s.api.liveCount(), 0u);
    s.notifications.stop(5s);  // idempotent
    s.notifications.start();   // not after a stop
    s.notifications.setMailboxes({"c@x"});
    EXPECT_FALSE(eventually([&] { return s.api.of("c@x").has_value(); }, 50ms));
}

TEST(ChangeNotifications, StopWithoutCleanupLeavesThemToExpire) {
    Rig s;
    s.notifications.setMailboxes({"a@x"});
    s.notifications.start();
    ASSERT_TRUE(eventually([&] { return s.api.liveCount() == 1; }));
    s.notifications.stop(0ms);
    EXPECT_EQ(s.api.liveCount(), 1u);
}

}  // namespace
}  // namespace calconn::sync
