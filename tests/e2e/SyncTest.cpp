// calconnd syncing a graphsim tenant: the real daemon and the real simulator as processes,
// over HTTPS with graphsim's generated CA. Waits (polling with a deadline) until
// `calconnctl status --json` shows every mailbox active with graphsim's event counts.
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <csignal>
#include <fstream>
#include <map>
#include <set>

#include "Harness.h"
#include "graph/TimeZones.h"
#include "net/PocoHttpClient.h"

namespace calconn::e2e {
namespace {

constexpr const char* kTenant = "72f988bf-86f1-41af-91ab-2d7cd011db47";
constexpr const char* kClientId = "6731de76-14a6-49ae-97bc-6eba6914391e";
constexpr const char* kSecret = "e2e-sync-secret";

Poco::JSON::Object::Ptr parseObject(const std::string& text) {
    Poco::JSON::Parser parser;
    return parser.parse(text).extract<Poco::JSON::Object::Ptr>();
}

class SyncE2e : public ::testing::Test {
protected:
    void startGraphsim(int users, int events, const std::vector<std::string>& extra = {}) {
        std::vector<std::string> argv{GRAPHSIM_PATH,
                                      "--port",
                                      "0",
                                      "--tenant-id",
                                      kTenant,
                                      "--client-id",
                                      kClientId,
                                      "--client-secret",
                                      kSecret,
                                      "--tenant-seed",
                                      "17",
                                      "--users",
                                      std::to_string(users),
                                      "--rooms",
                                      "1",
                                      "--events-per-mailbox",
                                      std::to_string(events),
                                      "--gen-ca",
                                      dir_.file("ca")};
        argv.insert(argv.end(), extra.begin(), extra.end());
        graphsim_ = std::make_unique<ChildProcess>(argv, dir_.file("graphsim.log"));
        ASSERT_TRUE(graphsim_->waitForLog("graphsim listening on ")) << graphsim_->log();
        const std::string log = graphsim_->log();
        const auto at = log.find("https://");
        base_ = log.substr(at, log.find('\n', at) - at);
        net::PocoHttpClientOptions options;
        options.tls.ca_file = dir_.file("ca/ca.pem");
        http_ = std::move(net::PocoHttpClient::create(options).value());
    }

    // UPN -> (state, events) from `calconnctl status --json`.
    std::map<std::string, std::pair<std::string, std::size_t>> statusRows() {
        std::map<std::string, std::pair<std::string, std::size_t>> rows;
        auto root = status();
        if (!root) return rows;
        auto list = (*root)->getArray("mailboxes");
        for (std::size_t i = 0; list && i < list->size(); ++i) {
            auto m = list->getObject(static_cast<unsigned>(i));
            rows[m->getValue<std::string>("upn")] = {
                m->getValue<std::string>("state"),
                static_cast<std::size_t>(m->getValue<Poco::Int64>("events"))};
        }
        return rows;
    }

    std::string control(const std::string& method, const std::string& path,
                        const std::string& body = {}) {
        net::HttpRequest request;
        request.method = method;
        request.url = base_ + path;
        request.body = body;
        if (!body.empty()) request.headers.add("Content-Type", "application/json");
        auto response = http_->send(request);
        EXPECT_TRUE(response.ok());
        if (!response.ok()) return {};
        EXPECT_EQ(response->status, 200) << path << ": " << response->body;
        return response->body;
    }

    std::vector<std::string> mailboxes() {
        Poco::JSON::Parser parser;
        auto list =
            parser.parse(control("GET", "/_sim/mailboxes")).extract<Poco::JSON::Array::Ptr>();
        std::vector<std::string> out;
        for (std::size_t i = 0; i < list->size(); ++i)
            out.push_back(list->getObject(static_cast<unsigned>(i))->getValue<std::string>("upn"));
        return out;
    }

    // Instances graphsim's calendarView lists in calconnd's window (1 day back, 30 ahead).
    std::size_t truthCount(const std::string& upn) {
        const auto now = std::chrono::system_clock::now();
        const std::string path =
            "/_sim/truth/" + upn +
            "?startDateTime=" + graph::formatIsoUtc(now - std::chrono::hours(24)) +
            "&endDateTime=" + graph::formatIsoUtc(now + std::chrono::hours(24 * 30));
        return parseObject(control("GET", path))->getArray("value")->size();
    }

