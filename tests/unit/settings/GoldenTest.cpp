// Golden tests of the diagnostics. Every case in tests/fixtures/config/bad/ is either NAME.yaml
// or a directory NAME/ holding calconnd.yaml (and usually conf.d/); NAME.expected beside it holds
// the exact output of --check-config, one diagnostic per line. So that the golden text does not
// depend on where the tree is checked out, the test replaces
//   @FIXTURES@     for the absolute path of tests/fixtures/config
//   @CREDENTIALS@  for the credentials directory (a private 0600 copy of secrets/).
// Every config in tests/fixtures/config/good/ must load with no diagnostic at all.
// To regenerate after an intended change: CALCONN_UPDATE_GOLDEN=1 calconn_settings_test, then
// review the diff of the .expected files.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "TestSupport.h"
#include "settings/Loader.h"

namespace calconn::settings {
namespace {

namespace fs = std::filesystem;
using testing::CredentialsDir;
using testing::kConfigFixtures;

std::vector<std::string> listCases(const std::string& dir) {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir)) {
        const auto& path = entry.path();
        if (entry.is_regular_file() && path.extension() == ".yaml") {
            names.push_back(path.stem().string());
        } else if (entry.is_directory() && fs::exists(path / "calconnd.yaml")) {
            names.push_back(path.filename().string());
        }
    }
    std::sort(names.begin(), names.end());
    return names;
}

std::string mainFile(const std::string& dir, const std::string& name) {
    const auto as_dir = dir + "/" + name + "/calconnd.yaml";
    return fs::exists(as_dir) ? as_dir : dir + "/" + name + ".yaml";
}

std::string caseName(const ::testing::TestParamInfo<std::string>& info) {
    std::string name = info.param;
    for (auto& c : name) {
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
    }
    return name;
}

class BadConfig : public ::testing::TestWithParam<std::string> {};

TEST_P(BadConfig, ProducesExactlyTheExpectedDiagnostics) {
    const auto dir = kConfigFixtures + "/bad";
    const CredentialsDir credentials;
    const auto result = loadSettings(mainFile(dir, GetParam()), LoadOptions{credentials.path()});
    std::string actual = formatDiagnostics(result.diagnostics);
    testing::replaceAll(actual, credentials.path(), "@CREDENTIALS@");
    testing::replaceAll(actual, kConfigFixtures, "@FIXTURES@");

    const auto expected_file = dir + "/" + GetParam() + ".expected";
    if (const char* update = std::getenv("CALCONN_UPDATE_GOLDEN"); update && *update == '1') {
        std::ofstream(expected_file, std::ios::trunc) << actual;
    }
    ASSERT_TRUE(fs::exists(expected_file)) << expected_file;
    EXPECT_EQ(actual, testing::readFile(expected_file));
    EXPECT_FALSE(actual.empty());
    const bool has_error_line = actual.find(": error: ") != std::string::npos;
    EXPECT_EQ(result.ok(), !has_error_line);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, BadConfig,
                         ::testing::ValuesIn(listCases(kConfigFixtures + "/bad")), caseName);

class GoodConfig : public ::testing::TestWithParam<std::string> {};

TEST_P(GoodConfig, LoadsWithoutAnyDiagnostic) {
    const CredentialsDir credentials;
    const auto result = loadSettings(mainFile(kConfigFixtures + "/good", GetParam()),
                                     LoadOptions{credentials.path()});
    EXPECT_TRUE(result.ok());
    EXPECT_EQ(formatDiagnostics(result.diagnostics), "");
}

INSTANTIATE_TEST_SUITE_P(Fixtures, GoodConfig,
                         ::testing::ValuesIn(listCases(kConfigFixtures + "/good")), caseName);

TEST(GoldenFixtures, ThereAreAtLeastTwentyBadConfigs) {
    EXPECT_GE(listCases(kConfigFixtures + "/bad").size(), 20u);
}

}  // namespace
}  // namespace calconn::settings
