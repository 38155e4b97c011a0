// Acceptance of keyword meetings (issue 5): calconnd, graphsim and webexsim as processes. A
// user types "@webex" or "@meet" into a meeting's location; the meeting gets exactly one
// join-details block, in the user's mailbox language, within one sync round; restarts and
// replayed resyncs add nothing; a body edit made between calconnd's read and its PATCH is kept
// (graphsim holds the PATCH back with a latency rule, the test edits meanwhile, Graph answers
// 412); "@meet" books exactly one Webex meeting; removing the keyword removes the block.
//
// Sync rounds are triggered, not waited for: the poll interval is a day and every start of
// calconnd runs a round (a full one after graphsim expired the delta tokens).
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cctype>
#include <csignal>
#include <ctime>
#include <fstream>

#include "Harness.h"
#include "SyncFixture.h"
#include "net/PocoHttpClient.h"

namespace calconn::e2e {
namespace {

constexpr const char* kSecret = "e2e-join-details-secret";
constexpr const char* kWebexToken = "e2e-webex-token";
constexpr const char* kBlockBegin = "calconn:join-details:begin";
constexpr const char* kSubject = "Quartalsplanung Vertrieb";
constexpr const char* kAgenda = "Budget &amp; Personal";

std::size_t countOf(const std::string& text, const std::string& needle) {
    std::size_t n = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
    return n;
}

// "YYYY-MM-DDTHH:00:00" (UTC) `hours` from now, on the hour.
std::string hoursFromNow(int hours) {
    const auto t = std::chrono::floor<std::chrono::hours>(std::chrono::system_clock::now()) +
                   std::chrono::hours(hours);
    const std::time_t tt = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    ::gmtime_r(&tt, &tm);
    char buffer[32];
    std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:00:00", &tm);
    return buffer;
}

class JoinDetailsE2e : public ::testing::Test {
protected:
    void SetUp() override {
        graphsim_ = std::make_unique<ChildProcess>(
            std::vector<std::string>{GRAPHSIM_PATH, "--port", "0", "--tenant-id", kSimTenantId,
                                     "--client-id", kSimClientId, "--client-secret", kSecret,
                                     "--tenant-seed", "5", "--users", "1", "--rooms", "1",
                                     "--events-per-mailbox", "0", "--gen-ca", dir_.file("ca")},
            dir_.file("graphsim.log"));
        ASSERT_TRUE(graphsim_->waitForLog("graphsim listening on ")) << graphsim_->log();
        graph_base_ = urlFromLog(graphsim_->log());
        // webexsim serves graphsim's generated certificate, so one CA file covers both.
        webexsim_ = std::make_unique<ChildProcess>(
            std::vector<std::string>{WEBEXSIM_PATH, "--port", "0", "--tls-cert",
                                     dir_.file("ca/server.pem"), "--tls-key",
                                     dir_.file("ca/server.key"), "--token", kWebexToken,
                                     "--site", "acme"},
            dir_.file("webexsim.log"));
        ASSERT_TRUE(webexsim_->waitForLog("webexsim listening on ")) << webexsim_->log();
        webex_base_ = urlFromLog(webexsim_->log());

        net::PocoHttpClientOptions options;
        options.tls.ca_file = dir_.file("ca/ca.pem");
        http_ = std::move(net::PocoHttpClient::create(options).value());

        auto list = Poco::JSON::Parser()
                        .parse(graph("GET", "/_sim/mailboxes"))
                        .extract<Poco::JSON::Array::Ptr>();
        for (std::size_t i = 0; i < list->size(); ++i) {
            auto mailbox = list->getObject(static_cast<unsigned>(i));
            if (mailbox->getValue<std::string>("kind") == "user") {
                upn_ = mailbox->getValue<std::string>("upn");
            }
        }
        ASSERT_FALSE(upn_.empty());
        // The organizer reads German: the block must be German.
        graph("PATCH", "/_sim/mailboxes/" + upn_ + "/settings",
              R"({"language": {"locale": "de-DE"}})");
        config_ = writeConfig();
    }

