// calconnd syncing a graphsim tenant: the real daemon and the real simulator as processes,
// over HTTPS with graphsim's generated CA. Waits (polling with a deadline) until
// `calconnctl status --json` shows every mailbox active with graphsim's event counts.
#include <gtest/gtest.h>

#include <csignal>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "Harness.h"
#include "SyncFixture.h"
#include "graph/TimeZones.h"

namespace calconn::e2e {
namespace {

class SyncE2e : public ::testing::Test {
protected:
    void startGraphsim(int users, int events, const std::vector<std::string>& extra = {}) {
        GraphsimOptions options;
        options.users = users;
        options.rooms = 1;
        options.events_per_mailbox = events;
        options.extra_args = extra;
        sim_ = std::make_unique<Graphsim>(dir_, options);
        ASSERT_TRUE(sim_->started()) << sim_->log();
    }

    // UPN -> (state, events) from `calconnctl status --json`.
    std::map<std::string, std::pair<std::string, std::size_t>> statusRows() {
        std::map<std::string, std::pair<std::string, std::size_t>> rows;
        for (const auto& [upn, row] : mailboxRows(dir_)) rows[upn] = {row.state, row.events};
        return rows;
    }

    std::string control(const std::string& method, const std::string& path,
                        const std::string& body = {}) {
        return sim_->control(method, path, body);
    }

    std::vector<std::string> mailboxes() { return sim_->mailboxes(); }

    // Instances graphsim's calendarView lists in calconnd's window (1 day back, 30 ahead).
    std::size_t truthCount(const std::string& upn) { return sim_->truthCount(upn, syncWindow()); }

    std::string writeSyncConfig(const std::vector<std::string>& users) {
        SyncConfig config;
        config.users = users;
        config.extra = "api:\n  listen: 127.0.0.1:0\n";  // tests run in parallel: no fixed port
        return e2e::writeSyncConfig(dir_, *sim_, config);
    }

    ProcessResult ctl(std::vector<std::string> args) { return calconnctl(dir_, std::move(args)); }