    std::string writeSyncConfig(const std::vector<std::string>& users) {
        const std::string secret = dir_.file("client-secret");
        std::ofstream(secret) << kSecret << "\n";
        ::chmod(secret.c_str(), 0600);
        const std::string config = dir_.file("calconnd.yaml");
        std::ofstream out(config);
        out << "daemon:\n"
            << "  state_directory: " << dir_.file("state") << "\n"
            << "  control_socket: " << dir_.file("run/control.sock") << "\n"
            << "  shutdown_timeout: 10s\n"
            << "microsoft365:\n"
            << "  tenants:\n"
            << "    - name: sim\n"
            << "      tenant_id: " << kTenant << "\n"
            << "      client_id: " << kClientId << "\n"
            << "      client_secret_file: " << secret << "\n"
            << "      login_endpoint: " << base_ << "\n"
            << "      graph_endpoint: " << base_ << "\n"
            << "sync:\n"
            << "  poll_interval: 10s\n"
            << "  workers: 4\n"
            << "mailboxes:\n"
            << "  users:\n";
        for (const auto& upn : users) out << "    - " << upn << "\n";
        out << "tls:\n"
            << "  ca_file: " << dir_.file("ca/ca.pem") << "\n"
            << "logging:\n"
            << "  level: info\n"
            << "  target: stderr\n";
        return config;
    }

    std::optional<Poco::JSON::Object::Ptr> status() {
        auto result = runProgram(
            {CALCONNCTL_PATH, "--socket", dir_.file("run/control.sock"), "status", "--json"});
        if (result.exit_code != 0) return std::nullopt;
        try {
            return parseObject(result.out);
        } catch (const Poco::Exception&) {
            return std::nullopt;
        }
    }

    TempDir dir_;
    std::unique_ptr<ChildProcess> graphsim_;
    std::string base_;
    std::unique_ptr<net::PocoHttpClient> http_;
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
            auto root = status();
            if (!root) return false;
            auto list = (*root)->getArray("mailboxes");
            if (!list || list->size() != upns.size()) return false;
            std::ostringstream seen;
            bool all = true;
            for (std::size_t i = 0; i < list->size(); ++i) {
                auto m = list->getObject(static_cast<unsigned>(i));
                const std::string upn = m->getValue<std::string>("upn");
                const std::string state = m->getValue<std::string>("state");
                const auto events = static_cast<std::size_t>(m->getValue<Poco::Int64>("events"));
                seen << upn << " " << state << " " << events << " "
                     << m->getValue<std::string>("error") << "\n";
                if (upn == outside) {
                    all = all && state == "error" &&
                          m->getValue<std::string>("reason") == "out_of_scope";
                } else {
                    all = all && state == "active" && events == expected[upn] &&
                          !m->isNull("last_sync");
                }
            }
            last = seen.str();
            return all;
        },
        std::chrono::seconds(30));
    EXPECT_TRUE(converged) << last << "\n" << daemon.log();

    // The decrypted cache equals Graph's calendarView, instance by instance.
    for (const std::string& upn : {upns[0], upns[1]}) {
        auto dump = runProgram(
            {CALCONNCTL_PATH, "--socket", dir_.file("run/control.sock"), "mailbox", "dump", upn});
        ASSERT_EQ(dump.exit_code, 0) << dump.err;
        std::multiset<std::string> cached;
        auto meetings = parseObject(dump.out)->getArray("meetings");
        const auto now = std::chrono::system_clock::now();
        const auto from = now - std::chrono::hours(24);
        const auto to = now + std::chrono::hours(24 * 30);
        auto row = [](const std::string& id, const std::string& start, const std::string& end,
                      const std::string& subject) {
            const auto s = graph::parseIsoDateTime(start);
            const auto e = graph::parseIsoDateTime(end);
            return id + "|" + graph::formatIsoUtc(*s) + "|" + graph::formatIsoUtc(*e) + "|" +
                   subject;
        };
        for (std::size_t i = 0; i < meetings->size(); ++i) {
            auto m = meetings->getObject(static_cast<unsigned>(i));
            if (m->getValue<std::string>("type") == "seriesMaster") continue;
            const auto start = *graph::parseIsoDateTime(m->getValue<std::string>("start"));
            const auto end = *graph::parseIsoDateTime(m->getValue<std::string>("end"));
            if (!(start < to && end > from)) continue;
            cached.insert(row(m->getValue<std::string>("id"), m->getValue<std::string>("start"),
                              m->getValue<std::string>("end"),
                              m->getValue<std::string>("subject")));
        }
        std::multiset<std::string> truth;
        const std::string path = "/_sim/truth/" + upn +
                                 "?startDateTime=" + graph::formatIsoUtc(from) +
                                 "&endDateTime=" + graph::formatIsoUtc(to);
        auto list = parseObject(control("GET", path))->getArray("value");
        for (std::size_t i = 0; i < list->size(); ++i) {
            auto e = list->getObject(static_cast<unsigned>(i));
            truth.insert(row(e->getValue<std::string>("id"),
                             e->getObject("start")->getValue<std::string>("dateTime"),
                             e->getObject("end")->getValue<std::string>("dateTime"),
                             e->getValue<std::string>("subject")));
        }
        EXPECT_FALSE(truth.empty());
        EXPECT_EQ(cached, truth) << upn;
    }