    void TearDown() override {
        if (daemon_) stopDaemon();
    }

    static std::string urlFromLog(const std::string& log) {
        const auto at = log.find("https://");
        return log.substr(at, log.find('\n', at) - at);
    }

    std::string send(const std::string& base, const std::string& method, const std::string& path,
                     const std::string& body) {
        net::HttpRequest request;
        request.method = method;
        request.url = base + path;
        request.body = body;
        if (!body.empty()) request.headers.add("Content-Type", "application/json");
        auto response = http_->send(request);
        EXPECT_TRUE(response.ok()) << path;
        if (!response.ok()) return {};
        EXPECT_LT(response->status, 300) << method << " " << path << ": " << response->body;
        return response->body;
    }
    std::string graph(const std::string& method, const std::string& path,
                      const std::string& body = {}) {
        return send(graph_base_, method, path, body);
    }
    std::string webex(const std::string& method, const std::string& path) {
        return send(webex_base_, method, path, {});
    }

    std::string writeConfig(bool enabled = true) {
        const std::string secret = dir_.file("client-secret");
        writeSecretFile(secret, kSecret);
        const std::string token = dir_.file("webex-token");
        writeSecretFile(token, kWebexToken);
        const std::string config = dir_.file("calconnd.yaml");
        std::ofstream(config) << daemonYaml(dir_) << simTenantYaml(graph_base_, secret)
                              << "sync:\n"
                              << "  poll_interval: 1d\n"
                              << "  workers: 2\n"
                              << "mailboxes:\n"
                              << "  users: [" << upn_ << "]\n"
                              << "webex:\n"  // no keywords: the defaults @webex and @meet
                              << "  api_endpoint: " << webex_base_ << "/v1\n"
                              << "  token_file: " << token << "\n"
                              << "  site: acme\n"
                              << "joindetails:\n"
                              << "  enabled: " << (enabled ? "true" : "false") << "\n"
                              << "  template_dir: " << dir_.file("templates") << "\n"
                              << "api:\n"
                              << "  listen: 127.0.0.1:0\n"
                              << "  tokens_file: " << dir_.file("api-tokens.yaml") << "\n"
                              << tlsAndLoggingYaml(dir_.file("ca/ca.pem"));
        return config;
    }

    void startDaemon() {
        ++runs_;
        notify_ = std::make_unique<NotifySocket>(dir_.file("notify-" + std::to_string(runs_) + ".sock"));
        daemon_ = std::make_unique<DaemonProcess>(
            config_, dir_.file("calconnd-" + std::to_string(runs_) + ".log"),
            std::vector<std::string>{"NOTIFY_SOCKET=" + notify_->path()});
        ASSERT_TRUE(notify_->waitFor("READY=1")) << daemon_->log();
    }

    void stopDaemon() {
        daemon_->signal(SIGTERM);
        EXPECT_EQ(daemon_->waitExit(), 0) << daemon_->log();
        logs_ += daemon_->log();
        daemon_.reset();
    }

    std::string createEvent(const std::string& location) {
        const std::string body = R"({"subject": ")" + std::string(kSubject) + R"(",
            "start": {"dateTime": ")" + hoursFromNow(26) + R"(", "timeZone": "UTC"},
            "end": {"dateTime": ")" + hoursFromNow(27) + R"(", "timeZone": "UTC"},
            "location": {"displayName": ")" + location + R"("},
            "body": {"contentType": "html", "content": "<html><body><p>)" + std::string(kAgenda) +
                                 R"(</p></body></html>"}})";
        return parseObject(graph("POST", "/_sim/mailboxes/" + upn_ + "/events", body))
            ->getValue<std::string>("id");
    }

