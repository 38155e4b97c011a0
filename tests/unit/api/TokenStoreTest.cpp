#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "api/TokenStore.h"

namespace calconn::api {
namespace {

class TokenStoreTest : public ::testing::Test {
protected:
    void SetUp() override {
        char dir_template[] = "/tmp/calconn-tokenstore-XXXXXX";
        dir_ = ::mkdtemp(dir_template);
        path_ = dir_ + "/api-tokens.yaml";
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    void write(const std::vector<TokenEntry>& entries) {
        ASSERT_TRUE(writeTokensFile(path_, entries).ok());
    }

    std::string dir_;
    std::string path_;
};

TokenEntry entry(const std::string& name, const std::string& scope, const std::string& token) {
    return {name, TokenScope::parse(scope).value(), sha256Hex(token), std::nullopt};
}

TEST_F(TokenStoreTest, AuthenticatesTokensByTheirHash) {
    write({entry("helpdesk", "admin", "cc_admin"),
           entry("alice", "user:alice@contoso.com", "cc_alice")});
    TokenStore store(path_);
    auto admin = store.authenticate("cc_admin");
    ASSERT_TRUE(admin);
    EXPECT_EQ(admin->name, "helpdesk");
    EXPECT_EQ(admin->scope.kind, ScopeKind::Admin);
    auto alice = store.authenticate("cc_alice");
    ASSERT_TRUE(alice);
    EXPECT_EQ(alice->scope.subject, "alice@contoso.com");
    EXPECT_FALSE(store.authenticate("cc_alicf"));
    EXPECT_FALSE(store.authenticate(""));
    EXPECT_FALSE(store.authenticate(sha256Hex("cc_admin"))) << "the hash itself is no token";
    EXPECT_FALSE(store.authenticate(std::string(10000, 'a')));
}

TEST_F(TokenStoreTest, SeesCreatedAndRevokedTokensWithoutReload) {
    TokenStore store(path_);
    EXPECT_FALSE(store.authenticate("cc_new")) << "no file yet";
    write({entry("new", "admin", "cc_new")});
    EXPECT_TRUE(store.authenticate("cc_new"));
    write({});
    EXPECT_FALSE(store.authenticate("cc_new"));
    EXPECT_EQ(store.size(), 0u);
}

TEST_F(TokenStoreTest, ABrokenFileKeepsTheTokensReadBefore) {
    write({entry("helpdesk", "admin", "cc_admin")});
    TokenStore store(path_);
    ASSERT_TRUE(store.authenticate("cc_admin"));
    std::ofstream(path_, std::ios::trunc) << "tokens: [ {name: half\n";
    EXPECT_TRUE(store.authenticate("cc_admin"));
    store.reload();
    EXPECT_TRUE(store.authenticate("cc_admin"));
}

TEST_F(TokenStoreTest, ANewPathIsReadBeforeTheNextRequest) {
    write({entry("a", "admin", "cc_a")});
    TokenStore store(dir_ + "/other.yaml");
    EXPECT_FALSE(store.authenticate("cc_a"));
    store.setPath(path_);
    EXPECT_TRUE(store.authenticate("cc_a"));
}

TEST(Permits, AdminSeesAllOthersOnlyTheirOwnKind) {
    const TokenScope admin{ScopeKind::Admin, ""};
    const TokenScope alice{ScopeKind::User, "alice@contoso.com"};
    const TokenScope room{ScopeKind::Room, "room-4b@contoso.com"};
    EXPECT_TRUE(permits(admin, {ScopeKind::User, "bob@contoso.com"}));
    EXPECT_TRUE(permits(admin, {ScopeKind::Room, "room-4b@contoso.com"}));
    EXPECT_TRUE(permits(admin, {ScopeKind::Admin, ""}));

    EXPECT_TRUE(permits(alice, {ScopeKind::User, "Alice@Contoso.COM"}));
    EXPECT_FALSE(permits(alice, {ScopeKind::User, "bob@contoso.com"}));
    EXPECT_FALSE(permits(alice, {ScopeKind::User, "alice@contoso.com.evil"}));
    EXPECT_FALSE(permits(alice, {ScopeKind::Room, "alice@contoso.com"}));
    EXPECT_FALSE(permits(alice, {ScopeKind::Admin, ""}));

    EXPECT_TRUE(permits(room, {ScopeKind::Room, "room-4b@contoso.com"}));
    EXPECT_FALSE(permits(room, {ScopeKind::User, "room-4b@contoso.com"}));
    EXPECT_FALSE(permits(room, {ScopeKind::Room, "room-5@contoso.com"}));
    EXPECT_FALSE(permits(room, {ScopeKind::Admin, ""}));
}

TEST(BearerToken, TakesTheTokenOfTheBearerScheme) {
    EXPECT_EQ(bearerToken("Bearer cc_abc").value_or(""), "cc_abc");
    EXPECT_EQ(bearerToken("bearer   cc_abc  ").value_or(""), "cc_abc");
    EXPECT_FALSE(bearerToken("Basic dXNlcjpwYXNz"));
    EXPECT_FALSE(bearerToken("Bearer"));
    EXPECT_FALSE(bearerToken("Bearer "));
    EXPECT_FALSE(bearerToken("Bearercc_abc"));
    EXPECT_FALSE(bearerToken("Bearer a b"));
}

}  // namespace
}  // namespace calconn::api
