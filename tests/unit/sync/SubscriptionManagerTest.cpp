#include <gtest/gtest.h>

#include <algorithm>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <set>

#include "FakeSubscriptionApi.h"
#include "graph/Decoders.h"
#include "sync/SubscriptionManager.h"

namespace calconn::sync {
namespace {

using namespace std::chrono_literals;

const common::TimePoint kStart = std::chrono::sys_days{std::chrono::year{2026} / 11 / 27} + 8h;

using FakeApi = testing::FakeSubscriptionApi;

struct Rig {
    common::FakeClock clock{kStart};
    FakeApi api;
    std::vector<std::string> notified;
    NotificationReceiver receiver{[this](const std::string& upn) { notified.push_back(upn); }};
    int secret = 0;
    SubscriptionManager manager{
        api, receiver, clock,
        SubscriptionOptions{"https://calconn.example.com/graph/notifications", "",
                            std::chrono::minutes(4200), std::chrono::minutes(720)},
        [this] { return "secret-" + std::to_string(++secret); }};

    std::string notify(const std::string& id, const std::string& state,
                       const std::string& lifecycle = {}) {
        std::string item = R"({"subscriptionId":")" + id + R"(","clientState":")" + state + "\"";
        if (!lifecycle.empty()) item += R"(,"lifecycleEvent":")" + lifecycle + "\"";
        return R"({"value":[)" + item + "}]}";
    }
};

TEST(SubscriptionManager, CreatesOneSubscriptionPerMailboxWithItsOwnSecret) {
    Rig s;
    s.manager.setMailboxes({"a@x", "b@x"});
    EXPECT_EQ(s.manager.tick(), 0);
    ASSERT_EQ(s.api.live.size(), 2u);
    std::set<std::string> secrets;
    for (const auto& [id, sub] : s.api.live) {
        secrets.insert(sub.client_state);
        EXPECT_EQ(sub.lifecycle_notification_url, sub.notification_url);
        EXPECT_EQ(*sub.expiration, kStart + 4200min);
    }
    EXPECT_EQ(secrets.size(), 2u);
    // The receiver knows the secrets: a notification for a@x gets through.
    const auto a = s.manager.state("a@x");
    ASSERT_TRUE(a && !a->id.empty());
    s.receiver.handle("", s.notify(a->id, s.api.live[a->id].client_state));
    EXPECT_EQ(s.notified, std::vector<std::string>{"a@x"});
    EXPECT_EQ(s.manager.tick(), 0);
    EXPECT_EQ(s.api.calls.size(), 2u);  // nothing to do
}

TEST(SubscriptionManager, RenewsBeforeExpiryAndRecreatesWhenGone) {
    Rig s;
    s.manager.setMailboxes({"a@x"});
    s.manager.tick();
    s.clock.advance(4200min - 11h);
    EXPECT_EQ(s.manager.tick(), 0);
    EXPECT_EQ(s.api.calls.back(), "renew a@x");
    EXPECT_EQ(s.manager.state("a@x")->expiration, s.clock.now() + 4200min);
    // Graph dropped it: the renewal fails with 404 and a new one is created at once.
    const std::string old_id = s.manager.state("a@x")->id;
    s.api.live.clear();
    s.clock.advance(4200min - 11h);
    EXPECT_EQ(s.manager.tick(), 0);
    EXPECT_EQ(s.api.calls.back(), "create a@x");
    EXPECT_NE(s.manager.state("a@x")->id, old_id);
    // The old secret no longer opens the door.
    s.receiver.handle("", s.notify(old_id, "secret-1"));
    EXPECT_TRUE(s.notified.empty());
}

TEST(SubscriptionManager, HandlesLifecycleEvents) {
    Rig s;
    s.manager.setMailboxes({"a@x"});
    s.manager.tick();
    std::string id = s.manager.state("a@x")->id;
    s.receiver.handle("", s.notify(id, "secret-1", "reauthorizationRequired"));
    s.manager.tick();
    EXPECT_EQ(s.api.calls.back(), "reauthorize a@x");
    EXPECT_EQ(s.manager.state("a@x")->id, id);

    s.api.fail_reauthorize = true;
    s.receiver.handle("", s.notify(id, "secret-1", "reauthorizationRequired"));
    s.manager.tick();
    EXPECT_NE(s.manager.state("a@x")->id, id);  // replaced
    id = s.manager.state("a@x")->id;

    s.receiver.handle("", s.notify(id, "secret-2", "subscriptionRemoved"));
    EXPECT_EQ(s.notified, std::vector<std::string>{"a@x"});  // sync what may have been missed
    s.manager.tick();
    EXPECT_EQ(s.api.calls.back(), "create a@x");
    EXPECT_NE(s.manager.state("a@x")->id, id);
}

TEST(SubscriptionManager, FailedCreatesAreRetriedAndRemovedMailboxesUnsubscribed) {
    Rig s;
    s.api.fail_create = true;
    s.manager.setMailboxes({"a@x", "b@x"});
    EXPECT_EQ(s.manager.tick(), 2);
    EXPECT_FALSE(s.manager.state("a@x")->last_error.empty());
    s.api.fail_create = false;
    s.clock.advance(30s);
    EXPECT_EQ(s.manager.tick(), 0);
    EXPECT_EQ(s.api.live.size(), 2u);
    s.manager.setMailboxes({"b@x"});
    EXPECT_FALSE(s.manager.state("a@x").has_value());
    s.manager.tick();
    EXPECT_EQ(s.api.live.size(), 1u);
    EXPECT_EQ(s.api.calls.back(), "remove a@x");
}

