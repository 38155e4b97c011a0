// Out-of-office presence end to end: graphsim holds a user's automatic replies (scheduled
// 10:00-12:00 Europe/Warsaw), calconnd runs on a test clock that the test moves through the
// control socket, and an HTTPS receiver inside the test takes the presence webhooks and checks
// each signature. The state must flip at exactly those instants, with one sink call each, and
// a restart must not repeat anything.
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <csignal>
#include <fstream>

#include "Harness.h"
#include "SyncFixture.h"
#include "WebhookReceiver.h"
#include "crypto/WebhookSignature.h"
#include "ctl/ControlClient.h"

namespace calconn::e2e {
namespace {

constexpr const char* kSecret = "e2e-presence-secret";
constexpr const char* kSinkSecret = "e2e-presence-webhook-key";
constexpr const char* kReplyMessage = "<p>At the dentist until noon</p>";

// The presence webhook receiver: keeps each body whose X-Calconn-Signature verifies, counts
// the requests that do not.
class SinkReceiver {
public:
    SinkReceiver(const std::string& certificate, const std::string& key)
        : receiver_(certificate, key, 4) {}

    std::string url() const { return receiver_.url("/hooks/presence"); }
    std::vector<std::string> bodies() {
        std::vector<std::string> out;
        for (const auto& r : receiver_.received())
            if (isSigned(r)) out.push_back(r.body);
        return out;
    }
    int badSignatures() {
        const auto received = receiver_.received();
        return static_cast<int>(std::count_if(received.begin(), received.end(),
                                              [](const auto& r) { return !isSigned(r); }));
    }

private:
    static bool isSigned(const WebhookReceiver::Received& r) {
        return r.method == "POST" && r.content_type == "application/json" &&
               crypto::verifySignature(kSinkSecret, r.body, r.signature);
    }

    WebhookReceiver receiver_;
};

class PresenceE2e : public ::testing::Test {
protected:
    void SetUp() override {
        GraphsimOptions options;
        options.users = 2;
        options.rooms = 1;
        options.events_per_mailbox = 3;
        options.tenant_seed = "23";
        options.client_secret = kSecret;
        sim_ = std::make_unique<Graphsim>(dir_, options);
        ASSERT_TRUE(sim_->started()) << sim_->log();
        // graphsim's server certificate (for 127.0.0.1, from its test CA) serves the sink too.
        sink_ = std::make_unique<SinkReceiver>(sim_->serverCertificate(), sim_->serverKey());
        upn_ = sim_->mailboxes().at(0);  // users come first
        ASSERT_FALSE(upn_.empty());
    }

    std::string sim(const std::string& method, const std::string& path,
                    const std::string& body = {}) {
        const auto reply = sim_->send(method, path, body);
        EXPECT_EQ(reply.status, 200) << path << ": " << reply.body;
        return reply.status == 200 ? reply.body : std::string();
    }

    std::string writeConfig() {
        const std::string secret = dir_.file("client-secret");
        writeSecretFile(secret, kSecret);
        const std::string sink_secret = dir_.file("presence-webhook.key");
        writeSecretFile(sink_secret, kSinkSecret);
        const std::string config = dir_.file("calconnd.yaml");
        std::ofstream out(config);
        out << daemonYaml(dir_) << simTenantYaml(sim_->baseUrl(), secret)
            << "sync:\n"
            << "  poll_interval: 10s\n"
            << "  workers: 4\n"
            << "mailboxes:\n"
            << "  users:\n"
            << "    - " << upn_ << "\n"
            << "presence:\n"
            << "  poll_interval: 1m\n"
            << "  include_reply_message: true\n"
            << "  sinks:\n"
            << "    - type: webhook\n"
            << "      url: " << sink_->url() << "\n"
            << "      secret_file: " << sink_secret << "\n"
            << "api:\n"
            << "  listen: 127.0.0.1:0\n"  // other daemons may run beside this one
            << tlsAndLoggingYaml(sim_->caFile());
        return config;
    }

    std::unique_ptr<ChildProcess> startDaemon(const std::string& config, const std::string& clock,
                                              const std::string& log) {
        auto daemon = std::make_unique<ChildProcess>(
            std::vector<std::string>{CALCONND_PATH, "--config", config, "--test-clock", clock},
            dir_.file(log));
        EXPECT_TRUE(daemon->waitForLog("ready")) << daemon->log();
        return daemon;
    }

    // Moves calconnd's test clock (POST /v1/test/clock on the control socket).
    void setClock(const std::string& now) {
        ctl::ControlClient client(dir_.file("run/control.sock"));
        auto reply = client.request("POST", "/v1/test/clock", "{\"now\":\"" + now + "\"}");
        ASSERT_TRUE(reply.ok()) << reply.error().toString();
        ASSERT_EQ(reply->status, 200) << reply->body;
        ASSERT_NE(reply->body.find(now), std::string::npos) << reply->body;
    }

