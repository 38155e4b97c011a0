#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "crypto/Random.h"
#include "crypto/SecretString.h"
#include "kms/LocalKeyProvider.h"

namespace calconn::kms {
namespace {

namespace fs = std::filesystem;

class TempDir {
public:
    TempDir() {
        std::string tmpl = (fs::temp_directory_path() / "calconn-kms-XXXXXX").string();
        path_ = ::mkdtemp(tmpl.data());
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    const fs::path& path() const { return path_; }

private:
    fs::path path_;
};

mode_t modeOf(const fs::path& p) {
    struct stat st {};
    EXPECT_EQ(::stat(p.c_str(), &st), 0);
    return st.st_mode & 07777;
}

std::string readAll(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

void writeFile(const fs::path& p, const std::string& content, mode_t mode) {
    std::ofstream(p, std::ios::binary) << content;
    ::chmod(p.c_str(), mode);
}

LocalKeyProviderOptions optionsFor(const fs::path& dir) {
    LocalKeyProviderOptions options;
    options.state_directory = dir;
    return options;
}

TEST(LocalKeyProvider, CreatesA0600KeyFileEvenUnderAPermissiveUmask) {
    TempDir dir;
    const mode_t old = ::umask(0);
    auto provider = LocalKeyProvider::open(optionsFor(dir.path()));
    ::umask(old);
    ASSERT_TRUE(provider.ok()) << provider.error().toString();
    EXPECT_TRUE((*provider)->created());
    const fs::path file = dir.path() / "master.key";
    EXPECT_EQ(modeOf(file), 0600u);
    const std::string text = readAll(file);
    EXPECT_EQ(text.size(), 45u);  // base64 of 32 bytes and a newline
    EXPECT_EQ(text.back(), '\n');
    // No temporary file left behind.
    EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 1);
}

TEST(LocalKeyProvider, ReusesTheExistingKey) {
    TempDir dir;
    auto first = LocalKeyProvider::open(optionsFor(dir.path()));
    ASSERT_TRUE(first.ok());
    const std::string text = readAll(dir.path() / "master.key");
    const std::uint8_t key[32] = {1, 2, 3};
    auto wrapped = (*first)->wrapKey("1", key);
    ASSERT_TRUE(wrapped.ok());

    auto second = LocalKeyProvider::open(optionsFor(dir.path()));
    ASSERT_TRUE(second.ok()) << second.error().toString();
    EXPECT_FALSE((*second)->created());
    EXPECT_EQ(readAll(dir.path() / "master.key"), text);
    EXPECT_EQ((*second)->kekId(), (*first)->kekId());
    crypto::SecretString out(std::size_t{32});
    ASSERT_TRUE((*second)->unwrapKey("1", *wrapped, out.bytes()).ok());
    EXPECT_TRUE(crypto::constantTimeEquals(out.bytes(), std::span<const std::uint8_t>(key)));
}

TEST(LocalKeyProvider, RefusesAKeyFileOthersCanRead) {
    TempDir dir;
    ASSERT_TRUE(LocalKeyProvider::open(optionsFor(dir.path())).ok());
    ::chmod((dir.path() / "master.key").c_str(), 0644);
    auto provider = LocalKeyProvider::open(optionsFor(dir.path()));
    ASSERT_FALSE(provider.ok());
    EXPECT_EQ(provider.error().code, common::ErrorCode::PermissionDenied);
    EXPECT_NE(provider.error().message.find("0644"), std::string::npos);
    EXPECT_NE(provider.error().message.find("chmod 0600"), std::string::npos);
}

TEST(LocalKeyProvider, AcceptsRawKeyBytes) {
    TempDir dir;
    auto raw = crypto::randomBytes(32);
    ASSERT_TRUE(raw.ok());
    writeFile(dir.path() / "master.key", std::string(raw->begin(), raw->end()), 0600);
    auto provider = LocalKeyProvider::open(optionsFor(dir.path()));
    ASSERT_TRUE(provider.ok()) << provider.error().toString();
    EXPECT_FALSE((*provider)->created());
}

TEST(LocalKeyProvider, RejectsAMalformedKeyFile) {
    TempDir dir;
    writeFile(dir.path() / "master.key", "not a key\n", 0600);
    auto provider = LocalKeyProvider::open(optionsFor(dir.path()));
    ASSERT_FALSE(provider.ok());
    EXPECT_EQ(provider.error().code, common::ErrorCode::Crypto);
}

TEST(LocalKeyProvider, PrefersTheCredentialsDirectory) {
    TempDir state, creds;
    // The same key in both places would hide the choice: give the credential a different one.
    ASSERT_TRUE(LocalKeyProvider::open(optionsFor(state.path())).ok());
    auto from_state = LocalKeyProvider::open(optionsFor(state.path()));
    ASSERT_TRUE(from_state.ok());
    auto raw = crypto::randomBytes(32);
    ASSERT_TRUE(raw.ok());
    writeFile(creds.path() / "calconn-master-key", std::string(raw->begin(), raw->end()), 0440);

    auto options = optionsFor(state.path());
    options.credentials_directory = creds.path();
    auto provider = LocalKeyProvider::open(options);
    ASSERT_TRUE(provider.ok()) << provider.error().toString();
    EXPECT_EQ((*provider)->source(), creds.path() / "calconn-master-key");
    EXPECT_NE((*provider)->kekId(), (*from_state)->kekId());
    EXPECT_FALSE((*provider)->created());
}

TEST(LocalKeyProvider, FallsBackToTheStateDirectoryWithoutTheCredential) {
    TempDir state, creds;
    auto options = optionsFor(state.path());
    options.credentials_directory = creds.path();
    auto provider = LocalKeyProvider::open(options);
    ASSERT_TRUE(provider.ok()) << provider.error().toString();
    EXPECT_EQ((*provider)->source(), state.path() / "master.key");
}

TEST(LocalKeyProvider, ReadsCredentialsDirectoryFromTheEnvironment) {
    ::setenv("CREDENTIALS_DIRECTORY", "/run/credentials/calconnd.service", 1);
    auto options = LocalKeyProvider::fromEnvironment("/var/lib/calconn");
    ::unsetenv("CREDENTIALS_DIRECTORY");
    EXPECT_EQ(options.credentials_directory, fs::path("/run/credentials/calconnd.service"));
    EXPECT_TRUE(LocalKeyProvider::fromEnvironment("/x").credentials_directory.empty());
}

TEST(LocalKeyProvider, BindsTheWrappedKeyToItsId) {
    TempDir dir;
    auto provider = LocalKeyProvider::open(optionsFor(dir.path()));
    ASSERT_TRUE(provider.ok());
    const std::uint8_t key[32] = {9};
    auto wrapped = (*provider)->wrapKey("1", key);
    ASSERT_TRUE(wrapped.ok());
    crypto::SecretString out(std::size_t{32});
    auto st = (*provider)->unwrapKey("2", *wrapped, out.bytes());
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code, common::ErrorCode::Crypto);
}

TEST(LocalKeyProvider, FailsClearlyWithAnotherMasterKey) {
    TempDir a, b;
    auto pa = LocalKeyProvider::open(optionsFor(a.path()));
    auto pb = LocalKeyProvider::open(optionsFor(b.path()));
    ASSERT_TRUE(pa.ok() && pb.ok());
    const std::uint8_t key[32] = {};
    auto wrapped = (*pa)->wrapKey("1", key);
    ASSERT_TRUE(wrapped.ok());
    crypto::SecretString out(std::size_t{32});
    auto st = (*pb)->unwrapKey("1", *wrapped, out.bytes());
    ASSERT_FALSE(st.ok());
    EXPECT_NE(st.error().message.find("another master key"), std::string::npos);
}

}  // namespace
}  // namespace calconn::kms
