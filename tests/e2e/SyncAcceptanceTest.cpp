// Acceptance tests of the mailbox sync (issue 4), against the real graphsim and calconnd
// processes: convergence to graphsim's ground truth under injected faults and thousands of
// random mutations (with the per-mailbox concurrency cap checked from graphsim's counters),
// and no plaintext meeting data at rest in the state directory or the daemon's log.
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <csignal>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "Harness.h"
#include "graph/TimeZones.h"
#include "net/PocoHttpClient.h"

namespace calconn::e2e {
namespace {

constexpr const char* kTenant = "72f988bf-86f1-41af-91ab-2d7cd011db47";
constexpr const char* kClientId = "6731de76-14a6-49ae-97bc-6eba6914391e";
constexpr const char* kSecret = "e2e-acceptance-secret";

Poco::JSON::Object::Ptr parseObject(const std::string& text) {
    Poco::JSON::Parser parser;
    return parser.parse(text).extract<Poco::JSON::Object::Ptr>();
}

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

// Graph's dateTime without fraction or zone, as the control API accepts it with "UTC".
std::string graphDateTime(std::chrono::system_clock::time_point at) {
    return graph::formatIsoUtc(at).substr(0, 19);
}

struct ControlReply {
    int status = 0;
    std::string body;
};

class SyncAcceptance : public ::testing::Test {
protected:
    void startGraphsim(int users, int events) {
        std::vector<std::string> argv{GRAPHSIM_PATH,    "--port",        "0",
                                      "--tenant-id",    kTenant,         "--client-id",
                                      kClientId,        "--client-secret", kSecret,
                                      "--tenant-seed",  "4242",          "--users",
                                      std::to_string(users), "--rooms",  "0",
                                      "--events-per-mailbox", std::to_string(events),
                                      "--gen-ca",       dir_.file("ca")};
        graphsim_ = std::make_unique<ChildProcess>(argv, dir_.file("graphsim.log"));
        ASSERT_TRUE(graphsim_->waitForLog("graphsim listening on ", 30s)) << graphsim_->log();
        const std::string log = graphsim_->log();
        const auto at = log.find("https://");
        base_ = log.substr(at, log.find('\n', at) - at);
        net::PocoHttpClientOptions options;
        options.tls.ca_file = dir_.file("ca/ca.pem");
        http_ = std::move(net::PocoHttpClient::create(options).value());
    }

    ControlReply send(const std::string& method, const std::string& path,
                      const std::string& body = {}) {
        net::HttpRequest request;
        request.method = method;
        request.url = base_ + path;
        request.body = body;
        if (!body.empty()) request.headers.add("Content-Type", "application/json");
        auto response = http_->send(request);
        if (!response.ok()) return {};
        return {response->status, response->body};
    }

