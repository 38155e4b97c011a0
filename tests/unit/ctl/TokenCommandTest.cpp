#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "api/TokenStore.h"
#include "common/IsoTime.h"
#include "ctl/Ctl.h"
#include "ctl/TokenCommand.h"

namespace calconn::ctl {
namespace {

class TokenCommandTest : public ::testing::Test {
protected:
    void SetUp() override {
        char dir_template[] = "/tmp/calconn-token-cmd-XXXXXX";
        dir_ = ::mkdtemp(dir_template);
        file_ = dir_ + "/api-tokens.yaml";
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    int run(std::vector<std::string> args, std::optional<std::string> config = std::nullopt) {
        out_.str("");
        err_.str("");
        return runToken(args, config, out_, err_, clock_);
    }
    std::string lastLine() const {
        std::string text = out_.str();
        while (!text.empty() && text.back() == '\n') text.pop_back();
        return text.substr(text.rfind('\n') + 1);
    }
    std::string fileText() const {
        std::ifstream in(file_);
        std::ostringstream text;
        text << in.rdbuf();
        return text.str();
    }

    std::string dir_;
    std::string file_;
    common::FakeClock clock_{*common::parseIsoUtc("2026-03-02T09:00:00Z")};
    std::ostringstream out_;
    std::ostringstream err_;
};

TEST_F(TokenCommandTest, CreatePrintsTheTokenOnceAndStoresOnlyItsHash) {
    ASSERT_EQ(run({"create", "helpdesk", "--scope", "admin", "--tokens-file", file_}), kExitOk)
        << err_.str();
    const std::string token = lastLine();
    EXPECT_EQ(token.substr(0, 3), "cc_");
    EXPECT_EQ(token.size(), 46u);
    const std::string stored = fileText();
    EXPECT_EQ(stored.find(token), std::string::npos) << "the token itself is never written";
    EXPECT_NE(stored.find(api::sha256Hex(token)), std::string::npos);
    struct stat st {};
    ASSERT_EQ(::stat(file_.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0640u);

    api::TokenStore store(file_);
    auto principal = store.authenticate(token);
    ASSERT_TRUE(principal);
    EXPECT_EQ(principal->name, "helpdesk");
    EXPECT_EQ(principal->scope.kind, api::ScopeKind::Admin);
}

TEST_F(TokenCommandTest, ListShowsNamesScopesAndCreationNeverSecrets) {
    ASSERT_EQ(run({"create", "--name", "alice-phone", "--scope=user:Alice@Contoso.com",
                   "--tokens-file", file_}),
              kExitOk);
    const std::string token = lastLine();
    ASSERT_EQ(
        run({"create", "panel", "--scope", "room:room-4b@contoso.com", "--tokens-file=" + file_}),
        kExitOk);
    ASSERT_EQ(run({"list", "--tokens-file", file_}), kExitOk);
    EXPECT_EQ(out_.str(),
              "NAME         SCOPE                     CREATED\n"
              "alice-phone  user:alice@contoso.com    2026-03-02T09:00:00Z\n"
              "panel        room:room-4b@contoso.com  2026-03-02T09:00:00Z\n");
    ASSERT_EQ(run({"list", "--json", "--tokens-file", file_}), kExitOk);
    EXPECT_NE(
        out_.str().find(
            R"({"name":"alice-phone","scope":"user:alice@contoso.com","created":"2026-03-02T09:00:00Z"})"),
        std::string::npos)
        << out_.str();
    EXPECT_EQ(out_.str().find(token), std::string::npos);
    EXPECT_EQ(out_.str().find(api::sha256Hex(token)), std::string::npos);
}

TEST_F(TokenCommandTest, RevokeRemovesTheToken) {
    ASSERT_EQ(run({"create", "a", "--scope", "admin", "--tokens-file", file_}), kExitOk);
    const std::string token = lastLine();
    ASSERT_EQ(run({"create", "b", "--scope", "admin", "--tokens-file", file_}), kExitOk);
    ASSERT_EQ(run({"revoke", "a", "--tokens-file", file_}), kExitOk) << err_.str();
    api::TokenStore store(file_);
    EXPECT_FALSE(store.authenticate(token));
    EXPECT_EQ(store.size(), 1u);
    EXPECT_EQ(run({"revoke", "a", "--tokens-file", file_}), kExitFailure);
    EXPECT_NE(err_.str().find("no token named a"), std::string::npos) << err_.str();
}

TEST_F(TokenCommandTest, RefusesDuplicatesAndBadArguments) {
    ASSERT_EQ(run({"create", "a", "--scope", "admin", "--tokens-file", file_}), kExitOk);
    EXPECT_EQ(run({"create", "a", "--scope", "admin", "--tokens-file", file_}), kExitFailure);
    EXPECT_NE(err_.str().find("a token named a exists"), std::string::npos) << err_.str();
    EXPECT_EQ(run({"create", "b", "--tokens-file", file_}), kExitUsage);
    EXPECT_EQ(run({"create", "b", "--scope", "root", "--tokens-file", file_}), kExitUsage);
    EXPECT_NE(err_.str().find("admin, user:UPN or room:MAILBOX"), std::string::npos) << err_.str();
    EXPECT_EQ(run({"create", "bad name", "--scope", "admin", "--tokens-file", file_}), kExitUsage);
    EXPECT_EQ(run({"revoke", "--tokens-file", file_}), kExitUsage);
    EXPECT_EQ(run({"rotate"}), kExitUsage);
    EXPECT_EQ(run({}), kExitUsage);
}

TEST_F(TokenCommandTest, TakesTheTokensFileFromTheConfiguration) {
    const std::string config = dir_ + "/calconnd.yaml";
    std::ofstream(config) << "api:\n  listen: 127.0.0.1:8443\n  tokens_file: " << file_ << "\n";
    EXPECT_EQ(tokensFileFromConfig(config).value_or(""), file_);
    ASSERT_EQ(run({"create", "a", "--scope", "admin"}, config), kExitOk) << err_.str();
    EXPECT_NE(out_.str().find(file_), std::string::npos);
    EXPECT_TRUE(std::filesystem::exists(file_));
    EXPECT_FALSE(tokensFileFromConfig(dir_ + "/missing.yaml"));
}

TEST(CtlToken, IsAVerbOfCalconnctl) {
    std::ostringstream out;
    std::ostringstream err;
    EXPECT_EQ(runCtl({"token"}, out, err), kExitUsage);
    EXPECT_NE(err.str().find("token: missing action"), std::string::npos) << err.str();
    EXPECT_NE(usageText().find("token create NAME --scope"), std::string::npos);
}

}  // namespace
}  // namespace calconn::ctl