TEST(SubscriptionManager, AMailboxThatCannotBeSubscribedBacksOffInsteadOfRetryingEveryTick) {
    Rig s;
    s.api.fail_create = true;
    s.manager.setMailboxes({"a@x"});
    auto creates = [&] { return std::count(s.api.calls.begin(), s.api.calls.end(), "create a@x"); };
    // Ticks every 30 s for two hours: 30 s, 1, 2, 4, ... 32 min, then hourly.
    for (int i = 0; i < 240; ++i) {
        s.manager.tick();
        s.clock.advance(30s);
    }
    EXPECT_LE(creates(), 10);
    EXPECT_GE(creates(), 7);
    EXPECT_EQ(s.manager.state("a@x")->failures, creates());
    // Once it works, the backoff is forgotten.
    s.api.fail_create = false;
    s.clock.advance(1h);
    EXPECT_EQ(s.manager.tick(), 0);
    EXPECT_EQ(s.manager.state("a@x")->failures, 0);
}

TEST(SubscriptionManager, AsksForACatchUpRoundAfterSubscribingAndReauthorizing) {
    Rig s;
    std::vector<std::string> catch_up;
    s.manager.setCatchUp([&](const std::string& upn) { catch_up.push_back(upn); });
    s.manager.setMailboxes({"a@x"});
    s.manager.tick();
    EXPECT_EQ(catch_up, std::vector<std::string>{"a@x"});
    const std::string id = s.manager.state("a@x")->id;
    s.receiver.handle("", s.notify(id, "secret-1", "reauthorizationRequired"));
    s.manager.tick();
    EXPECT_EQ(catch_up, (std::vector<std::string>{"a@x", "a@x"}));
    // Missed: the receiver itself asks for the round; the manager only logs.
    s.receiver.handle("", s.notify(id, "secret-1", "missed"));
    EXPECT_EQ(s.notified, std::vector<std::string>{"a@x"});
    s.manager.tick();
    EXPECT_EQ(catch_up.size(), 2u);
}

TEST(SubscriptionManager, RemoveAllDeletesEverySubscriptionUntilTheDeadline) {
    Rig s;
    s.manager.setMailboxes({"a@x", "b@x", "c@x"});
    s.manager.tick();
    ASSERT_EQ(s.api.live.size(), 3u);
    EXPECT_EQ(s.manager.removeAll(s.clock.now()), 0);  // no time left
    EXPECT_EQ(s.api.live.size(), 3u);
    EXPECT_EQ(s.manager.removeAll(s.clock.now() + 5s), 3);
    EXPECT_TRUE(s.api.live.empty());
    EXPECT_TRUE(s.manager.state("a@x")->id.empty());
}

// Counts the calls in flight together; each waits until eight are (or 5 s pass, which only a
// manager that makes fewer at a time would need).
struct EightAtATime {
    std::mutex mutex;
    std::condition_variable cv;
    int in_flight = 0;
    int most = 0;
    bool eight_seen = false;

    std::function<void()> gate() {
        return [this] {
            std::unique_lock lock(mutex);
            most = std::max(most, ++in_flight);
            if (in_flight == 8) eight_seen = true;
            cv.notify_all();
            cv.wait_for(lock, 5s, [&] { return eight_seen; });
            --in_flight;
        };
    }
};

std::vector<std::string> sixteenMailboxes() {
    std::vector<std::string> upns;
    for (int i = 0; i < 16; ++i) upns.push_back("u" + std::to_string(i) + "@x");
    return upns;
}

TEST(SubscriptionManager, CreatesEightSubscriptionsAtATime) {
    Rig s;
    const auto upns = sixteenMailboxes();
    s.manager.setMailboxes(upns);
    EightAtATime calls;
    s.api.during_call = calls.gate();
    EXPECT_EQ(s.manager.tick(), 0);
    EXPECT_EQ(calls.most, 8);
    EXPECT_EQ(s.api.live.size(), 16u);
    std::set<std::string> secrets;
    for (const auto& upn : upns) {
        const auto state = s.manager.state(upn);
        ASSERT_TRUE(state && !state->id.empty()) << upn;
        secrets.insert(s.api.live.at(state->id).client_state);
    }
    EXPECT_EQ(secrets.size(), 16u);
}

TEST(SubscriptionManager, RenewsEightSubscriptionsAtATime) {
    Rig s;
    const auto upns = sixteenMailboxes();
    s.manager.setMailboxes(upns);
    EXPECT_EQ(s.manager.tick(), 0);
    s.clock.advance(4200min - 11h);  // every one due for renewal
    EightAtATime calls;
    s.api.during_call = calls.gate();
    EXPECT_EQ(s.manager.tick(), 0);
    EXPECT_EQ(calls.most, 8);
    for (const auto& upn : upns) {
        EXPECT_EQ(std::count(s.api.calls.begin(), s.api.calls.end(), "renew " + upn), 1) << upn;
        EXPECT_EQ(s.manager.state(upn)->expiration, s.clock.now() + 4200min) << upn;
    }
}

TEST(SubscriptionManager, TickStopsBetweenMailboxesWhenAskedTo) {
    Rig s;
    s.manager.setMailboxes({"a@x", "b@x", "c@x"});
    int asked = 0;
    s.manager.tick([&] { return ++asked <= 1; });
    EXPECT_EQ(s.api.live.size(), 1u);
}

}  // namespace
}  // namespace calconn::sync