    // A control call that must succeed.
    std::string control(const std::string& method, const std::string& path,
                        const std::string& body = {}) {
        auto reply = send(method, path, body);
        EXPECT_TRUE(reply.status >= 200 && reply.status < 300)
            << method << " " << path << ": " << reply.status << " " << reply.body;
        return reply.body;
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

    std::string ctlSocket() const { return dir_.file("run/control.sock"); }

    ProcessResult ctl(std::vector<std::string> args) {
        args.insert(args.begin(), {CALCONNCTL_PATH, "--socket", ctlSocket()});
        return runProgram(args);
    }

    std::string writeSyncConfig(const std::vector<std::string>& users, const std::string& level) {
        const std::string secret = dir_.file("client-secret");
        std::ofstream(secret) << kSecret << "\n";
        ::chmod(secret.c_str(), 0600);
        const std::string config = dir_.file("calconnd.yaml");
        std::ofstream out(config);
        out << "daemon:\n"
            << "  state_directory: " << dir_.file("state") << "\n"
            << "  control_socket: " << ctlSocket() << "\n"
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
            << "  level: " << level << "\n"
            << "  target: stderr\n";
        return config;
    }

    // UPN -> state from `calconnctl status --json`.
    std::map<std::string, std::string> states() {
        std::map<std::string, std::string> rows;
        auto result = ctl({"status", "--json"});
        if (result.exit_code != 0) return rows;
        try {
            auto list = parseObject(result.out)->getArray("mailboxes");
            for (std::size_t i = 0; list && i < list->size(); ++i) {
                auto m = list->getObject(static_cast<unsigned>(i));
                rows[m->getValue<std::string>("upn")] = m->getValue<std::string>("state");
            }
        } catch (const Poco::Exception&) {
        }
        return rows;
    }

    // One comparable line per instance: every field both the dump and the truth carry.
    static std::string row(const std::string& id, const std::string& type,
                           const std::string& master, const std::string& start,
                           const std::string& end, bool all_day, bool cancelled,
                           const std::string& subject, const std::string& change_key) {
        const auto s = graph::parseIsoDateTime(start);
        const auto e = graph::parseIsoDateTime(end);
        std::ostringstream out;
        out << id << " | " << type << " | " << master << " | "
            << (s.ok() ? graph::formatIsoUtc(*s) : "bad:" + start) << " | "
            << (e.ok() ? graph::formatIsoUtc(*e) : "bad:" + end) << " | "
            << (all_day ? "allday" : "timed") << " | " << (cancelled ? "cancelled" : "live")
            << " | " << subject << " | " << change_key;
        return out.str();
    }

    using Window = std::pair<std::chrono::system_clock::time_point, std::chrono::system_clock::time_point>;

    // calconnd's window (1 day back, 30 ahead) as of now.
    static Window window() {
        const auto now = std::chrono::system_clock::now();
        return {now - std::chrono::hours(24), now + std::chrono::hours(24 * 30)};
    }

    std::multiset<std::string> truth(const std::string& upn, const Window& w) {
        std::multiset<std::string> out;
        const std::string path = "/_sim/truth/" + upn + "?startDateTime=" +
                                 graph::formatIsoUtc(w.first) +
                                 "&endDateTime=" + graph::formatIsoUtc(w.second);
        auto list = parseObject(control("GET", path))->getArray("value");
        for (std::size_t i = 0; i < list->size(); ++i) {
            auto e = list->getObject(static_cast<unsigned>(i));
            out.insert(row(e->getValue<std::string>("id"), e->optValue<std::string>("type", ""),
                           e->optValue<std::string>("seriesMasterId", ""),
                           e->getObject("start")->getValue<std::string>("dateTime"),
                           e->getObject("end")->getValue<std::string>("dateTime"),
                           e->optValue<bool>("isAllDay", false),
                           e->optValue<bool>("isCancelled", false),
                           e->optValue<std::string>("subject", ""),
                           e->optValue<std::string>("changeKey", "")));
        }
        return out;
    }

    // The decrypted cache, as calendarView would list it in `w` (series masters left out).
    std::optional<std::multiset<std::string>> cached(const std::string& upn, const Window& w) {
        auto dump = ctl({"mailbox", "dump", upn});
        if (dump.exit_code != 0) return std::nullopt;
        std::multiset<std::string> out;
        try {
            auto meetings = parseObject(dump.out)->getArray("meetings");
            for (std::size_t i = 0; meetings && i < meetings->size(); ++i) {
                auto m = meetings->getObject(static_cast<unsigned>(i));
                const std::string type = m->getValue<std::string>("type");
                if (type == "seriesMaster") continue;
                const auto start = graph::parseIsoDateTime(m->getValue<std::string>("start"));
                const auto end = graph::parseIsoDateTime(m->getValue<std::string>("end"));
                if (!start.ok() || !end.ok()) return std::nullopt;
                if (!(*start < w.second && *end > w.first)) continue;
                out.insert(row(m->getValue<std::string>("id"), type,
                               m->optValue<std::string>("series_master_id", ""),
                               m->getValue<std::string>("start"), m->getValue<std::string>("end"),
                               m->optValue<bool>("is_all_day", false),
                               m->optValue<bool>("is_cancelled", false),
                               m->optValue<std::string>("subject", ""),
                               // The cache keeps "instance|master" change keys for occurrences.
                               changeKeyOf(m->optValue<std::string>("change_key", ""))));
            }
        } catch (const Poco::Exception&) {
            return std::nullopt;
        }
        return out;
    }

    static std::string changeKeyOf(const std::string& cached) {
        return cached.substr(0, cached.find('|'));
    }

    TempDir dir_;
    std::unique_ptr<ChildProcess> graphsim_;
    std::string base_;
    std::unique_ptr<net::PocoHttpClient> http_;
};

// A small deterministic PRNG whose draws do not depend on the standard library's distributions.
class Prng {
public:
    explicit Prng(std::uint64_t seed) : state_(seed) {}
    std::uint64_t next() {
        std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }
    std::size_t below(std::size_t n) { return static_cast<std::size_t>(next() % n); }

private:
    std::uint64_t state_;
};

std::string eventJson(const std::string& subject, std::chrono::system_clock::time_point start,
                      std::chrono::minutes length) {
    return R"({"subject":")" + subject + R"(","start":{"dateTime":")" + graphDateTime(start) +
           R"(","timeZone":"UTC"},"end":{"dateTime":")" + graphDateTime(start + length) +
           R"(","timeZone":"UTC"}})";
}