    Poco::JSON::Object::Ptr event(const std::string& id) {
        return parseObject(graph("GET", "/_sim/mailboxes/" + upn_ + "/events/" + id));
    }
    std::string body(const std::string& id) {
        return event(id)->getObject("body")->getValue<std::string>("content");
    }
    void editEvent(const std::string& id, const std::string& json) {
        graph("PATCH", "/_sim/mailboxes/" + upn_ + "/events/" + id, json);
    }

    // graphsim holds calconnd's next PATCH of an event for `ms` before applying it.
    void holdNextPatch(int ms) {
        graph("POST", "/_sim/faults",
              R"({"pattern": "^PATCH /v1\\.0/users/", "latencyMs": )" + std::to_string(ms) +
                  R"(, "count": 1})");
    }
    // That PATCH has arrived and is being held.
    bool patchHeld() {
        return graph("GET", "/_sim/faults").find("\"remaining\":0") != std::string::npos;
    }

    std::int64_t counter(const std::string& endpoint) {
        auto endpoints = parseObject(graph("GET", "/_sim/counters"))->getObject("endpoints");
        return endpoints->has(endpoint) ? endpoints->getValue<std::int64_t>(endpoint) : 0;
    }
    std::size_t webexMeetings() {
        return static_cast<std::size_t>(parseObject(webex("GET", "/_sim/meetings"))->getValue<int>("count"));
    }

    // Nothing sensitive reaches the log: no subject, body text, join link or token.
    void expectNothingSensitiveLogged() {
        if (daemon_) logs_ += daemon_->log();
        EXPECT_EQ(logs_.find(kSubject), std::string::npos);
        EXPECT_EQ(logs_.find("Budget"), std::string::npos);
        EXPECT_EQ(logs_.find("webex.com/"), std::string::npos);
        EXPECT_EQ(logs_.find(kWebexToken), std::string::npos);
    }

    TempDir dir_;
    std::unique_ptr<ChildProcess> graphsim_;
    std::unique_ptr<ChildProcess> webexsim_;
    std::string graph_base_;
    std::string webex_base_;
    std::unique_ptr<net::PocoHttpClient> http_;
    std::string upn_;
    std::string config_;
    int runs_ = 0;
    std::unique_ptr<NotifySocket> notify_;
    std::unique_ptr<DaemonProcess> daemon_;
    std::string logs_;
};

TEST_F(JoinDetailsE2e, WebexKeywordGetsOneGermanBlockThatRestartsAndResyncsLeaveAlone) {
    const std::string id = createEvent("Raum 4.12; @webex");
    startDaemon();
    // The initial sync round is the only one (poll interval: a day): the block comes with it.
    ASSERT_TRUE(eventually([&] { return body(id).find(kBlockBegin) != std::string::npos; }))
        << daemon_->log();
    const std::string first = body(id);
    EXPECT_EQ(countOf(first, kBlockBegin), 1u);
    EXPECT_NE(first.find("Meinem persönlichen Webex-Raum beitreten"), std::string::npos) << first;
    std::string room_id = upn_.substr(0, upn_.find('@'));
    for (auto& c : room_id) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    EXPECT_NE(first.find("https://acme.webex.com/meet/" + room_id), std::string::npos) << first;
    EXPECT_NE(first.find(kAgenda), std::string::npos);  // the user's text is kept
    EXPECT_EQ(counter("calendarView/delta"), 1);
    ASSERT_EQ(counter("events.patch"), 1);

    // 20 restarts, each re-examining the event: the start-up sweep of the cache, the round at
    // start (a full resync after expired delta tokens), and replayed changes that leave keyword
    // and block alone. Never a second block, never another PATCH.
    for (int restart = 0; restart < 20; ++restart) {
        stopDaemon();
        if (restart % 2 == 0) graph("POST", "/_sim/delta/expire", "{}");
        if (restart % 5 == 0) {
            editEvent(id, R"({"subject": ")" + std::string(kSubject) + " v" +
                              std::to_string(restart) + R"("})");
        }
        const auto reads = counter("events.get");
        const auto rounds = counter("calendarView/delta");
        startDaemon();
        ASSERT_TRUE(eventually([&] {
            return counter("events.get") > reads && counter("calendarView/delta") > rounds;
        })) << daemon_->log();
    }
    stopDaemon();  // finishes any work in flight
    EXPECT_EQ(body(id), first);
    EXPECT_EQ(counter("events.patch"), 1);

    // The user takes the keyword out: the next round finds the change, the block goes, the
    // rest stays.
    editEvent(id, R"({"location": {"displayName": "Raum 4.12"}})");
    startDaemon();
    ASSERT_TRUE(eventually([&] { return body(id).find(kBlockBegin) == std::string::npos; }))
        << daemon_->log();
    EXPECT_NE(body(id).find(kAgenda), std::string::npos);
    EXPECT_EQ(body(id).find("webex.com"), std::string::npos);
    expectNothingSensitiveLogged();
}

