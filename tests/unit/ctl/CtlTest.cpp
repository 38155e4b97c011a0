#include "ctl/Ctl.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "api/ControlServer.h"
#include "api/StatusRoute.h"

namespace calconn::ctl {
namespace {

class CtlTest : public ::testing::Test {
protected:
    void SetUp() override {
        char dir_template[] = "/tmp/calconn-ctl-XXXXXX";
        dir_ = ::mkdtemp(dir_template);
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    int run(std::vector<std::string> args) {
        out_.str("");
        err_.str("");
        return runCtl(args, out_, err_);
    }

    std::string dir_;
    std::ostringstream out_;
    std::ostringstream err_;
};

TEST_F(CtlTest, ParsesGlobalOptionsBeforeTheVerb) {
    auto options = parseCtlArguments({"--socket", "/tmp/x.sock", "--config=/etc/c.yaml", "status", "--json"});
    ASSERT_TRUE(options.ok());
    EXPECT_EQ(options->socket, "/tmp/x.sock");
    EXPECT_EQ(options->config_file, "/etc/c.yaml");
    EXPECT_EQ(options->verb, "status");
    EXPECT_EQ(options->args, std::vector<std::string>{"--json"});
}

TEST_F(CtlTest, UsageErrorsExit64) {
    EXPECT_EQ(run({}), kExitUsage);
    EXPECT_NE(err_.str().find("missing verb"), std::string::npos);
    EXPECT_EQ(run({"frobnicate"}), kExitUsage);
    EXPECT_NE(err_.str().find("unknown verb 'frobnicate'"), std::string::npos);
    EXPECT_EQ(run({"--socket"}), kExitUsage);
    EXPECT_EQ(run({"--bogus", "status"}), kExitUsage);
    EXPECT_EQ(run({"--socket", dir_ + "/c.sock", "status", "--yaml"}), kExitUsage);
}

TEST_F(CtlTest, HelpListsOnlyWorkingVerbs) {
    EXPECT_EQ(run({"--help"}), kExitOk);
    EXPECT_NE(out_.str().find("status"), std::string::npos);
    EXPECT_NE(out_.str().find("mailbox resync"), std::string::npos);
    EXPECT_EQ(out_.str().find("test-mailbox"), std::string::npos);
    EXPECT_EQ(out_.str().find("consent-url"), std::string::npos);
}

TEST_F(CtlTest, StatusShowsTheMailboxTable) {
    auto text = renderStatus(R"({"version":"0.1.0","revision":"abc","pid":1,"state":"running",
        "uptime_seconds":5,"config_file":"/c","components":["sync"],"mailboxes":[
        {"upn":"alice@contoso.com","state":"active","events":12,"last_sync":"2026-11-27T08:00:00Z","error":"","reason":""},
        {"upn":"bob@contoso.com","state":"error","events":0,"last_sync":null,"error":"access denied","reason":"out_of_scope"}]})");
    ASSERT_TRUE(text.ok());
    EXPECT_NE(text->find("mailboxes: 2\n"), std::string::npos) << *text;
    EXPECT_NE(text->find("alice@contoso.com  active                12      2026-11-27T08:00:00Z  -\n"),
              std::string::npos) << *text;
    EXPECT_NE(text->find("bob@contoso.com    error (out_of_scope)  0       never                 access denied\n"),
              std::string::npos) << *text;
}

TEST_F(CtlTest, MailboxVerbsNeedTheirArguments) {
    const std::string socket = dir_ + "/control.sock";
    EXPECT_EQ(run({"--socket", socket, "mailbox"}), kExitUsage);
    EXPECT_EQ(run({"--socket", socket, "mailbox", "add"}), kExitUsage);
    EXPECT_EQ(run({"--socket", socket, "mailbox", "resync"}), kExitUsage);
    EXPECT_EQ(run({"--socket", socket, "mailbox", "frobnicate", "x"}), kExitUsage);
    EXPECT_EQ(run({"--socket", socket, "mailbox", "list"}), kExitFailure);  // no daemon
}

TEST_F(CtlTest, SocketComesFromOptionThenConfigThenDefault) {
    const std::string config = dir_ + "/calconnd.yaml";
    std::ofstream(config) << "daemon:\n  control_socket: /srv/calconn/ctl.sock\n";
    CtlOptions options;
    options.config_file = config;
    EXPECT_EQ(resolveSocketPath(options), "/srv/calconn/ctl.sock");
    options.socket = "/tmp/explicit.sock";
    EXPECT_EQ(resolveSocketPath(options), "/tmp/explicit.sock");
    CtlOptions unreadable;
    unreadable.config_file = dir_ + "/missing.yaml";
    EXPECT_EQ(resolveSocketPath(unreadable), kDefaultControlSocket);
    std::ofstream(config) << "daemon: [unclosed\n";
    CtlOptions broken;
    broken.config_file = config;
    EXPECT_EQ(resolveSocketPath(broken), kDefaultControlSocket);
}

TEST_F(CtlTest, ExplainsAMissingDaemon) {
    const std::string socket = dir_ + "/control.sock";
    EXPECT_EQ(run({"--socket", socket, "status"}), kExitFailure);
    EXPECT_EQ(err_.str(), "calconnctl: cannot connect to " + socket +
                              ": No such file or directory (is calconnd running?)\n");
}

TEST_F(CtlTest, FormatsUptime) {
    EXPECT_EQ(formatUptime(0), "0s");
    EXPECT_EQ(formatUptime(59), "59s");
    EXPECT_EQ(formatUptime(61), "1m 1s");
    EXPECT_EQ(formatUptime(3600), "1h 0m 0s");
    EXPECT_EQ(formatUptime(90061), "1d 1h 1m 1s");
}

TEST_F(CtlTest, StatusPrintsTheDaemonsStatus) {
    const std::string socket = dir_ + "/control.sock";
    auto router = std::make_shared<api::Router>();
    api::addStatusRoute(*router, [] {
        api::StatusReport report;
        report.version = "0.1.0";
        report.revision = "abc1234";
        report.uptime_seconds = 3725;
        report.config_file = "/etc/calconn/calconnd.yaml";
        report.pid = 4242;
        report.state = "running";
        report.components = {"control_socket"};
        return report;
    });
    auto server = api::ControlServer::start(socket, router);
    ASSERT_TRUE(server.ok()) << server.error().toString();

    ASSERT_EQ(run({"--socket", socket, "status"}), kExitOk) << err_.str();
    EXPECT_EQ(out_.str(),
              "calconnd 0.1.0 (abc1234), pid 4242\n"
              "state:     running\n"
              "uptime:    1h 2m 5s\n"
              "config:    /etc/calconn/calconnd.yaml\n"
              "running:   control socket\n"
              "mailboxes: none\n");

    ASSERT_EQ(run({"--socket", socket, "status", "--json"}), kExitOk);
    EXPECT_NE(out_.str().find("\"uptime_seconds\":3725"), std::string::npos);
}

}  // namespace
}  // namespace calconn::ctl