    // The human table shows the same.
    auto table =
        runProgram({CALCONNCTL_PATH, "--socket", dir_.file("run/control.sock"), "mailbox", "list"});
    EXPECT_EQ(table.exit_code, 0) << table.err;
    EXPECT_NE(table.out.find("out_of_scope"), std::string::npos) << table.out;

    // Resync verbs are accepted; an unknown mailbox is refused.
    EXPECT_EQ(runProgram({CALCONNCTL_PATH, "--socket", dir_.file("run/control.sock"), "mailbox",
                          "resync", "--all"})
                  .exit_code,
              0);
    EXPECT_EQ(runProgram({CALCONNCTL_PATH, "--socket", dir_.file("run/control.sock"), "mailbox",
                          "resync", upns[0]})
                  .exit_code,
              0);
    EXPECT_NE(runProgram({CALCONNCTL_PATH, "--socket", dir_.file("run/control.sock"), "mailbox",
                          "resync", "nobody@nowhere.example"})
                  .exit_code,
              0);
    daemon.signal(SIGUSR1);

    // A meeting created in Graph reaches the cache on the next round (resync: no poll wait).
    const std::string upn = upns[0];
    const auto when =
        graph::formatIsoUtc(std::chrono::system_clock::now() + std::chrono::hours(48));
    const auto until =
        graph::formatIsoUtc(std::chrono::system_clock::now() + std::chrono::hours(49));
    net::HttpRequest create;
    create.method = "POST";
    create.url = base_ + "/_sim/mailboxes/" + upn + "/events";
    create.headers.add("Content-Type", "application/json");
    create.body = R"({"subject":"e2e canary","start":{"dateTime":")" + when.substr(0, 19) +
                  R"(","timeZone":"UTC"},"end":{"dateTime":")" + until.substr(0, 19) +
                  R"(","timeZone":"UTC"}})";
    auto created = http_->send(create);
    ASSERT_TRUE(created.ok());
    ASSERT_EQ(created->status, 201) << created->body;
    const std::size_t want = truthCount(upn);
    EXPECT_EQ(want, expected[upn] + 1);
    EXPECT_EQ(runProgram({CALCONNCTL_PATH, "--socket", dir_.file("run/control.sock"), "mailbox",
                          "resync", upn})
                  .exit_code,
              0);
    auto eventsOf = [&](const std::string& who) -> std::optional<std::size_t> {
        auto root = status();
        if (!root) return std::nullopt;
        auto list = (*root)->getArray("mailboxes");
        for (std::size_t i = 0; list && i < list->size(); ++i) {
            auto m = list->getObject(static_cast<unsigned>(i));
            if (m->getValue<std::string>("upn") == who)
                return static_cast<std::size_t>(m->getValue<Poco::Int64>("events"));
        }
        return std::nullopt;
    };
    EXPECT_TRUE(eventually([&] { return eventsOf(upn) == want; }, std::chrono::seconds(20)))
        << daemon.log();

    // Remove and add again at run time.
    EXPECT_EQ(runProgram({CALCONNCTL_PATH, "--socket", dir_.file("run/control.sock"), "mailbox",
                          "remove", outside})
                  .exit_code,
              0);
    EXPECT_FALSE(eventsOf(outside).has_value());
    EXPECT_NE(runProgram({CALCONNCTL_PATH, "--socket", dir_.file("run/control.sock"), "mailbox",
                          "remove", outside})
                  .exit_code,
              0);
    control("POST", "/_sim/policy", R"({"all":true})");
    EXPECT_EQ(runProgram({CALCONNCTL_PATH, "--socket", dir_.file("run/control.sock"), "mailbox",
                          "add", outside})
                  .exit_code,
              0);
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
        std::chrono::seconds(30));
    EXPECT_TRUE(converged) << last << daemon.log();
    daemon.signal(SIGTERM);
    EXPECT_EQ(daemon.waitExit(), 0) << daemon.log();
}

}  // namespace
}  // namespace calconn::e2e
