// Graph change notifications end to end: graphsim posts notifications and lifecycle events over
// HTTPS (trusting its own test CA) to calconnd's API, which serves graphsim's certificate on
// 127.0.0.1. calconnd polls only hourly, so whatever reaches its cache within seconds was
// driven by a notification. Also: lifecycle events (missed, reauthorizationRequired,
// subscriptionRemoved) are acted on, a forged notification is dropped without effect, and a
// clean stop deletes the subscriptions.
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <csignal>
#include <iostream>
#include <map>
#include <sstream>
#include <thread>

#include "Harness.h"
#include "SyncFixture.h"
#include "net/PocoHttpClient.h"

namespace calconn::e2e {
namespace {

struct SubscriptionInfo {
    std::string id;
    std::string client_state;
    std::string notification_url;
};

class NotificationsE2e : public ::testing::Test {
protected:
    void SetUp() override {
        GraphsimOptions options;
        options.users = 3;
        options.events_per_mailbox = 5;
        options.client_secret = "e2e-notifications-secret";
        // Notifications go to calconnd over HTTPS, whose certificate graphsim's CA signed.
        options.extra_args = {"--trust-ca", dir_.file("ca/ca.pem")};
        sim_ = std::make_unique<Graphsim>(dir_, options);
        ASSERT_TRUE(sim_->started()) << sim_->log();
        upns_ = sim_->mailboxes();
        ASSERT_EQ(upns_.size(), 3u);

        const int port = freePort();
        ASSERT_GT(port, 0);
        api_ = "https://127.0.0.1:" + std::to_string(port);
        SyncConfig config;
        config.users = upns_;
        config.poll_interval = "1h";  // anything faster than that is a notification's doing
        config.sync_extra = "  notifications:\n    public_url: " + api_ + "/graph/notifications\n";
        config.extra = "api:\n  listen: 127.0.0.1:" + std::to_string(port) +
                       "\n  tls:\n    certificate_file: " + sim_->serverCertificate() +
                       "\n    private_key_file: " + sim_->serverKey() +
                       "\n  tokens_file: " + dir_.file("api-tokens.yaml") + "\n";
        config_ = writeSyncConfig(dir_, *sim_, config);
        notify_ = std::make_unique<NotifySocket>(dir_.file("notify.sock"));
        daemon_ = std::make_unique<DaemonProcess>(
            config_, dir_.file("calconnd.log"),
            std::vector<std::string>{"NOTIFY_SOCKET=" + notify_->path()});
        ASSERT_TRUE(notify_->waitFor("READY=1", 30s)) << daemon_->log();

        net::PocoHttpClientOptions http_options;
        http_options.tls.ca_file = sim_->caFile();
        http_ = std::move(net::PocoHttpClient::create(http_options).value());

        // Every mailbox synced once and subscribed (each subscription passed graphsim's
        // validation handshake against calconnd's API).
        ASSERT_TRUE(eventually([&] {
            std::size_t active = 0;
            for (const auto& [upn, row] : mailboxRows(dir_)) active += row.state == "active";
            return active == upns_.size() && subscriptions().size() == upns_.size();
        })) << daemon_->log();
    }

    // The application's subscriptions in graphsim, by mailbox (lower case).
    std::map<std::string, SubscriptionInfo> subscriptions() {
        std::map<std::string, SubscriptionInfo> out;
        auto reply = sim_->graph("GET", "/v1.0/subscriptions");
        if (reply.status != 200) return out;
        auto list = parseObject(reply.body)->getArray("value");
        for (std::size_t i = 0; list && i < list->size(); ++i) {
            auto s = list->getObject(static_cast<unsigned>(i));
            const std::string resource = lower(s->getValue<std::string>("resource"));
            for (const auto& upn : upns_) {
                if (resource.find(lower(upn)) == std::string::npos) continue;
                out[lower(upn)] = {s->getValue<std::string>("id"),
                                   s->getValue<std::string>("clientState"),
                                   s->getValue<std::string>("notificationUrl")};
            }
        }
        return out;
    }

    SubscriptionInfo subscriptionOf(const std::string& upn) { return subscriptions()[lower(upn)]; }

    SimReply postToCalconnd(const std::string& body) {
        net::HttpRequest request;
        request.method = "POST";
        request.url = api_ + "/graph/notifications";
        request.headers.add("Content-Type", "application/json");
        request.body = body;
        auto response = http_->send(request);
        if (!response.ok()) return {};
        return {response->status, response->body};
    }