TEST_F(SyncAcceptance, ConvergesUnderFaultsAndMutations) {
    constexpr int kUsers = 200;
    constexpr int kEvents = 30;
    constexpr int kMutations = 2000;
    const auto started = std::chrono::steady_clock::now();
    startGraphsim(kUsers, kEvents);
    const auto upns = mailboxes();
    ASSERT_EQ(upns.size(), static_cast<std::size_t>(kUsers));
    // graphsim's own throttle would refuse a fifth concurrent request and hide a client that
    // sends it: lift it so the counters show what calconnd really does.
    control("POST", "/_sim/throttle/limits", R"({"maxConcurrent":1000,"budget":1000000})");
    // About 10% of Graph calls fail, in every way the issue lists.
    for (const char* rule :
         {R"({"pattern":"^GET /v1.0/","probability":0.025,"status":429,"retryAfter":"1"})",
          R"({"pattern":"^GET /v1.0/","probability":0.02,"status":429,"retryAfter":"absent"})",
          R"({"pattern":"^GET /v1.0/","probability":0.02,"status":503,"retryAfter":"zero"})",
          R"({"pattern":"^GET /v1.0/","probability":0.02,"reset":true})",
          R"({"pattern":"^GET /v1.0/","probability":0.015,"truncate":true})"})
        control("POST", "/_sim/faults", rule);

    const std::string config = writeSyncConfig(upns, "info");
    NotifySocket notify(dir_.file("notify.sock"));
    DaemonProcess daemon(config, dir_.file("calconnd.log"), {"NOTIFY_SOCKET=" + notify.path()});
    ASSERT_TRUE(notify.waitFor("READY=1", 30s)) << daemon.log();

    // The initial sync completes for every mailbox.
    std::string last;
    const bool initial = eventually(
        [&] {
            auto rows = states();
            std::size_t active = 0;
            for (const auto& [upn, state] : rows) active += state == "active";
            last = std::to_string(active) + "/" + std::to_string(rows.size()) + " active";
            // Pause between polls: each poll runs calconnctl.
            if (active != upns.size()) std::this_thread::sleep_for(200ms);
            return active == upns.size();
        },
        90s);
    ASSERT_TRUE(initial) << last << "\n" << daemon.log();
    const auto synced = std::chrono::steady_clock::now();

    // 2,000 deterministic random changes made by "other clients" while calconnd keeps polling.
    Prng prng(20261127);
    const auto now = std::chrono::system_clock::now();
    std::map<std::string, int> outcomes;
    for (int i = 0; i < kMutations; ++i) {
        const std::string& upn = upns[prng.below(upns.size())];
        const std::string base = "/_sim/mailboxes/" + upn + "/events";
        const int op = static_cast<int>(prng.below(100));
        const auto at = now + std::chrono::hours(1 + static_cast<int>(prng.below(24 * 27))) +
                        std::chrono::minutes(15 * static_cast<int>(prng.below(4)));
        const std::string subject = "acc " + std::to_string(i);
        if (op < 15) {
            auto r = send("POST", base, eventJson(subject, at, std::chrono::minutes(30)));
            ++outcomes["create:" + std::to_string(r.status)];
            continue;
        }
        if (op < 22) {
            const std::string start = graphDateTime(at);
            std::string body = eventJson(subject + " series", at, std::chrono::minutes(45));
            body.pop_back();
            body += R"(,"recurrence":{"pattern":{"type":")" +
                    std::string(prng.below(2) ? "daily" : "weekly") +
                    R"(","interval":1,"daysOfWeek":["monday","wednesday","friday"]},"range":{"type":"numbered","startDate":")" +
                    start.substr(0, 10) + R"(","numberOfOccurrences":)" +
                    std::to_string(3 + prng.below(8)) + "}}}";
            auto r = send("POST", base, body);
            ++outcomes["createSeries:" + std::to_string(r.status)];
            continue;
        }
        // Act on an instance that exists now (single, occurrence or exception) or its master.
        const auto list = parseObject(control("GET", "/_sim/truth/" + upn + "?startDateTime=" +
                                                         graph::formatIsoUtc(now - std::chrono::hours(24)) +
                                                         "&endDateTime=" +
                                                         graph::formatIsoUtc(now + std::chrono::hours(24 * 30))))
                              ->getArray("value");
        if (!list || list->size() == 0) {
            ++outcomes["empty"];
            continue;
        }
        auto target = list->getObject(static_cast<unsigned>(prng.below(list->size())));
        const std::string id = target->getValue<std::string>("id");
        const std::string master = target->optValue<std::string>("seriesMasterId", "");
        std::string kind;
        ControlReply r;
        if (op < 45) {
            kind = master.empty() ? "update" : "editOccurrence";
            r = send("PATCH", base + "/" + id, eventJson(subject + " edited", at, std::chrono::minutes(60)));
        } else if (op < 55) {
            kind = master.empty() ? "retitle" : "retitleOccurrence";
            r = send("PATCH", base + "/" + id, R"({"subject":")" + subject + R"( retitled"})");
        } else if (op < 65 && !master.empty()) {
            kind = "editSeries";
            r = send("PATCH", base + "/" + master,
                     R"({"subject":")" + subject + R"( series edited","location":{"displayName":"Room )" +
                         std::to_string(i) + R"("}})");
        } else if (op < 75) {
            kind = master.empty() ? "delete" : "deleteOccurrence";
            r = send("DELETE", base + "/" + id);
        } else if (op < 80 && !master.empty()) {
            kind = "deleteSeries";
            r = send("DELETE", base + "/" + master);
        } else {
            kind = "cancel";
            r = send("POST", base + "/" + id + "/cancel", "{}");
        }
        ++outcomes[kind + ":" + std::to_string(r.status)];
    }
    std::ostringstream summary;
    std::size_t failed = 0;
    for (const auto& [k, n] : outcomes) {
        summary << k << "=" << n << " ";
        const auto status = k.substr(k.find(':') + 1);
        if (k != "empty" && !(status.size() == 3 && status[0] == '2')) failed += static_cast<std::size_t>(n);
    }
    // Every change lands (a few may legitimately miss, e.g. cancelling an attendee copy twice).
    EXPECT_LT(failed, static_cast<std::size_t>(kMutations) / 20) << summary.str();
    const auto mutated = std::chrono::steady_clock::now();

    // The ground truth is fixed from here on; incremental polls (no resync) must reach it.
    const Window w = window();
    std::map<std::string, std::multiset<std::string>> want;
    for (const auto& upn : upns) want[upn] = truth(upn, w);
    std::set<std::string> pending(upns.begin(), upns.end());
    // A mailbox whose round failed on injected faults waits out its error backoff (1 min, then
    // 2 min) before its next round, so convergence may take a few minutes in the worst case.
    const auto deadline = std::chrono::steady_clock::now() + 360s;
    std::map<std::string, std::multiset<std::string>> got;
    bool reported_lag = false;
    while (!pending.empty() && std::chrono::steady_clock::now() < deadline) {
        for (auto it = pending.begin(); it != pending.end();) {
            auto cache = cached(*it, w);
            if (cache && *cache == want[*it]) {
                it = pending.erase(it);
            } else {
                if (cache) got[*it] = *cache;
                ++it;
            }
        }
        // Once, well past a poll interval: say who lags and why (diagnostics for slow runs).
        if (!reported_lag && !pending.empty() && std::chrono::steady_clock::now() - mutated > 25s) {
            reported_lag = true;
            auto st = ctl({"status", "--json"});
            std::cout << "[ lagging  ] " << pending.size() << " mailboxes after 25 s:";
            for (const auto& upn : pending) std::cout << " " << upn;
            std::cout << "\n";
            try {
                auto list = parseObject(st.out)->getArray("mailboxes");
                for (std::size_t i = 0; list && i < list->size(); ++i) {
                    auto m = list->getObject(static_cast<unsigned>(i));
                    if (!pending.count(m->getValue<std::string>("upn"))) continue;
                    std::ostringstream one;
                    m->stringify(one);
                    std::cout << "  " << one.str() << "\n";
                }
            } catch (const Poco::Exception&) {
            }
        }
        // Pause between polling passes (the deadline bounds the wait).
        if (!pending.empty()) std::this_thread::sleep_for(500ms);
    }
    const auto converged = std::chrono::steady_clock::now();
    int reported = 0;
    for (const auto& upn : pending) {
        std::vector<std::string> missing, extra;
        std::set_difference(want[upn].begin(), want[upn].end(), got[upn].begin(), got[upn].end(),
                            std::back_inserter(missing));
        std::set_difference(got[upn].begin(), got[upn].end(), want[upn].begin(), want[upn].end(),
                            std::back_inserter(extra));
        std::ostringstream diff;
        for (const auto& s : missing) diff << "  truth only: " << s << "\n";
        for (const auto& s : extra) diff << "  cache only: " << s << "\n";
        ADD_FAILURE() << upn << " did not converge:\n" << diff.str();
        if (++reported == 5) break;
    }
    EXPECT_TRUE(pending.empty()) << pending.size() << " mailboxes not converged";

    // No mailbox ever saw more than 4 of calconnd's requests in flight at once.
    auto counters = parseObject(control("GET", "/_sim/counters"));
    auto per_mailbox = counters->getObject("mailboxes");
    ASSERT_TRUE(per_mailbox);
    std::size_t seen = 0;
    int highest = 0;
    for (const auto& upn : upns) {
        if (!per_mailbox->has(upn)) continue;
        ++seen;
        const int max_concurrent = per_mailbox->getObject(upn)->getValue<int>("maxConcurrent");
        highest = std::max(highest, max_concurrent);
        EXPECT_LE(max_concurrent, 4) << upn;
    }
    EXPECT_EQ(seen, upns.size());

    using std::chrono::duration_cast;
    using std::chrono::milliseconds;
    std::cout << "[ timing   ] initial sync "
              << duration_cast<milliseconds>(synced - started).count() << " ms, mutations "
              << duration_cast<milliseconds>(mutated - synced).count() << " ms, convergence "
              << duration_cast<milliseconds>(converged - mutated).count()
              << " ms; highest per-mailbox concurrency " << highest << "; mutations: "
              << summary.str() << "\n";

    daemon.signal(SIGTERM);
    EXPECT_EQ(daemon.waitExit(30s), 0) << daemon.log();
}