TEST_F(JoinDetailsE2e, EditBetweenReadAndPatchIsKept) {
    const std::string id = createEvent("@webex");
    // calconnd's first PATCH is held for 6 s: long enough to edit the event meanwhile.
    holdNextPatch(6000);
    startDaemon();
    ASSERT_TRUE(eventually([&] { return patchHeld(); })) << daemon_->log();
    // The PATCH is on its way with the etag calconnd read; Bob edits the agenda now.
    editEvent(id, R"({"body": {"contentType": "html",
        "content": "<html><body><p>Budget &amp; Personal</p><p>Von Bob ergänzt</p></body></html>"}})");
    ASSERT_TRUE(eventually([&] {
        const std::string b = body(id);
        return b.find(kBlockBegin) != std::string::npos && b.find("Von Bob ergänzt") != std::string::npos;
    })) << daemon_->log() << body(id);
    EXPECT_EQ(countOf(body(id), kBlockBegin), 1u);
    EXPECT_TRUE(daemon_->waitForLog("after 1 concurrent edit(s)")) << daemon_->log();
    // Bob's edit and ours come back through the next round: no second block either.
    stopDaemon();
    const auto reads = counter("events.get");
    startDaemon();
    ASSERT_TRUE(eventually([&] { return counter("events.get") > reads; }));
    stopDaemon();
    EXPECT_EQ(countOf(body(id), kBlockBegin), 1u);
    EXPECT_NE(body(id).find("Von Bob ergänzt"), std::string::npos);
}

TEST_F(JoinDetailsE2e, MeetKeywordBooksExactlyOneWebexMeetingAndRemovalCancelsIt) {
    const std::string id = createEvent("@meet");
    startDaemon();
    ASSERT_TRUE(eventually([&] { return body(id).find(kBlockBegin) != std::string::npos; }))
        << daemon_->log();
    EXPECT_EQ(webexMeetings(), 1u);
    auto meetings = parseObject(webex("GET", "/_sim/meetings"))->getArray("items");
    auto meeting = meetings->getObject(0);
    const std::string web_link = meeting->getValue<std::string>("webLink");
    EXPECT_EQ(meeting->getValue<std::string>("title"), kSubject);
    const std::string with_block = body(id);
    EXPECT_NE(with_block.find("Am Webex-Meeting teilnehmen"), std::string::npos) << with_block;
    EXPECT_NE(with_block.find(meeting->getValue<std::string>("sipAddress")), std::string::npos);
    EXPECT_EQ(countOf(with_block, kBlockBegin), 1u);

    // Replays: resyncs (SIGUSR1, expired delta tokens) and restarts book nothing more.
    daemon_->signal(SIGUSR1);
    for (int restart = 0; restart < 2; ++restart) {
        stopDaemon();
        graph("POST", "/_sim/delta/expire", "{}");
        const auto reads = counter("events.get");
        startDaemon();
        ASSERT_TRUE(eventually([&] { return counter("events.get") > reads; }));
    }
    stopDaemon();
    EXPECT_EQ(webexMeetings(), 1u);
    EXPECT_EQ(body(id), with_block);

    // Keyword removed: block out, and the Webex meeting no one can find any more is deleted.
    editEvent(id, R"({"location": {"displayName": "Raum 4.12"}})");
    startDaemon();
    ASSERT_TRUE(eventually([&] {
        return body(id).find(kBlockBegin) == std::string::npos && webexMeetings() == 0;
    })) << daemon_->log();
    EXPECT_EQ(body(id).find(web_link), std::string::npos);
    EXPECT_NE(body(id).find(kAgenda), std::string::npos);
    expectNothingSensitiveLogged();
}

