#include "app/Reload.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "app/Daemon.h"
#include "platform/Logging.h"
#include "settings/Loader.h"

namespace calconn::app {
namespace {

class ReloadTest : public ::testing::Test {
protected:
    void SetUp() override {
        char dir_template[] = "/tmp/calconn-reload-XXXXXX";
        dir_ = ::mkdtemp(dir_template);
        config_ = dir_ + "/calconnd.yaml";
        const std::string secret = dir_ + "/client-secret";
        std::ofstream(secret) << "not-a-real-secret\n";
        ::chmod(secret.c_str(), 0600);
        ASSERT_TRUE(platform::setupLogging("info", platform::LogTarget::Stderr).ok());
    }
    void TearDown() override {
        std::filesystem::remove_all(dir_);
        ASSERT_TRUE(platform::setLogLevel("info").ok());
    }

    // A minimal valid configuration; `extra_daemon` and `level` vary per test.
    void writeConfig(const std::string& level, const std::string& socket_name = "control.sock") {
        std::ofstream out(config_, std::ios::trunc);
        out << "daemon:\n"
            << "  state_directory: " << dir_ << "/state\n"
            << "  control_socket: " << dir_ << "/" << socket_name << "\n"
            << "microsoft365:\n"
            << "  tenants:\n"
            << "    - name: contoso\n"
            << "      tenant_id: 2f0c6e44-1d5b-4c8e-9a3e-0f6b1f1f4a11\n"
            << "      client_id: 8a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d\n"
            << "      client_secret_file: " << dir_ << "/client-secret\n"
            << "logging:\n"
            << "  level: " << level << "\n"
            << "  target: stderr\n";
    }

    std::shared_ptr<const settings::Settings> load() {
        auto loaded = settings::loadSettings(config_);
        EXPECT_TRUE(loaded.ok()) << settings::formatDiagnostics(loaded.diagnostics);
        return loaded.settings;
    }

    std::string dir_;
    std::string config_;
    Poco::Logger& logger_ = platform::moduleLogger("app.test");
};

TEST_F(ReloadTest, BrokenFileKeepsTheRunningSettings) {
    writeConfig("info");
    SettingsHolder holder(load());
    ASSERT_TRUE(holder.get());
    const auto before = holder.get();

    std::ofstream(config_, std::ios::trunc) << "daemon:\n  shutdown_timeout: soon\nbogus_key: 1\n";
    const ReloadOutcome outcome = reloadSettings(holder, config_, logger_);
    EXPECT_FALSE(outcome.applied);
    EXPECT_FALSE(outcome.diagnostics.empty());
    EXPECT_EQ(holder.get(), before);
}

TEST_F(ReloadTest, AppliesTheNewLogLevel) {
    writeConfig("info");
    SettingsHolder holder(load());
    EXPECT_FALSE(platform::moduleLogger("sync").debug());

    writeConfig("debug");
    bool listener_called = false;
    const ReloadOutcome outcome = reloadSettings(
        holder, config_, logger_,
        {[&](const settings::Settings& previous, const settings::Settings& next) {
            listener_called = true;
            EXPECT_EQ(previous.logging.level, "info");
            EXPECT_EQ(next.logging.level, "debug");
        }});
    EXPECT_TRUE(outcome.applied);
    EXPECT_TRUE(listener_called);
    EXPECT_TRUE(outcome.restart_required.empty());
    EXPECT_EQ(holder.get()->logging.level, "debug");
    EXPECT_TRUE(platform::moduleLogger("sync").debug());
}

TEST_F(ReloadTest, RestartOnlyChangeIsReportedAndNotApplied) {
    writeConfig("info", "control.sock");
    SettingsHolder holder(load());
    const std::string socket_before = holder.get()->daemon.control_socket;

    writeConfig("debug", "other.sock");
    const ReloadOutcome outcome = reloadSettings(holder, config_, logger_);
    EXPECT_TRUE(outcome.applied);
    EXPECT_EQ(outcome.restart_required, std::vector<std::string>{"daemon.control_socket"});
    EXPECT_EQ(holder.get()->daemon.control_socket, socket_before);
    EXPECT_EQ(holder.get()->logging.level, "debug");
}

TEST(KeepRestartOnlyValues, KeepsRunningValuesOfRestartKeysOnly) {
    settings::Settings running;
    running.daemon.control_socket = "/run/a.sock";
    running.sync.workers = 4;
    running.logging.level = "info";
    settings::Settings next = running;
    next.daemon.control_socket = "/run/b.sock";
    next.sync.workers = 8;
    next.logging.level = "debug";
    next.daemon.shutdown_timeout = std::chrono::seconds(5);
    const settings::Settings effective = keepRestartOnlyValues(running, next);
    EXPECT_EQ(effective.daemon.control_socket, "/run/a.sock");
    EXPECT_EQ(effective.sync.workers, 4);
    EXPECT_EQ(effective.logging.level, "debug");
    EXPECT_EQ(effective.daemon.shutdown_timeout, std::chrono::seconds(5));
}

TEST(DaemonState, HasStableNames) {
    EXPECT_EQ(stateName(DaemonState::Starting), "starting");
    EXPECT_EQ(stateName(DaemonState::Running), "running");
    EXPECT_EQ(stateName(DaemonState::Reloading), "reloading");
    EXPECT_EQ(stateName(DaemonState::Stopping), "stopping");
}

}  // namespace
}  // namespace calconn::app
