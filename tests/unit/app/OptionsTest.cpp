#include "app/Options.h"

#include <gtest/gtest.h>

namespace calconn::app {
namespace {

TEST(Options, DefaultsToTheSystemConfigFile) {
    auto options = parseArguments({});
    ASSERT_TRUE(options.ok());
    EXPECT_EQ(options->config_file, "/etc/calconn/calconnd.yaml");
    EXPECT_FALSE(options->check_config);
    EXPECT_FALSE(options->dump_config);
    EXPECT_FALSE(options->version);
    EXPECT_FALSE(options->help);
}

TEST(Options, ReadsConfigInBothSpellings) {
    EXPECT_EQ(parseArguments({"--config", "/tmp/a.yaml"})->config_file, "/tmp/a.yaml");
    EXPECT_EQ(parseArguments({"--config=/tmp/b.yaml"})->config_file, "/tmp/b.yaml");
    EXPECT_EQ(parseArguments({"-c", "/tmp/c.yaml"})->config_file, "/tmp/c.yaml");
}

TEST(Options, ReadsTheFlags) {
    auto options = parseArguments({"--check-config", "--config", "x.yaml"});
    ASSERT_TRUE(options.ok());
    EXPECT_TRUE(options->check_config);
    EXPECT_TRUE(parseArguments({"--dump-config"})->dump_config);
    EXPECT_TRUE(parseArguments({"--version"})->version);
    EXPECT_TRUE(parseArguments({"--help"})->help);
}

TEST(Options, RejectsUnknownArguments) {
    auto options = parseArguments({"--daemon"});
    ASSERT_FALSE(options.ok());
    EXPECT_EQ(options.error().code, common::ErrorCode::InvalidArgument);
    EXPECT_NE(options.error().message.find("--daemon"), std::string::npos);
}

TEST(Options, RejectsConfigWithoutFile) {
    EXPECT_FALSE(parseArguments({"--config"}).ok());
    EXPECT_FALSE(parseArguments({"--config="}).ok());
}

TEST(Options, CheckAndDumpExcludeEachOther) {
    EXPECT_FALSE(parseArguments({"--check-config", "--dump-config"}).ok());
}

TEST(Options, UsageMentionsEveryOption) {
    const std::string usage = usageText();
    for (const char* option : {"--config", "--check-config", "--dump-config", "--version", "--help"}) {
        EXPECT_NE(usage.find(option), std::string::npos) << option;
    }
}

}  // namespace
}  // namespace calconn::app