    TempDir dir_;
    std::unique_ptr<Graphsim> sim_;
};

TEST_F(SyncE2e, DaemonSyncsEveryMailboxToGraphsimsTruth) {
    startGraphsim(5, 12);
    auto upns = mailboxes();
    ASSERT_GE(upns.size(), 6u);
    // One mailbox outside the application access policy.
    const std::string outside = upns.back();
    std::string policy = R"({"mailboxes":[)";
    for (std::size_t i = 0; i + 1 < upns.size(); ++i) policy += (i ? ",\"" : "\"") + upns[i] + "\"";
    control("POST", "/_sim/policy", policy + "]}");

    const std::string config = writeSyncConfig(upns);
    NotifySocket notify(dir_.file("notify.sock"));
    DaemonProcess daemon(config, dir_.file("calconnd.log"), {"NOTIFY_SOCKET=" + notify.path()});
    ASSERT_TRUE(notify.waitFor("READY=1")) << daemon.log();

    std::map<std::string, std::size_t> expected;
    for (const auto& upn : upns)
        if (upn != outside) expected[upn] = truthCount(upn);
    std::size_t total = 0;
    for (const auto& [upn, n] : expected) total += n;
    ASSERT_GT(total, 20u);

    std::string last;
    const bool converged = eventually(
        [&] {
            const auto rows = mailboxRows(dir_);
            if (rows.size() != upns.size()) return false;
            std::ostringstream seen;
            bool all = true;
            for (const auto& [upn, m] : rows) {
                seen << upn << " " << m.state << " " << m.events << " " << m.error << "\n";
                if (upn == outside) {
                    all = all && m.state == "error" && m.reason == "out_of_scope";
                } else {
                    all = all && m.state == "active" && m.events == expected[upn] &&
                          m.last_sync.has_value();
                }
            }
            last = seen.str();
            return all;
        },
        std::chrono::seconds(30));
    EXPECT_TRUE(converged) << last << "\n" << daemon.log();

    // The decrypted cache equals Graph's calendarView, instance by instance.
    for (const std::string& upn : {upns[0], upns[1]}) {
        const Window w = comparableWindow();
        auto cached = cachedRows(dir_, upn, w);
        ASSERT_TRUE(cached.has_value()) << upn;
        const auto truth = sim_->truthRows(upn, w);
        EXPECT_FALSE(truth.empty());
        EXPECT_EQ(*cached, truth) << upn;
    }

    // The human table shows the same.
    auto table = ctl({"mailbox", "list"});
    EXPECT_EQ(table.exit_code, 0) << table.err;
    EXPECT_NE(table.out.find("out_of_scope"), std::string::npos) << table.out;

    // Resync verbs are accepted; an unknown mailbox is refused.
    EXPECT_EQ(ctl({"mailbox", "resync", "--all"}).exit_code, 0);
    EXPECT_EQ(ctl({"mailbox", "resync", upns[0]}).exit_code, 0);
    EXPECT_NE(ctl({"mailbox", "resync", "nobody@nowhere.example"}).exit_code, 0);
    daemon.signal(SIGUSR1);

    // A meeting created in Graph reaches the cache on the next round (resync: no poll wait).
    const std::string upn = upns[0];
    auto created = sim_->send(
        "POST", "/_sim/mailboxes/" + upn + "/events",
        eventJson("e2e canary", std::chrono::system_clock::now() + std::chrono::hours(48),
                  std::chrono::minutes(60)));
    ASSERT_EQ(created.status, 201) << created.body;
    const std::size_t want = truthCount(upn);
    EXPECT_EQ(want, expected[upn] + 1);
    EXPECT_EQ(ctl({"mailbox", "resync", upn}).exit_code, 0);
    auto eventsOf = [&](const std::string& who) -> std::optional<std::size_t> {
        const auto rows = mailboxRows(dir_);
        auto it = rows.find(who);
        if (it == rows.end()) return std::nullopt;
        return it->second.events;
    };
    EXPECT_TRUE(eventually([&] { return eventsOf(upn) == want; }, std::chrono::seconds(20)))
        << daemon.log();

    // Remove and add again at run time.
    EXPECT_EQ(ctl({"mailbox", "remove", outside}).exit_code, 0);
    EXPECT_FALSE(eventsOf(outside).has_value());
    EXPECT_NE(ctl({"mailbox", "remove", outside}).exit_code, 0);
    control("POST", "/_sim/policy", R"({"all":true})");
    EXPECT_EQ(ctl({"mailbox", "add", outside}).exit_code, 0);
    const std::size_t outside_truth = truthCount(outside);
    EXPECT_TRUE(
        eventually([&] { return eventsOf(outside) == outside_truth; }, std::chrono::seconds(20)))
        << daemon.log();

    daemon.signal(SIGTERM);
    EXPECT_EQ(daemon.waitExit(), 0) << daemon.log();
    // No meeting text in the daemon's log.
    EXPECT_EQ(daemon.log().find("\"subject\""), std::string::npos);
}

// Faults on 10% of Graph calls and calconnd killed with SIGKILL three times in the middle of
// its initial sync: every restart resumes from the committed pages and the cache converges.
TEST_F(SyncE2e, SurvivesFaultsAndSigkillDuringTheInitialSync) {
    startGraphsim(40, 30, {"--latency-ms", "50"});
    for (const char* rule :
         {R"({"pattern":"^GET /v1.0/","probability":0.03,"status":503,"retryAfter":"fractional"})",
          R"({"pattern":"^GET /v1.0/","probability":0.03,"status":429,"retryAfter":"zero"})",
          R"({"pattern":"^GET /v1.0/","probability":0.02,"reset":true})",
          R"({"pattern":"^GET /v1.0/","probability":0.02,"truncate":true})"})
        control("POST", "/_sim/faults", rule);
    const auto upns = mailboxes();
    const std::string config = writeSyncConfig(upns);
    std::map<std::string, std::size_t> expected;
    for (const auto& upn : upns) expected[upn] = truthCount(upn);

    for (int kill = 0; kill < 3; ++kill) {
        NotifySocket notify(dir_.file("notify" + std::to_string(kill) + ".sock"));
        DaemonProcess daemon(config, dir_.file("calconnd" + std::to_string(kill) + ".log"),
                             {"NOTIFY_SOCKET=" + notify.path()});
        ASSERT_TRUE(notify.waitFor("READY=1")) << daemon.log();
        // Kill once some more mailboxes have made progress, while the others are mid-round.
        const std::size_t want = static_cast<std::size_t>(kill + 1) * upns.size() / 5;
        eventually(
            [&] {
                std::size_t active = 0;
                for (const auto& [upn, row] : statusRows()) active += row.first == "active";
                return active >= want;
            },
            std::chrono::seconds(20));
        daemon.signal(SIGKILL);
        EXPECT_EQ(daemon.waitExit(), -1);
    }

    NotifySocket notify(dir_.file("notify.sock"));
    DaemonProcess daemon(config, dir_.file("calconnd.log"), {"NOTIFY_SOCKET=" + notify.path()});
    ASSERT_TRUE(notify.waitFor("READY=1")) << daemon.log();
    std::string last;
    const bool converged = eventually(
        [&] {
            auto rows = statusRows();
            std::ostringstream seen;
            bool all = rows.size() == upns.size();
            for (const auto& [upn, row] : rows) {
                seen << upn << " " << row.first << " " << row.second << "/" << expected[upn]
                     << "\n";
                all = all && row.first == "active" && row.second == expected[upn];
            }
            last = seen.str();
            return all;
        },
        std::chrono::seconds(60));  // a few poll intervals, on a loaded machine
    EXPECT_TRUE(converged) << last << daemon.log();
    daemon.signal(SIGTERM);
    EXPECT_EQ(daemon.waitExit(), 0) << daemon.log();
}

// Two failure modes of the issue's acceptance at once, sharing one poll interval: every delta
// token expires in graphsim (410 SyncStateNotFound), so each mailbox's next poll falls back to
// a full resync that must converge, deletions included; and a mailbox outside the application
// access policy stays in error (out of scope) without being retried in a loop: while the
// others poll again, it is not asked for at all (its backoff starts at about a minute).
TEST_F(SyncE2e, ExpiredDeltaTokensResyncInFullAndAMailboxOutOfScopeBacksOff) {
    startGraphsim(8, 10);
    const auto upns = mailboxes();
    const std::string outside = upns.back();
    std::vector<std::string> inside(upns.begin(), upns.end() - 1);
    std::string policy = R"({"mailboxes":[)";
    for (std::size_t i = 0; i < inside.size(); ++i) policy += (i ? ",\"" : "\"") + inside[i] + "\"";
    control("POST", "/_sim/policy", policy + "]}");

    NotifySocket notify(dir_.file("notify.sock"));
    DaemonProcess daemon(writeSyncConfig(upns), dir_.file("calconnd.log"),
                         {"NOTIFY_SOCKET=" + notify.path()});
    ASSERT_TRUE(notify.waitFor("READY=1")) << daemon.log();
    std::string last;
    ASSERT_TRUE(eventually([&] {
        const auto rows = mailboxRows(dir_);
        std::ostringstream seen;
        bool all = rows.size() == upns.size();
        for (const auto& [upn, r] : rows) {
            seen << upn << " " << r.state << " " << r.reason << "\n";
            all = all && (upn == outside ? r.state == "error" && r.reason == "out_of_scope"
                                         : r.state == "active");
        }
        last = seen.str();
        return all;
    })) << last
        << daemon.log();
    auto denied = [&] {
        return sim_->counters()->getObject("endpoints")->optValue<std::int64_t>("accessDenied", 0);
    };
    const auto denied_before = denied();
    const auto denied_since = std::chrono::steady_clock::now();
    EXPECT_GE(denied_before, 1);  // its first round was refused

    // Changes in every mailbox, a deletion among them, then every token expires.
    const auto now = std::chrono::system_clock::now();
    for (std::size_t i = 0; i < inside.size(); ++i) {
        const std::string events = "/_sim/mailboxes/" + inside[i] + "/events";
        const Window w = syncWindow();
        auto list = parseObject(control("GET", "/_sim/truth/" + inside[i] + "?startDateTime=" +
                                                   graph::formatIsoUtc(w.first) +
                                                   "&endDateTime=" + graph::formatIsoUtc(w.second)))
                        ->getArray("value");
        ASSERT_TRUE(list && list->size() > 0);
        const std::string victim = list->getObject(0)->getValue<std::string>("id");
        control("DELETE", events + "/" + victim);
        auto created = sim_->send(
            "POST", events,
            eventJson("after expiry " + std::to_string(i),
                      now + std::chrono::hours(3 + static_cast<int>(i)), std::chrono::minutes(30)));
        ASSERT_EQ(created.status, 201) << created.body;
    }
    control("POST", "/_sim/delta/expire", "{}");

    // The next regular poll (10 s, with jitter) of each mailbox finds its link gone and
    // reconciles the cache with a fresh full round.
    std::set<std::string> pending(inside.begin(), inside.end());
    const bool converged = eventually(
        [&] {
            const Window w = comparableWindow();
            for (auto it = pending.begin(); it != pending.end();) {
                auto cache = cachedRows(dir_, *it, w);
                if (cache && *cache == sim_->truthRows(*it, w)) {
                    it = pending.erase(it);
                } else {
                    ++it;
                }
            }
            return pending.empty();
        },
        30s, 200ms);
    EXPECT_TRUE(converged) << pending.size() << " mailboxes differ from the truth\n"
                           << daemon.log();
    for (const auto& upn : inside)
        EXPECT_NE(daemon.log().find("delta link of " + upn + " unusable"), std::string::npos)
            << upn << " did not fall back to a full resync";

    // Meanwhile every other mailbox polled again (every 10 s); the one out of scope backs off
    // for at least 45 s (60 s, less up to a quarter of jitter) before its next try.
    const auto waited = std::chrono::steady_clock::now() - denied_since;
    EXPECT_LE(denied() - denied_before, waited / 45s)
        << "out-of-scope retries in " << std::chrono::duration_cast<std::chrono::seconds>(waited).count()
        << " s";
    const auto rows = mailboxRows(dir_);
    ASSERT_TRUE(rows.count(outside));
    EXPECT_EQ(rows.at(outside).state, "error");
    EXPECT_EQ(rows.at(outside).reason, "out_of_scope");

    daemon.signal(SIGTERM);
    EXPECT_EQ(daemon.waitExit(), 0) << daemon.log();
}

}  // namespace
}  // namespace calconn::e2e
