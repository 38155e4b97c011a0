// Out-of-office presence end to end: graphsim holds a user's automatic replies (scheduled
// 10:00-12:00 Europe/Warsaw), calconnd runs on a test clock that the test moves through the
// control socket, and an HTTPS receiver inside the test takes the presence webhooks and checks
// each signature. The state must flip at exactly those instants, with one sink call each, and
// a restart must not repeat anything.
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/StreamCopier.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <mutex>

#include "Harness.h"
#include "crypto/WebhookSignature.h"
#include "ctl/ControlClient.h"
#include "net/PocoHttpClient.h"

namespace calconn::e2e {
namespace {

constexpr const char* kTenant = "72f988bf-86f1-41af-91ab-2d7cd011db47";
constexpr const char* kClientId = "6731de76-14a6-49ae-97bc-6eba6914391e";
constexpr const char* kSecret = "e2e-presence-secret";
constexpr const char* kSinkSecret = "e2e-presence-webhook-key";
constexpr const char* kReplyMessage = "<p>At the dentist until noon</p>";

Poco::JSON::Object::Ptr parseObject(const std::string& text) {
    Poco::JSON::Parser parser;
    return parser.parse(text).extract<Poco::JSON::Object::Ptr>();
}

// The presence webhook receiver: HTTPS on 127.0.0.1, answers 204, keeps each body whose
// X-Calconn-Signature verifies, counts the ones that do not.
class SinkReceiver {
public:
    SinkReceiver(const std::string& certificate, const std::string& key) {
        Poco::Net::Context::Params params;
        params.certificateFile = certificate;
        params.privateKeyFile = key;
        params.verificationMode = Poco::Net::Context::VERIFY_NONE;
        params.loadDefaultCAs = false;
        Poco::Net::Context::Ptr context =
            new Poco::Net::Context(Poco::Net::Context::TLS_SERVER_USE, params);
        Poco::Net::SecureServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0), 64, context);
        port_ = socket.address().port();
        auto server_params = new Poco::Net::HTTPServerParams;
        server_params->setMaxThreads(4);
        server_ =
            std::make_unique<Poco::Net::HTTPServer>(new Factory(*this), socket, server_params);
        server_->start();
    }
    ~SinkReceiver() { server_->stopAll(true); }

    std::string url() const {
        return "https://127.0.0.1:" + std::to_string(port_) + "/hooks/presence";
    }
    std::vector<std::string> bodies() {
        std::lock_guard lock(mutex_);
        return bodies_;
    }
    int badSignatures() {
        std::lock_guard lock(mutex_);
        return bad_signatures_;
    }

private:
    class Handler final : public Poco::Net::HTTPRequestHandler {
    public:
        explicit Handler(SinkReceiver& owner) : owner_(owner) {}
        void handleRequest(Poco::Net::HTTPServerRequest& request,
                           Poco::Net::HTTPServerResponse& response) override {
            std::string body;
            Poco::StreamCopier::copyToString(request.stream(), body);
            const std::string signature = request.get("X-Calconn-Signature", "");
            {
                std::lock_guard lock(owner_.mutex_);
                if (request.getMethod() == "POST" &&
                    request.getContentType() == "application/json" &&
                    crypto::verifySignature(kSinkSecret, body, signature)) {
                    owner_.bodies_.push_back(body);
                } else {
                    ++owner_.bad_signatures_;
                }
            }
            response.setStatus(Poco::Net::HTTPResponse::HTTP_NO_CONTENT);
            response.send();
        }

    private:
        SinkReceiver& owner_;
    };
    class Factory final : public Poco::Net::HTTPRequestHandlerFactory {
    public:
        explicit Factory(SinkReceiver& owner) : owner_(owner) {}
        Poco::Net::HTTPRequestHandler* createRequestHandler(
            const Poco::Net::HTTPServerRequest&) override {
            return new Handler(owner_);
        }

    private:
        SinkReceiver& owner_;
    };

    std::mutex mutex_;
    std::vector<std::string> bodies_;
    int bad_signatures_ = 0;
    Poco::UInt16 port_ = 0;
    std::unique_ptr<Poco::Net::HTTPServer> server_;
};

class PresenceE2e : public ::testing::Test {
protected:
    void SetUp() override {
        graphsim_ = std::make_unique<ChildProcess>(
            std::vector<std::string>{GRAPHSIM_PATH, "--port", "0", "--tenant-id", kTenant,
                                     "--client-id", kClientId, "--client-secret", kSecret,
                                     "--tenant-seed", "23", "--users", "2", "--rooms", "1",
                                     "--events-per-mailbox", "3", "--gen-ca", dir_.file("ca")},
            dir_.file("graphsim.log"));
        ASSERT_TRUE(graphsim_->waitForLog("graphsim listening on ")) << graphsim_->log();
        const std::string log = graphsim_->log();
        const auto at = log.find("https://");
        base_ = log.substr(at, log.find('\n', at) - at);
        net::PocoHttpClientOptions options;
        options.tls.ca_file = dir_.file("ca/ca.pem");
        http_ = std::move(net::PocoHttpClient::create(options).value());
        // graphsim's server certificate (for 127.0.0.1, from its test CA) serves the sink too.
        sink_ =
            std::make_unique<SinkReceiver>(dir_.file("ca/server.pem"), dir_.file("ca/server.key"));

        Poco::JSON::Parser parser;
        auto list = parser.parse(sim("GET", "/_sim/mailboxes")).extract<Poco::JSON::Array::Ptr>();
        for (std::size_t i = 0; i < list->size(); ++i) {
            auto m = list->getObject(static_cast<unsigned>(i));
            if (m->getValue<std::string>("kind") == "user") {
                upn_ = m->getValue<std::string>("upn");
                break;
            }
        }
        ASSERT_FALSE(upn_.empty());
    }

    std::string sim(const std::string& method, const std::string& path,
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

    std::string writeConfig() {
        const std::string secret = dir_.file("client-secret");
        std::ofstream(secret) << kSecret << "\n";
        ::chmod(secret.c_str(), 0600);
        const std::string sink_secret = dir_.file("presence-webhook.key");
        std::ofstream(sink_secret) << kSinkSecret << "\n";
        ::chmod(sink_secret.c_str(), 0600);
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
            << "tls:\n"
            << "  ca_file: " << dir_.file("ca/ca.pem") << "\n"
            << "logging:\n"
            << "  level: info\n"
            << "  target: stderr\n";
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
    std::unique_ptr<ChildProcess> graphsim_;
    std::string base_;
    std::unique_ptr<net::PocoHttpClient> http_;
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

    // A restart reads the setting again and has nothing new to say.
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