    // A counter or gauge from calconnd's /metrics (0 when absent), with an admin token.
    double metric(const std::string& sample) {
        if (admin_token_.empty()) {
            auto created = runProgram({CALCONNCTL_PATH, "--config", config_, "token", "create",
                                       "e2e", "--scope", "admin"});
            if (created.exit_code != 0) return -1;
            std::istringstream lines(created.out);
            for (std::string line; std::getline(lines, line);)
                if (!line.empty()) admin_token_ = line;
        }
        net::HttpRequest request;
        request.method = "GET";
        request.url = api_ + "/metrics";
        request.headers.add("Authorization", "Bearer " + admin_token_);
        auto response = http_->send(request);
        if (!response.ok() || response->status != 200) return -1;
        std::istringstream lines(response->body);
        for (std::string line; std::getline(lines, line);)
            if (line.rfind(sample + " ", 0) == 0) return std::stod(line.substr(sample.size() + 1));
        return 0;
    }

    // True once the mailbox's decrypted cache lists a meeting with this subject (or, with
    // `present` false, no longer does).
    bool cacheShows(const std::string& upn, const std::string& subject, bool present = true) {
        auto dump = calconnctl(dir_, {"mailbox", "dump", upn});
        return dump.exit_code == 0 && (dump.out.find(subject) != std::string::npos) == present;
    }

    TempDir dir_;
    std::unique_ptr<Graphsim> sim_;
    std::vector<std::string> upns_;
    std::string api_;
    std::string config_;
    std::unique_ptr<NotifySocket> notify_;
    std::unique_ptr<DaemonProcess> daemon_;
    std::unique_ptr<net::PocoHttpClient> http_;
    std::string admin_token_;
};

TEST_F(NotificationsE2e, ChangesReachTheCacheWithinSecondsWithoutPolling) {
    const auto subs = subscriptions();
    ASSERT_EQ(subs.size(), upns_.size());
    for (const auto& [upn, sub] : subs) {
        EXPECT_EQ(sub.notification_url, api_ + "/graph/notifications") << upn;
        EXPECT_GE(sub.client_state.size(), 32u) << upn;  // a random secret per subscription
    }
    EXPECT_NE(subs.begin()->second.client_state, subs.rbegin()->second.client_state);

    // Created, edited and deleted by another client: each reaches the cache within seconds.
    const std::string upn = upns_[0];
    const auto when = std::chrono::system_clock::now() + std::chrono::hours(26);
    const auto t0 = std::chrono::steady_clock::now();
    auto created = sim_->send("POST", "/_sim/mailboxes/" + upn + "/events",
                              eventJson("notified meeting", when, std::chrono::minutes(30)));
    ASSERT_EQ(created.status, 201) << created.body;
    ASSERT_TRUE(eventually([&] { return cacheShows(upn, "notified meeting"); }))
        << daemon_->log();
    const auto create_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
            .count();
    const std::string id = parseObject(created.body)->getValue<std::string>("id");

    const auto t1 = std::chrono::steady_clock::now();
    ASSERT_EQ(sim_->send("PATCH", "/_sim/mailboxes/" + upn + "/events/" + id,
                         R"({"subject":"notified and renamed"})")
                  .status,
              200);
    ASSERT_TRUE(eventually([&] { return cacheShows(upn, "notified and renamed"); }))
        << daemon_->log();
    const auto update_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t1)
            .count();

    ASSERT_EQ(sim_->send("DELETE", "/_sim/mailboxes/" + upn + "/events/" + id).status, 204);
    ASSERT_TRUE(eventually([&] { return cacheShows(upn, "notified and renamed", false); }))
        << daemon_->log();
    // And the cache equals the truth.
    const Window w = comparableWindow();
    EXPECT_EQ(cachedRows(dir_, upn, w), sim_->truthRows(upn, w));

    const double lag = metric("calconn_notification_lag_seconds");
    EXPECT_GT(lag, 0);
    EXPECT_LT(lag, 5);
    EXPECT_GE(metric("calconn_notifications_total{result=\"accepted\"}"), 3);
    std::cout << "[ latency  ] change to cache (as calconnctl sees it): create " << create_ms
              << " ms, update " << update_ms << " ms; calconn_notification_lag_seconds " << lag
              << "\n";