TEST_F(JoinDetailsE2e, ABookingCutShortByACrashIsFinishedWithTheSameWebexMeeting) {
    const std::string id = createEvent("@meet");
    // calconnd books the Webex meeting; its PATCH of the invitation is then held long enough
    // to kill calconnd before the invitation names the meeting.
    holdNextPatch(20000);
    startDaemon();
    ASSERT_TRUE(eventually([&] { return webexMeetings() == 1 && patchHeld(); })) << daemon_->log();
    daemon_->signal(SIGKILL);
    EXPECT_EQ(daemon_->waitExit(), -1);
    logs_ += daemon_->log();
    daemon_.reset();
    graph("DELETE", "/_sim/faults");
    // The held PATCH still reaches graphsim's event store when its 20 s are up; an edit now
    // makes its etag stale, so it is refused whenever that happens.
    editEvent(id, R"({"location": {"displayName": "Raum 4.12; @meet"}})");

    // The next start finds the meeting by its integration tag and writes that one.
    startDaemon();
    ASSERT_TRUE(eventually([&] { return body(id).find(kBlockBegin) != std::string::npos; }))
        << daemon_->log();
    EXPECT_TRUE(daemon_->waitForLog("booked by an earlier attempt")) << daemon_->log();
    stopDaemon();
    EXPECT_EQ(webexMeetings(), 1u);
    auto meeting = parseObject(webex("GET", "/_sim/meetings"))->getArray("items")->getObject(0);
    EXPECT_NE(body(id).find(meeting->getValue<std::string>("webLink")), std::string::npos);
    EXPECT_EQ(countOf(body(id), kBlockBegin), 1u);
    expectNothingSensitiveLogged();
}

TEST_F(JoinDetailsE2e, TurnedOnByAReloadCatchesUpWithMeetingsAlreadySynced) {
    config_ = writeConfig(false);
    const std::string id = createEvent("@webex");
    const auto rounds = counter("calendarView/delta");
    startDaemon();
    ASSERT_TRUE(eventually([&] { return counter("calendarView/delta") > rounds; }));
    // The meeting is in calconnd's cache (and its change went by, ignored) before the reload.
    ASSERT_TRUE(eventually([&] {
        const auto status = runProgram({CALCONNCTL_PATH, "--socket", dir_.file("run/control.sock"),
                                        "status", "--json"});
        if (status.exit_code != 0) return false;
        auto mailboxes = parseObject(status.out)->getArray("mailboxes");
        return mailboxes && mailboxes->size() == 1 &&
               mailboxes->getObject(0)->getValue<Poco::Int64>("events") == 1;
    })) << daemon_->log();
    writeConfig(true);
    daemon_->signal(SIGHUP);
    ASSERT_TRUE(eventually([&] { return body(id).find(kBlockBegin) != std::string::npos; }))
        << daemon_->log();
    EXPECT_EQ(countOf(body(id), kBlockBegin), 1u);
    EXPECT_EQ(counter("events.patch"), 1);
}

}  // namespace
}  // namespace calconn::e2e
