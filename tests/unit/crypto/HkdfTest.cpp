#include <gtest/gtest.h>

#include <vector>

#include "crypto/Hkdf.h"
#include "crypto/Random.h"

namespace calconn::crypto {
namespace {

std::vector<std::uint8_t> fromHex(std::string_view hex) {
    std::vector<std::uint8_t> out;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
        out.push_back(
            static_cast<std::uint8_t>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
    }
    return out;
}

TEST(HkdfSha256, MatchesRfc5869TestCase1) {
    const auto ikm = fromHex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b");
    const auto salt = fromHex("000102030405060708090a0b0c");
    const auto info = fromHex("f0f1f2f3f4f5f6f7f8f9");
    auto okm = hkdfSha256(ikm, salt, info, 42);
    ASSERT_TRUE(okm.ok()) << okm.error().toString();
    EXPECT_EQ(
        toHex(okm->bytes()),
        "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
}

TEST(HkdfSha256, RejectsZeroLength) {
    const std::vector<std::uint8_t> ikm(32, 1);
    EXPECT_FALSE(hkdfSha256(ikm, {}, {}, 0).ok());
}

TEST(HkdfSha256, SeparatesByInfo) {
    const std::vector<std::uint8_t> ikm(32, 7);
    const std::vector<std::uint8_t> a{'a'}, b{'b'};
    auto ka = hkdfSha256(ikm, {}, a, 32);
    auto kb = hkdfSha256(ikm, {}, b, 32);
    ASSERT_TRUE(ka.ok() && kb.ok());
    EXPECT_NE(toHex(ka->bytes()), toHex(kb->bytes()));
}

}  // namespace
}  // namespace calconn::crypto
