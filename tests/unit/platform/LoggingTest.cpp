#include "platform/Logging.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <string>

namespace calconn::platform {
namespace {

class LoggingTest : public ::testing::Test {
protected:
    void TearDown() override { ::unsetenv("JOURNAL_STREAM"); }
};

TEST_F(LoggingTest, ParsesTheFiveLevels) {
    EXPECT_EQ(parseLogLevel("error"), Poco::Message::PRIO_ERROR);
    EXPECT_EQ(parseLogLevel("warning"), Poco::Message::PRIO_WARNING);
    EXPECT_EQ(parseLogLevel("info"), Poco::Message::PRIO_INFORMATION);
    EXPECT_EQ(parseLogLevel("debug"), Poco::Message::PRIO_DEBUG);
    EXPECT_EQ(parseLogLevel("trace"), Poco::Message::PRIO_TRACE);
    EXPECT_FALSE(parseLogLevel("verbose"));
    EXPECT_FALSE(parseLogLevel("INFO"));
}

TEST_F(LoggingTest, DetectsJournalFromJournalStreamMatchingStderr) {
    struct stat st{};
    ASSERT_EQ(fstat(2, &st), 0);
    const std::string value = std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);
    ::setenv("JOURNAL_STREAM", value.c_str(), 1);
    EXPECT_TRUE(stderrIsJournal());
    EXPECT_EQ(chooseLogTarget("auto"), LogTarget::Journal);
    EXPECT_EQ(chooseLogTarget("stderr"), LogTarget::Stderr);
}

TEST_F(LoggingTest, IgnoresJournalStreamOfAnotherFile) {
    struct stat st{};
    ASSERT_EQ(fstat(2, &st), 0);
    const std::string value = std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino + 1);
    ::setenv("JOURNAL_STREAM", value.c_str(), 1);
    EXPECT_FALSE(stderrIsJournal());
    EXPECT_EQ(chooseLogTarget("auto"), LogTarget::Stderr);
    EXPECT_EQ(chooseLogTarget("journal"), LogTarget::Journal);
}

TEST_F(LoggingTest, NoJournalStreamMeansStderr) {
    ::unsetenv("JOURNAL_STREAM");
    EXPECT_FALSE(stderrIsJournal());
    EXPECT_EQ(chooseLogTarget("auto"), LogTarget::Stderr);
}

TEST_F(LoggingTest, TextFormatterAppendsStructuredFields) {
    TextFormatter formatter(false);
    Poco::Message message("calconn.devices", "push failed", Poco::Message::PRIO_ERROR);
    message.set("device", "room-4b");
    message.set("error_code", "unavailable");
    std::string text;
    formatter.format(message, text);
    EXPECT_EQ(text, "error calconn.devices: push failed device=room-4b error_code=unavailable");
}

TEST_F(LoggingTest, SetLogLevelChangesExistingAndNewLoggers) {
    ASSERT_TRUE(setupLogging("info", LogTarget::Stderr).ok());
    Poco::Logger& existing = moduleLogger("sync");
    EXPECT_EQ(existing.name(), "calconn.sync");
    EXPECT_FALSE(existing.debug());
    ASSERT_TRUE(setLogLevel("debug").ok());
    EXPECT_TRUE(existing.debug());
    EXPECT_TRUE(moduleLogger("devices.roomos").debug());
    EXPECT_FALSE(setLogLevel("loud").ok());
    ASSERT_TRUE(setLogLevel("info").ok());
}

}  // namespace
}  // namespace calconn::platform
