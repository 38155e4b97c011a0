#include <gtest/gtest.h>

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "crypto/SecretFile.h"

namespace calconn::crypto {
namespace {

namespace fs = std::filesystem;

class SecretFileTest : public ::testing::Test {
protected:
    SecretFileTest() {
        std::string tmpl = (fs::temp_directory_path() / "calconn-secret-XXXXXX").string();
        dir_ = ::mkdtemp(tmpl.data());
    }
    ~SecretFileTest() override {
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }
    std::string write(const std::string& content) {
        const fs::path file = dir_ / "secret";
        std::ofstream(file, std::ios::binary) << content;
        return file.string();
    }

    fs::path dir_;
};

TEST_F(SecretFileTest, DropsTheLineBreaksAnEditorAdds) {
    EXPECT_EQ(*readSecretFile(write("hunter2")), "hunter2");
    EXPECT_EQ(*readSecretFile(write("hunter2\n")), "hunter2");
    EXPECT_EQ(*readSecretFile(write("hunter2\r\n")), "hunter2");
}

TEST_F(SecretFileTest, KeepsInnerAndLeadingSpaces) {
    EXPECT_EQ(*readSecretFile(write(" pass word \n")), " pass word ");
}

TEST_F(SecretFileTest, RefusesAnEmptyFile) {
    for (const char* content : {"", "\n", "\r\n"}) {
        const std::string path = write(content);
        auto secret = readSecretFile(path);
        ASSERT_FALSE(secret.ok()) << content;
        EXPECT_EQ(secret.error().code, common::ErrorCode::Config);
        EXPECT_EQ(secret.error().message, "the secret file is empty");
        EXPECT_EQ(secret.error().context, path);
    }
}

TEST_F(SecretFileTest, NamesAMissingFile) {
    const std::string path = (dir_ / "missing").string();
    auto secret = readSecretFile(path);
    ASSERT_FALSE(secret.ok());
    EXPECT_EQ(secret.error().code, common::ErrorCode::Config);
    EXPECT_EQ(secret.error().message, "cannot read the secret file");
    EXPECT_EQ(secret.error().context, path);
}

}  // namespace
}  // namespace calconn::crypto