    // The user's row of `calconnctl presence --json`, if the daemon answers.
    Poco::JSON::Object::Ptr presenceRow() {
        auto result = runProgram(
            {CALCONNCTL_PATH, "--socket", dir_.file("run/control.sock"), "presence", "--json"});
        if (result.exit_code != 0) return nullptr;
        try {
            auto users = parseObject(result.out)->getArray("users");
            for (std::size_t i = 0; users && i < users->size(); ++i) {
                auto row = users->getObject(static_cast<unsigned>(i));
                if (row->getValue<std::string>("upn") == upn_) return row;
            }
        } catch (const Poco::Exception&) {
        }
        return nullptr;
    }
    bool presenceIs(const std::string& state) {
        auto row = presenceRow();
        return row && row->getValue<std::string>("state") == state;
    }
    // A read of the user finished and every sink has taken what it was offered.
    bool settled() {
        auto result = runProgram(
            {CALCONNCTL_PATH, "--socket", dir_.file("run/control.sock"), "presence", "--json"});
        if (result.exit_code != 0) return false;
        auto root = parseObject(result.out);
        auto row = presenceRow();
        auto sinks = root->getArray("sinks");
        return row && !row->isNull("last_poll") && sinks && sinks->size() == 1 &&
               sinks->getObject(0)->getValue<Poco::UInt64>("pending") == 0;
    }

    TempDir dir_;
    std::unique_ptr<Graphsim> sim_;
    std::unique_ptr<SinkReceiver> sink_;
    std::string upn_;
};

TEST_F(PresenceE2e, ScheduledAutomaticRepliesFlipAtTheirInstantsWithOneSinkCallEach) {
    // 10:00-12:00 in Warsaw on 2 March 2026 (CET, UTC+1) is 09:00-11:00 UTC.
    sim("PATCH", "/_sim/mailboxes/" + upn_ + "/settings",
        R"({"automaticRepliesSetting":{"status":"scheduled","externalAudience":"all",)"
        R"("scheduledStartDateTime":{"dateTime":"2026-03-02T10:00:00","timeZone":"Europe/Warsaw"},)"
        R"("scheduledEndDateTime":{"dateTime":"2026-03-02T12:00:00","timeZone":"Europe/Warsaw"},)"
        R"("externalReplyMessage":")" +
            std::string(kReplyMessage) + R"("}})");

    const std::string config = writeConfig();
    auto daemon = startDaemon(config, "2026-03-02T08:55:00Z", "calconnd-1.log");
    ASSERT_TRUE(eventually([&] { return settled(); })) << daemon->log();
    EXPECT_TRUE(presenceIs("available"));

    setClock("2026-03-02T08:59:59Z");  // one second before: still available
    EXPECT_TRUE(presenceIs("available"));
    EXPECT_TRUE(sink_->bodies().empty());

    setClock("2026-03-02T09:00:00Z");  // 10:00 in Warsaw
    EXPECT_TRUE(presenceIs("out_of_office"));
    ASSERT_TRUE(eventually([&] { return sink_->bodies().size() == 1; })) << daemon->log();
    auto away = parseObject(sink_->bodies()[0]);
    EXPECT_EQ(away->getValue<std::string>("upn"), upn_);
    EXPECT_EQ(away->getValue<std::string>("state"), "out_of_office");
    EXPECT_EQ(away->getValue<std::string>("since"), "2026-03-02T09:00:00Z");
    EXPECT_EQ(away->getValue<std::string>("until"), "2026-03-02T11:00:00Z");
    EXPECT_EQ(away->getValue<std::string>("message"), kReplyMessage);
    auto row = presenceRow();
    ASSERT_TRUE(row);
    EXPECT_EQ(row->getValue<std::string>("from"), "2026-03-02T09:00:00Z");
    EXPECT_EQ(row->getValue<std::string>("until"), "2026-03-02T11:00:00Z");

    setClock("2026-03-02T10:59:59Z");
    EXPECT_TRUE(presenceIs("out_of_office"));
    setClock("2026-03-02T11:00:00Z");  // 12:00 in Warsaw
    EXPECT_TRUE(presenceIs("available"));
    ASSERT_TRUE(eventually([&] { return sink_->bodies().size() == 2; })) << daemon->log();
    auto back = parseObject(sink_->bodies()[1]);
    EXPECT_EQ(back->getValue<std::string>("state"), "available");
    EXPECT_EQ(back->getValue<std::string>("since"), "2026-03-02T11:00:00Z");
    EXPECT_FALSE(back->has("until"));
    EXPECT_FALSE(back->has("message"));

    // A restart reads the setting again and has nothing new to say. The state file is read
    // after calconnd said it stopped, not after a deadline that could cut its shutdown short.
    ::kill(daemon->pid(), SIGTERM);
    ASSERT_TRUE(daemon->waitForLog("calconn.app: stopped", 30s)) << daemon->log();
    daemon.reset();
    const std::string state = readFile(dir_.file("state/presence.json"));
    EXPECT_NE(state.find("available"), std::string::npos);
    EXPECT_EQ(state.find("dentist"), std::string::npos);  // the reply message is never stored
    daemon = startDaemon(config, "2026-03-02T11:30:00Z", "calconnd-2.log");
    ASSERT_TRUE(eventually([&] { return settled(); })) << daemon->log();
    EXPECT_TRUE(presenceIs("available"));
    EXPECT_EQ(sink_->bodies().size(), 2u);
    EXPECT_EQ(sink_->badSignatures(), 0);
}

}  // namespace
}  // namespace calconn::e2e