    // A clean stop deletes the subscriptions: Graph stops posting to a stopped daemon.
    daemon_->signal(SIGTERM);
    EXPECT_EQ(daemon_->waitExit(30s), 0) << daemon_->log();
    EXPECT_TRUE(subscriptions().empty());
}

TEST_F(NotificationsE2e, LifecycleEventsAreHandled) {
    auto round_of = [&](const std::string& upn) { return sim_->mailboxRequests(upn); };
    auto subscription_calls = [&] {
        return sim_->counters()->getObject("endpoints")->optValue<std::int64_t>("subscriptions", 0);
    };

    // missed: a delta round for that mailbox (and only that one).
    const auto missed = subscriptionOf(upns_[0]);
    const auto before_0 = round_of(upns_[0]);
    const auto before_1 = round_of(upns_[1]);
    sim_->control("POST", "/_sim/subscriptions/lifecycle",
                  R"({"id":")" + missed.id + R"(","event":"missed"})");
    sim_->control("POST", "/_sim/subscriptions/flush");
    EXPECT_TRUE(eventually([&] { return round_of(upns_[0]) > before_0; })) << daemon_->log();

    // reauthorizationRequired: POST /subscriptions/{id}/reauthorize, same subscription, and a
    // catch-up round.
    const auto reauth = subscriptionOf(upns_[1]);
    const auto calls = subscription_calls();
    sim_->control("POST", "/_sim/subscriptions/lifecycle",
                  R"({"id":")" + reauth.id + R"(","event":"reauthorizationRequired"})");
    EXPECT_TRUE(eventually([&] { return subscription_calls() == calls + 1; }))
        << daemon_->log();
    EXPECT_TRUE(eventually([&] { return round_of(upns_[1]) > before_1; })) << daemon_->log();
    EXPECT_EQ(subscriptionOf(upns_[1]).id, reauth.id);
    EXPECT_TRUE(daemon_->waitForLog("reauthorized the subscription of " + upns_[1]));

    // subscriptionRemoved: graphsim dropped it; calconnd subscribes again (new id, new secret)
    // and changes keep flowing through the new subscription.
    const auto removed = subscriptionOf(upns_[2]);
    sim_->control("POST", "/_sim/subscriptions/lifecycle",
                  R"({"id":")" + removed.id + R"(","event":"subscriptionRemoved"})");
    SubscriptionInfo renewed;
    EXPECT_TRUE(eventually(
        [&] {
            renewed = subscriptionOf(upns_[2]);
            return !renewed.id.empty() && renewed.id != removed.id;
        }))
        << daemon_->log();
    EXPECT_NE(renewed.client_state, removed.client_state);
    auto created = sim_->send(
        "POST", "/_sim/mailboxes/" + upns_[2] + "/events",
        eventJson("after resubscribing", std::chrono::system_clock::now() + std::chrono::hours(5),
                  std::chrono::minutes(30)));
    ASSERT_EQ(created.status, 201);
    EXPECT_TRUE(eventually([&] { return cacheShows(upns_[2], "after resubscribing"); }))
        << daemon_->log();
    EXPECT_EQ(metric("calconn_notifications_total{result=\"lifecycle\"}"), 3);
    EXPECT_EQ(subscriptions().size(), upns_.size());
}

TEST_F(NotificationsE2e, AForgedNotificationIsRejectedAndTriggersNothing) {
    const auto victim = subscriptionOf(upns_[1]);
    const auto genuine = subscriptionOf(upns_[2]);
    ASSERT_FALSE(victim.id.empty());
    // Each new subscription queued a catch-up round: let the victim's finish first.
    std::int64_t last = -1;
    ASSERT_TRUE(eventually(
        [&] {
            const std::int64_t requests = sim_->mailboxRequests(upns_[1]);
            const bool settled = requests == last;
            last = requests;
            return settled;
        },
        kDeadline, 1s));
    const auto victim_before = sim_->mailboxRequests(upns_[1]);
    const auto genuine_before = sim_->mailboxRequests(upns_[2]);
    const double rejected = metric("calconn_notifications_total{result=\"rejected\"}");

    // The real subscription id with a guessed clientState, batched with a genuine one: the
    // genuine one syncs its mailbox, the forged one nothing. Graph is not told which (202).
    auto item = [](const SubscriptionInfo& s, const std::string& state, const std::string& upn) {
        return R"({"subscriptionId":")" + s.id + R"(","clientState":")" + state +
               R"(","changeType":"updated","resource":"Users/)" + upn +
               R"(/Events/AAMk","resourceData":{"id":"AAMk"}})";
    };
    std::string forged_state = victim.client_state;
    forged_state.back() = forged_state.back() == 'a' ? 'b' : 'a';
    auto reply = postToCalconnd(R"({"value":[)" + item(victim, forged_state, upns_[1]) + "," +
                                item(genuine, genuine.client_state, upns_[2]) + "]}");
    EXPECT_EQ(reply.status, 202) << reply.body;
    EXPECT_TRUE(eventually([&] { return sim_->mailboxRequests(upns_[2]) > genuine_before; }))
        << daemon_->log();
    EXPECT_EQ(sim_->mailboxRequests(upns_[1]), victim_before);
    EXPECT_EQ(metric("calconn_notifications_total{result=\"rejected\"}"), rejected + 1);

    // The validation handshake is echoed; a body that is not a notification is refused.
    net::HttpRequest validation;
    validation.method = "POST";
    validation.url = api_ + "/graph/notifications?validationToken=Validation%3A%20token%201";
    auto echoed = http_->send(validation);
    ASSERT_TRUE(echoed.ok());
    EXPECT_EQ(echoed->status, 200);
    EXPECT_EQ(echoed->body, "Validation: token 1");
    EXPECT_EQ(postToCalconnd("not json").status, 400);
    EXPECT_EQ(sim_->mailboxRequests(upns_[1]), victim_before);
}

}  // namespace
}  // namespace calconn::e2e
