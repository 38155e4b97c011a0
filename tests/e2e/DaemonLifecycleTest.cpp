// calconnd as systemd sees it: readiness, reload, stop, status over the control socket.
#include <gtest/gtest.h>

#include <csignal>
#include <fstream>
#include <sstream>

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include "Harness.h"
#include "ctl/ControlClient.h"

namespace calconn::e2e {
namespace {

class DaemonLifecycle : public ::testing::Test {
protected:
    void SetUp() override {
        config_ = writeConfig(dir_);
        notify_ = std::make_unique<NotifySocket>(dir_.file("notify.sock"));
    }

    std::unique_ptr<DaemonProcess> start(std::vector<std::string> env = {}) {
        env.push_back("NOTIFY_SOCKET=" + notify_->path());
        return std::make_unique<DaemonProcess>(config_, dir_.file("calconnd.log"), env);
    }

    std::string socketPath() const { return dir_.file("run/control.sock"); }

    int statusCode() const {
        auto reply = ctl::ControlClient(socketPath()).request("GET", "/v1/status");
        return reply.ok() ? reply->status : 0;
    }

    TempDir dir_;
    std::string config_;
    std::unique_ptr<NotifySocket> notify_;
};

TEST_F(DaemonLifecycle, NotifiesReadyReloadingAndStopping) {
    auto daemon = start();
    ASSERT_TRUE(notify_->waitFor("READY=1")) << daemon->log();
    EXPECT_EQ(statusCode(), 200);

    daemon->signal(SIGHUP);
    auto reloading = notify_->waitFor("RELOADING=1");
    ASSERT_TRUE(reloading) << daemon->log();
    EXPECT_NE(reloading->find("MONOTONIC_USEC="), std::string::npos);
    ASSERT_TRUE(notify_->waitFor("READY=1")) << daemon->log();

    daemon->signal(SIGTERM);
    ASSERT_TRUE(notify_->waitFor("STOPPING=1")) << daemon->log();
    EXPECT_EQ(daemon->waitExit(), 0) << daemon->log();
    EXPECT_FALSE(std::ifstream(socketPath()).good()) << "socket file left behind";
}

TEST_F(DaemonLifecycle, BrokenConfigOnReloadKeepsTheOldSettings) {
    auto daemon = start();
    ASSERT_TRUE(notify_->waitFor("READY=1")) << daemon->log();

    std::ofstream(config_, std::ios::trunc)
        << "daemon:\n  shutdown_timeout: whenever\nlogging:\n  level: loud\n";
    daemon->signal(SIGHUP);
    ASSERT_TRUE(notify_->waitFor("RELOADING=1")) << daemon->log();
    ASSERT_TRUE(notify_->waitFor("READY=1")) << daemon->log();

    EXPECT_TRUE(daemon->waitForLog("keeping the running configuration")) << daemon->log();
    EXPECT_TRUE(daemon->waitForLog(config_ + ":")) << "diagnostics not logged:\n" << daemon->log();
    EXPECT_NE(daemon->log().find("logging.level"), std::string::npos) << daemon->log();
    EXPECT_EQ(statusCode(), 200);

    daemon->signal(SIGTERM);
    EXPECT_EQ(daemon->waitExit(), 0) << daemon->log();
}

TEST_F(DaemonLifecycle, LogLevelChangeIsAppliedOnReload) {
    auto daemon = start();
    ASSERT_TRUE(notify_->waitFor("READY=1")) << daemon->log();
    const std::string debug_line = "debug calconn.api: control request GET /v1/status";
    ASSERT_EQ(statusCode(), 200);
    EXPECT_EQ(daemon->log().find(debug_line), std::string::npos);

    writeConfig(dir_, ConfigOptions{"debug", ""});
    daemon->signal(SIGHUP);
    ASSERT_TRUE(notify_->waitFor("RELOADING=1"));
    ASSERT_TRUE(notify_->waitFor("READY=1"));
    ASSERT_EQ(statusCode(), 200);
    EXPECT_TRUE(daemon->waitForLog(debug_line)) << daemon->log();

    daemon->signal(SIGTERM);
    EXPECT_EQ(daemon->waitExit(), 0);
}

TEST_F(DaemonLifecycle, Usr1RequestsAResync) {
    auto daemon = start();
    ASSERT_TRUE(notify_->waitFor("READY=1")) << daemon->log();
    daemon->signal(SIGUSR1);
    EXPECT_TRUE(daemon->waitForLog("resync requested")) << daemon->log();
    daemon->signal(SIGINT);
    EXPECT_EQ(daemon->waitExit(), 0);
}

TEST_F(DaemonLifecycle, PingsTheWatchdogWhenAsked) {
    auto daemon = start({"WATCHDOG_USEC=200000"});
    ASSERT_TRUE(notify_->waitFor("READY=1")) << daemon->log();
    EXPECT_TRUE(notify_->waitFor("WATCHDOG=1"));
    daemon->signal(SIGTERM);
    EXPECT_EQ(daemon->waitExit(), 0);
}

TEST_F(DaemonLifecycle, InvalidConfigAtStartExits78WithoutReady) {
    std::ofstream(config_, std::ios::app) << "unknown_section: {}\n";
    auto daemon = start();
    EXPECT_EQ(daemon->waitExit(), 78) << daemon->log();
    EXPECT_NE(daemon->log().find("unknown_section"), std::string::npos) << daemon->log();
    for (const std::string& message : notify_->seen()) EXPECT_EQ(message.find("READY=1"), std::string::npos);
}

TEST_F(DaemonLifecycle, UnusableStateDirectoryIsFatal) {
    std::ofstream(dir_.file("state")) << "a file, not a directory";
    auto daemon = start();
    EXPECT_EQ(daemon->waitExit(), 1) << daemon->log();
    EXPECT_NE(daemon->log().find("state directory"), std::string::npos) << daemon->log();
}

TEST_F(DaemonLifecycle, CalconnctlStatusDescribesTheRunningDaemon) {
    auto daemon = start();
    ASSERT_TRUE(notify_->waitFor("READY=1")) << daemon->log();

    const ProcessResult text = runProgram({CALCONNCTL_PATH, "--config", config_, "status"});
    ASSERT_EQ(text.exit_code, 0) << text.err;
    EXPECT_NE(text.out.find("calconnd "), std::string::npos) << text.out;
    EXPECT_NE(text.out.find("uptime:"), std::string::npos) << text.out;
    EXPECT_NE(text.out.find("config:    " + config_), std::string::npos) << text.out;
    EXPECT_NE(text.out.find("running:   api, control socket"), std::string::npos) << text.out;
    EXPECT_NE(text.out.find("api:       http://127.0.0.1:"), std::string::npos) << text.out;
    EXPECT_NE(text.out.find("pid " + std::to_string(daemon->pid())), std::string::npos) << text.out;

    const ProcessResult json =
        runProgram({CALCONNCTL_PATH, "--socket", socketPath(), "status", "--json"});
    ASSERT_EQ(json.exit_code, 0) << json.err;
    Poco::JSON::Parser parser;
    auto root = parser.parse(json.out).extract<Poco::JSON::Object::Ptr>();
    EXPECT_EQ(root->getValue<int>("pid"), daemon->pid());
    EXPECT_EQ(root->getValue<std::string>("state"), "running");
    EXPECT_EQ(root->getValue<std::string>("config_file"), config_);
    EXPECT_GE(root->getValue<int>("uptime_seconds"), 0);
    EXPECT_TRUE(root->getArray("mailboxes"));

    daemon->signal(SIGTERM);
    EXPECT_EQ(daemon->waitExit(), 0);

    const ProcessResult gone = runProgram({CALCONNCTL_PATH, "--socket", socketPath(), "status"});
    EXPECT_EQ(gone.exit_code, 1);
    EXPECT_EQ(gone.err, "calconnctl: cannot connect to " + socketPath() +
                            ": No such file or directory (is calconnd running?)\n");
}

TEST(CalconndCommandLine, CheckConfigPrintsEveryMistake) {
    TempDir dir;
    const std::string config = writeConfig(dir, ConfigOptions{
        "loud", "sync:\n  workers: 0\nunknown_section: {}\n"});
    const ProcessResult result = runProgram({CALCONND_PATH, "--check-config", "--config", config});
    EXPECT_EQ(result.exit_code, 78) << result.err;
    std::istringstream lines(result.err);
    std::vector<std::string> errors;
    for (std::string line; std::getline(lines, line);) errors.push_back(line);
    ASSERT_EQ(errors.size(), 3u) << result.err;
    for (const std::string& line : errors) {
        EXPECT_EQ(line.rfind(config + ":", 0), 0u) << line;
        EXPECT_NE(line.find(": error: "), std::string::npos) << line;
    }
}

TEST(CalconndCommandLine, CheckConfigOnAValidFileExits0) {
    TempDir dir;
    const ProcessResult result = runProgram({CALCONND_PATH, "--check-config", "--config", writeConfig(dir)});
    EXPECT_EQ(result.exit_code, 0) << result.err;
    EXPECT_EQ(result.err, "");
}

TEST(CalconndCommandLine, DumpConfigPrintsEffectiveSettings) {
    TempDir dir;
    const std::string config = writeConfig(dir);
    const ProcessResult result = runProgram({CALCONND_PATH, "--dump-config", "--config", config});
    EXPECT_EQ(result.exit_code, 0) << result.err;
    EXPECT_NE(result.out.find(dir.file("run/control.sock")), std::string::npos) << result.out;
    EXPECT_EQ(result.out.find("not-a-real-secret"), std::string::npos);

    std::ofstream(config, std::ios::app) << "bogus: 1\n";
    EXPECT_EQ(runProgram({CALCONND_PATH, "--dump-config", "--config", config}).exit_code, 78);
}

TEST(CalconndCommandLine, VersionAndUsage) {
    const ProcessResult version = runProgram({CALCONND_PATH, "--version"});
    EXPECT_EQ(version.exit_code, 0);
    EXPECT_EQ(version.out.rfind("calconnd ", 0), 0u) << version.out;
    EXPECT_NE(version.out.find(" ("), std::string::npos);
    EXPECT_EQ(runProgram({CALCONND_PATH, "--help"}).exit_code, 0);
    const ProcessResult bad = runProgram({CALCONND_PATH, "--daemonize"});
    EXPECT_EQ(bad.exit_code, 64);
    EXPECT_NE(bad.err.find("--daemonize"), std::string::npos);
}

}  // namespace
}  // namespace calconn::e2e