TEST_F(SyncAcceptance, NoPlaintextAtRest) {
    startGraphsim(3, 5);
    const auto upns = mailboxes();
    ASSERT_FALSE(upns.empty());
    const std::string config = writeSyncConfig(upns, "debug");
    NotifySocket notify(dir_.file("notify.sock"));
    DaemonProcess daemon(config, dir_.file("calconnd.log"), {"NOTIFY_SOCKET=" + notify.path()});
    ASSERT_TRUE(notify.waitFor("READY=1", 30s)) << daemon.log();

    // Unique canaries in every sensitive field, a single meeting and a series in two mailboxes.
    const std::string tag = std::to_string(::getpid()) + "x" +
                            std::to_string(std::chrono::steady_clock::now().time_since_epoch().count() % 1000000007);
    std::vector<std::string> canaries;
    std::vector<std::pair<std::string, std::string>> subjects;  // (upn, subject)
    const auto now = std::chrono::system_clock::now();
    for (std::size_t k = 0; k < std::min<std::size_t>(2, upns.size()); ++k) {
        const std::string n = tag + "n" + std::to_string(k);
        const std::string subject = "canarysubject" + n;
        const std::string body = "canarybody" + n;
        const std::string location = "canarylocation" + n;
        const std::string attendee = "canaryattendee" + n + "@contoso.example";
        const std::string attendee_name = "canaryattendeename" + n;
        const std::string join = "https://teams.microsoft.com/l/meetup-join/canaryjoin" + n;
        for (const auto& c : {subject, body, location, attendee, attendee_name, join}) canaries.push_back(c);
        const auto start = now + std::chrono::hours(3 + static_cast<int>(k));
        std::string json = R"({"subject":")" + subject + R"(","body":{"contentType":"html","content":"<p>Join: )" +
                           join + " " + body + R"(</p>"},"start":{"dateTime":")" + graphDateTime(start) +
                           R"(","timeZone":"UTC"},"end":{"dateTime":")" +
                           graphDateTime(start + std::chrono::minutes(30)) +
                           R"(","timeZone":"UTC"},"location":{"displayName":")" + location +
                           R"("},"attendees":[{"type":"required","emailAddress":{"name":")" +
                           attendee_name + R"(","address":")" + attendee +
                           R"("}}],"isOnlineMeeting":true,"onlineMeetingProvider":"teamsForBusiness","onlineMeeting":{"joinUrl":")" +
                           join + "\"}";
        if (k == 1)
            json += R"(,"recurrence":{"pattern":{"type":"daily","interval":1},"range":{"type":"numbered","startDate":")" +
                    graphDateTime(start).substr(0, 10) + R"(","numberOfOccurrences":3}})";
        json += "}";
        auto r = send("POST", "/_sim/mailboxes/" + upns[k] + "/events", json);
        ASSERT_EQ(r.status, 201) << r.body;
        subjects.emplace_back(upns[k], subject);
    }
    ASSERT_EQ(ctl({"mailbox", "resync", "--all"}).exit_code, 0);

    // Synced and decrypted: the dump shows them (so the scan below is not vacuous).
    for (const auto& [upn, subject] : subjects) {
        std::string dump;
        EXPECT_TRUE(eventually(
            [&, upn = upn, subject = subject] {
                auto r = ctl({"mailbox", "dump", upn});
                dump = r.out;
                if (r.exit_code == 0 && r.out.find(subject) != std::string::npos) return true;
                std::this_thread::sleep_for(100ms);
                return false;
            },
            60s))
            << upn << ": " << dump << "\n"
            << daemon.log();
    }

    auto scan = [&](const std::string& when) {
        std::vector<std::string> files;
        for (const auto& entry : std::filesystem::recursive_directory_iterator(dir_.file("state")))
            if (entry.is_regular_file()) files.push_back(entry.path().string());
        EXPECT_FALSE(files.empty());
        bool saw_db = false;
        for (const auto& f : files) saw_db = saw_db || f.find("calconn.db") != std::string::npos;
        EXPECT_TRUE(saw_db) << when;
        files.push_back(dir_.file("calconnd.log"));
        for (const auto& f : files) {
            const std::string bytes = lower(readFile(f));
            for (const auto& c : canaries)
                EXPECT_EQ(bytes.find(lower(c)), std::string::npos)
                    << when << ": canary " << c << " in plaintext in " << f;
        }
        std::ostringstream listing;
        for (const auto& f : files) listing << f << " (" << std::filesystem::file_size(f) << " bytes) ";
        return listing.str();
    };
    // While running (the WAL holds the latest pages) and after a clean stop.
    scan("running");
    daemon.signal(SIGTERM);
    EXPECT_EQ(daemon.waitExit(30s), 0) << daemon.log();
    const std::string listing = scan("stopped");
    std::cout << "[ scanned  ] " << listing << "\n";
}

}  // namespace
}  // namespace calconn::e2e
