#include <gtest/gtest.h>

#include <type_traits>

#include "crypto/SecretString.h"

namespace calconn::crypto {
namespace {

static_assert(!std::is_copy_constructible_v<SecretString>);
static_assert(!std::is_copy_assignable_v<SecretString>);
static_assert(std::is_nothrow_move_constructible_v<SecretString>);

TEST(SecretString, HoldsTextAndMoves) {
    SecretString a("s3cret");
    EXPECT_EQ(a.view(), "s3cret");
    SecretString b(std::move(a));
    EXPECT_EQ(b.view(), "s3cret");
    EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): moved-from is defined empty
    SecretString c;
    c = std::move(b);
    EXPECT_EQ(c.view(), "s3cret");
    EXPECT_EQ(c.size(), 6u);
}

TEST(SecretString, ClearLeavesItEmpty) {
    SecretString s("password");
    s.clear();
    EXPECT_TRUE(s.empty());
    EXPECT_EQ(s.view(), "");
}

TEST(SecretString, MovesTransferTheBufferInsteadOfCopyingTheSecret) {
    SecretString s(std::size_t{16});
    std::uint8_t* raw = s.data();
    SecretString moved(std::move(s));
    EXPECT_EQ(moved.data(), raw);
}

TEST(SecureWipe, ZeroesTheBuffer) {
    // Reading freed memory is undefined, so the wipe SecretString relies on is tested directly.
    std::uint8_t buffer[32];
    for (auto& b : buffer) b = 0xAA;
    secureWipe(buffer);
    for (auto b : buffer) EXPECT_EQ(b, 0);
}

TEST(ConstantTimeEquals, ComparesContentAndLength) {
    EXPECT_TRUE(constantTimeEquals(std::string_view("abc"), std::string_view("abc")));
    EXPECT_FALSE(constantTimeEquals(std::string_view("abc"), std::string_view("abd")));
    EXPECT_FALSE(constantTimeEquals(std::string_view("abc"), std::string_view("abcd")));
    EXPECT_TRUE(constantTimeEquals(std::string_view(), std::string_view()));
}

}  // namespace
}  // namespace calconn::crypto
