#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "api/TokenFile.h"
#include "common/IsoTime.h"

namespace calconn::api {
namespace {

class TempDir {
public:
    TempDir() {
        char dir_template[] = "/tmp/calconn-tokens-XXXXXX";
        path_ = ::mkdtemp(dir_template);
    }
    ~TempDir() { std::filesystem::remove_all(path_); }
    std::string file(const std::string& name) const { return path_ + "/" + name; }

private:
    std::string path_;
};

std::string slurp(const std::string& path) {
    std::ifstream in(path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

TEST(TokenScope, ParsesTheThreeScopesAndLowerCasesAddresses) {
    auto admin = TokenScope::parse("admin");
    ASSERT_TRUE(admin.ok());
    EXPECT_EQ(admin->kind, ScopeKind::Admin);
    EXPECT_EQ(admin->toString(), "admin");

    auto user = TokenScope::parse("user:Alice@Contoso.com");
    ASSERT_TRUE(user.ok());
    EXPECT_EQ(user->kind, ScopeKind::User);
    EXPECT_EQ(user->subject, "alice@contoso.com");
    EXPECT_EQ(user->toString(), "user:alice@contoso.com");

    auto room = TokenScope::parse("room:room-4b@contoso.com");
    ASSERT_TRUE(room.ok());
    EXPECT_EQ(room->kind, ScopeKind::Room);
    EXPECT_EQ(room->toString(), "room:room-4b@contoso.com");
}

TEST(TokenScope, RefusesEverythingElse) {
    for (const char* bad : {"", "Admin", "root", "user:", "user:alice", "room:a b@c.d", "user:@x",
                            "group:staff@contoso.com", "user:a@b@c", "user:a/b@c"}) {
        EXPECT_FALSE(TokenScope::parse(bad).ok()) << bad;
    }
}

TEST(TokenHash, IsTheSha256OfTheWholeToken) {
    // FIPS 180-2 test vector.
    EXPECT_EQ(sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(TokenGeneration, GivesPrefixedBase64Url256BitTokensThatDiffer) {
    auto first = generateToken();
    auto second = generateToken();
    ASSERT_TRUE(first.ok());
    ASSERT_TRUE(second.ok());
    EXPECT_NE(*first, *second);
    ASSERT_EQ(first->size(), 3u + 43u);  // 32 bytes = 43 base64url characters without padding
    EXPECT_EQ(first->substr(0, 3), "cc_");
    for (char c : first->substr(3)) {
        EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') << c;
    }
}

TEST(TokensFile, RoundTripsThroughTheYamlFormat) {
    const std::vector<TokenEntry> entries{
        {"helpdesk",
         {ScopeKind::Admin, ""},
         sha256Hex("cc_a"),
         common::parseIsoUtc("2026-03-02T09:00:00Z")},
        {"alice-phone", {ScopeKind::User, "alice@contoso.com"}, sha256Hex("cc_b"), std::nullopt},
        {"panel.4b", {ScopeKind::Room, "room-4b@contoso.com"}, sha256Hex("cc_c"), std::nullopt},
    };
    const std::string text = renderTokensFile(entries);
    EXPECT_EQ(text.find("cc_a"), std::string::npos) << "only hashes are written";
    auto parsed = parseTokensFile(text, "tokens.yaml");
    ASSERT_TRUE(parsed.ok()) << parsed.error().toString();
    EXPECT_EQ(*parsed, entries);
}

TEST(TokensFile, ReadsTheFormatTheDesignShows) {
    auto parsed = parseTokensFile(
        "tokens:\n"
        "  - {name: helpdesk, scope: admin, sha256: "
        "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08}\n",
        "f");
    ASSERT_TRUE(parsed.ok()) << parsed.error().toString();
    ASSERT_EQ(parsed->size(), 1u);
    EXPECT_EQ((*parsed)[0].sha256,
              "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
    EXPECT_FALSE((*parsed)[0].created);
}

TEST(TokensFile, EmptyFileHoldsNoTokens) {
    EXPECT_TRUE(parseTokensFile("", "f")->empty());
    EXPECT_TRUE(parseTokensFile("# nothing yet\n", "f")->empty());
    EXPECT_TRUE(parseTokensFile("tokens: []\n", "f")->empty());
}

TEST(TokensFile, NamesTheBrokenEntry) {
    const std::string hash = sha256Hex("x");
    struct Case {
        std::string text;
        std::string message;
    };
    const std::vector<Case> cases{
        {"tokens: [{name: a, scope: admin, sha256: abc}]",
         "tokens[0] (a): sha256 must be 64 hex digits"},
        {"tokens: [{name: a, scope: boss, sha256: " + hash + "}]", "tokens[0] (a): scope must be"},
        {"tokens: [{scope: admin, sha256: " + hash + "}]", "tokens[0].name"},
        {"tokens: [{name: a, scope: admin, sha256: " + hash +
             "}, {name: a, scope: admin, sha256: " + hash + "}]",
         "tokens[1]: the name a is used twice"},
        {"tokens: {a: 1}", "`tokens` must be a list"},
        {"tokens: [\n", "not valid YAML"},
    };
    for (const Case& c : cases) {
        auto parsed = parseTokensFile(c.text, "/etc/calconn/api-tokens.yaml");
        ASSERT_FALSE(parsed.ok()) << c.text;
        EXPECT_EQ(parsed.error().code, common::ErrorCode::Config);
        EXPECT_NE(parsed.error().message.find(c.message), std::string::npos)
            << parsed.error().message;
        EXPECT_EQ(parsed.error().context, "/etc/calconn/api-tokens.yaml");
    }
}

TEST(TokensFile, MissingFileReadsAsEmpty) {
    TempDir dir;
    auto entries = readTokensFile(dir.file("none.yaml"));
    ASSERT_TRUE(entries.ok());
    EXPECT_TRUE(entries->empty());
}

TEST(TokensFile, NewFileIsCreated0640AndKeepsItsModeWhenRewritten) {
    TempDir dir;
    const std::string path = dir.file("api-tokens.yaml");
    const TokenEntry entry{"a", {ScopeKind::Admin, ""}, sha256Hex("t"), std::nullopt};
    ASSERT_TRUE(writeTokensFile(path, {entry}).ok());
    struct stat st {};
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0640u);

    ::chmod(path.c_str(), 0600);
    ASSERT_TRUE(writeTokensFile(path, {}).ok());
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0600u);
    EXPECT_TRUE(readTokensFile(path)->empty());
    // No temporary files are left beside it.
    std::size_t files = 0;
    for ([[maybe_unused]] const auto& item : std::filesystem::directory_iterator(dir.file("")))
        ++files;
    EXPECT_EQ(files, 1u);
}

TEST(TokensFile, UpdateAppliesTheChangeOrLeavesTheFileAlone) {
    TempDir dir;
    const std::string path = dir.file("api-tokens.yaml");
    auto add = [&](const std::string& name) {
        return updateTokensFile(path, [&](std::vector<TokenEntry>& entries) -> common::Status {
            entries.push_back({name, {ScopeKind::Admin, ""}, sha256Hex(name), std::nullopt});
            return {};
        });
    };
    ASSERT_TRUE(add("one").ok());
    ASSERT_TRUE(add("two").ok());
    const std::string before = slurp(path);
    auto refused = updateTokensFile(path, [](std::vector<TokenEntry>&) -> common::Status {
        return common::makeError(common::ErrorCode::NotFound, "no such token");
    });
    EXPECT_FALSE(refused.ok());
    EXPECT_EQ(slurp(path), before);
    ASSERT_EQ(readTokensFile(path)->size(), 2u);
}

TEST(TokensFile, UpdateRefusesABrokenFileInsteadOfOverwritingIt) {
    TempDir dir;
    const std::string path = dir.file("api-tokens.yaml");
    std::ofstream(path) << "tokens: [\n";
    auto status =
        updateTokensFile(path, [](std::vector<TokenEntry>&) -> common::Status { return {}; });
    EXPECT_FALSE(status.ok());
    EXPECT_EQ(slurp(path), "tokens: [\n");
}

}  // namespace
}  // namespace calconn::api
