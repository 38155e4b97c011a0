#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "crypto/AesGcm.h"
#include "crypto/Random.h"

namespace calconn::crypto {
namespace {

std::vector<std::uint8_t> newKey() {
    auto key = randomBytes(kAesKeySize);
    EXPECT_TRUE(key.ok());
    return *key;
}

TEST(Envelope, RoundTripsWithKeyIdAndAssociatedData) {
    const auto key = newKey();
    auto sealed = sealEnvelope("k7", key, "hello, secret world", "meetings/1/subject");
    ASSERT_TRUE(sealed.ok()) << sealed.error().toString();
    EXPECT_EQ(sealed->size(), 2 + 2 + kGcmNonceSize + 19 + kGcmTagSize);
    EXPECT_EQ((*sealed)[0], kEnvelopeVersion);
    auto id = envelopeKeyId(*sealed);
    ASSERT_TRUE(id.ok());
    EXPECT_EQ(*id, "k7");
    auto opened = openEnvelope(key, *sealed, "meetings/1/subject");
    ASSERT_TRUE(opened.ok()) << opened.error().toString();
    EXPECT_EQ(opened->view(), "hello, secret world");
}

TEST(Envelope, RoundTripsEmptyPlaintext) {
    const auto key = newKey();
    auto sealed = sealEnvelope("k", key, "", "");
    ASSERT_TRUE(sealed.ok());
    auto opened = openEnvelope(key, *sealed, "");
    ASSERT_TRUE(opened.ok());
    EXPECT_TRUE(opened->empty());
}

TEST(Envelope, UsesAFreshNonceEachTime) {
    const auto key = newKey();
    auto a = sealEnvelope("k", key, "same", "aad");
    auto b = sealEnvelope("k", key, "same", "aad");
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_NE(*a, *b);
}

TEST(Envelope, DetectsTamperingAnywhere) {
    const auto key = newKey();
    auto sealed = sealEnvelope("key1", key, "attendee@contoso.com", "aad");
    ASSERT_TRUE(sealed.ok());
    for (std::size_t i = 0; i < sealed->size(); ++i) {
        auto tampered = *sealed;
        tampered[i] ^= 0x01;
        auto opened = openEnvelope(key, tampered, "aad");
        EXPECT_FALSE(opened.ok()) << "byte " << i;
        if (!opened.ok()) {
            EXPECT_EQ(opened.error().code, common::ErrorCode::Crypto);
        }
    }
}

TEST(Envelope, RejectsTruncation) {
    const auto key = newKey();
    auto sealed = sealEnvelope("key1", key, "text", "aad");
    ASSERT_TRUE(sealed.ok());
    for (std::size_t n = 0; n < sealed->size(); ++n) {
        std::vector<std::uint8_t> cut(sealed->begin(), sealed->begin() + static_cast<long>(n));
        EXPECT_FALSE(openEnvelope(key, cut, "aad").ok()) << n;
    }
}

TEST(Envelope, RejectsWrongAssociatedData) {
    const auto key = newKey();
    auto sealed = sealEnvelope("k", key, "text", "meetings/1/subject");
    ASSERT_TRUE(sealed.ok());
    EXPECT_FALSE(openEnvelope(key, *sealed, "meetings/1/body").ok());
    EXPECT_FALSE(openEnvelope(key, *sealed, "meetings/2/subject").ok());
}

TEST(Envelope, RejectsWrongKey) {
    auto sealed = sealEnvelope("k", newKey(), "text", "aad");
    ASSERT_TRUE(sealed.ok());
    auto opened = openEnvelope(newKey(), *sealed, "aad");
    ASSERT_FALSE(opened.ok());
    EXPECT_EQ(opened.error().code, common::ErrorCode::Crypto);
}

TEST(Envelope, RejectsBadKeyIdAndKeySize) {
    const auto key = newKey();
    EXPECT_FALSE(sealEnvelope("", key, "x", "").ok());
    EXPECT_FALSE(sealEnvelope(std::string(256, 'k'), key, "x", "").ok());
    std::vector<std::uint8_t> short_key(16);
    EXPECT_FALSE(sealEnvelope("k", short_key, "x", "").ok());
}

TEST(AesGcm, MatchesAKnownAnswer) {
    // NIST GCM test case 13 (AES-256, zero key, zero IV, empty plaintext): the tag only.
    const std::vector<std::uint8_t> key(32, 0), nonce(12, 0);
    auto sealed = aesGcmSeal(key, nonce, {}, {});
    ASSERT_TRUE(sealed.ok());
    EXPECT_EQ(toHex(*sealed), "530f8afbc74536b9a963b4f1c4cb738b");
    auto opened = aesGcmOpen(key, nonce, *sealed, {});
    EXPECT_TRUE(opened.ok());
}

TEST(Random, ProducesDistinctValues) {
    auto a = randomHex(16);
    auto b = randomHex(16);
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_EQ(a->size(), 32u);
    EXPECT_NE(*a, *b);
}

}  // namespace
}  // namespace calconn::crypto
