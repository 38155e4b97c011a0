#include <gtest/gtest.h>

#include "Jwt.h"
#include "common/Clock.h"

namespace calconn::graphsim {
namespace {

const SelfSignedCertificate& testCert() {
    static const SelfSignedCertificate cert = [] {
        auto made = makeSelfSignedCertificate("jwt-test", 365, 1024);
        EXPECT_TRUE(made.ok());
        return made.ok() ? made.value() : SelfSignedCertificate{};
    }();
    return cert;
}

TEST(Base64Url, RoundTripsEveryRemainderLength) {
    for (const std::string input : {"", "f", "fo", "foo", "foob", "fooba", "foobar", "\xff\xfe"}) {
        auto encoded = base64UrlEncode(input);
        EXPECT_EQ(encoded.find('='), std::string::npos);
        auto decoded = base64Decode(encoded);
        ASSERT_TRUE(decoded.has_value()) << encoded;
        EXPECT_EQ(*decoded, input);
    }
    EXPECT_EQ(base64UrlEncode("\xfb\xff"), "-_8");
    EXPECT_EQ(base64StdEncode("\xfb\xff"), "+/8=");
}

TEST(Base64Url, RejectsForeignCharacters) {
    EXPECT_FALSE(base64Decode("ab$d").has_value());
    EXPECT_FALSE(base64Decode("a").has_value());
}

TEST(Thumbprint, MatchesTheDocumentedEncodingExample) {
    // graph.md §10: hex 84E05C1D98BCE3A5421D225B140B36E86A3D5534 → hOBcHZi846VCHSJbFAs26Go9VTQ.
    std::string raw;
    const std::string hex = "84E05C1D98BCE3A5421D225B140B36E86A3D5534";
    for (std::size_t i = 0; i < hex.size(); i += 2) {
        raw += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
    }
    EXPECT_EQ(base64UrlEncode(raw), "hOBcHZi846VCHSJbFAs26Go9VTQ");
}

TEST(Thumbprint, CertificateThumbprintsAreConsistent) {
    auto thumbs = certificateThumbprints(testCert().cert_pem);
    ASSERT_TRUE(thumbs.ok());
    EXPECT_EQ(thumbs->sha1_hex.size(), 40u);
    auto raw = base64Decode(thumbs->x5t);
    ASSERT_TRUE(raw.has_value());
    EXPECT_EQ(raw->size(), 20u);
    EXPECT_EQ(base64Decode(thumbs->x5t_s256)->size(), 32u);
    EXPECT_FALSE(certificateThumbprints("not a pem").ok());
}

TEST(Jwt, SignsAndVerifiesRs256AndPs256) {
    auto key = RsaKey::fromPrivateKeyPem(testCert().key_pem);
    ASSERT_TRUE(key.ok());
    auto pub = RsaKey::fromCertificatePem(testCert().cert_pem);
    ASSERT_TRUE(pub.ok());
    EXPECT_FALSE(pub->hasPrivateKey());
    for (JwtAlg alg : {JwtAlg::RS256, JwtAlg::PS256}) {
        Poco::JSON::Object header;
        Poco::JSON::Object payload;
        payload.set("sub", std::string("someone"));
        auto token = encodeJwt(header, payload, alg, *key);
        ASSERT_TRUE(token.ok());
        auto decoded = decodeJwt(*token);
        ASSERT_TRUE(decoded.ok());
        EXPECT_EQ(decoded->header->getValue<std::string>("alg"), jwtAlgName(alg));
        EXPECT_EQ(decoded->payload->getValue<std::string>("sub"), "someone");
        EXPECT_TRUE(pub->verify(alg, decoded->signing_input, decoded->signature));
        EXPECT_FALSE(pub->verify(alg, decoded->signing_input + "x", decoded->signature));
    }
}

TEST(Jwt, DecodeRejectsMalformedTokens) {
    EXPECT_FALSE(decodeJwt("nodots").ok());
    EXPECT_FALSE(decodeJwt("a.b").ok());
    EXPECT_FALSE(decodeJwt("a.b.c.d").ok());
    EXPECT_FALSE(decodeJwt(base64UrlEncode("[1]") + "." + base64UrlEncode("{}") + ".x").ok());
}

TEST(Jwt, ClientAssertionCarriesTheDocumentedClaims) {
    ClientAssertionOptions options;
    options.client_id = "11111111-2222-3333-4444-555555555555";
    options.audience = "https://127.0.0.1:1/tenant/oauth2/v2.0/token";
    options.now = common::TimePoint(std::chrono::seconds(1700000000));
    options.alg = JwtAlg::PS256;
    options.use_x5t_s256 = true;
    auto assertion = makeClientAssertion(testCert().key_pem, testCert().cert_pem, options);
    ASSERT_TRUE(assertion.ok());
    auto decoded = decodeJwt(*assertion);
    ASSERT_TRUE(decoded.ok());
    auto thumbs = certificateThumbprints(testCert().cert_pem);
    EXPECT_EQ(decoded->header->getValue<std::string>("x5t#S256"), thumbs->x5t_s256);
    EXPECT_FALSE(decoded->header->has("x5t"));
    const auto& p = decoded->payload;
    EXPECT_EQ(p->getValue<std::string>("iss"), options.client_id);
    EXPECT_EQ(p->getValue<std::string>("sub"), options.client_id);
    EXPECT_EQ(p->getValue<std::string>("aud"), options.audience);
    EXPECT_EQ(p->getValue<Poco::Int64>("nbf"), 1700000000);
    EXPECT_EQ(p->getValue<Poco::Int64>("exp"), 1700000600);
    EXPECT_EQ(p->getValue<std::string>("jti").size(), 36u);
}

TEST(Jwt, RandomGuidsAreVersion4) {
    auto a = randomGuid();
    auto b = randomGuid();
    EXPECT_NE(a, b);
    ASSERT_EQ(a.size(), 36u);
    EXPECT_EQ(a[14], '4');
}

}  // namespace
}  // namespace calconn::graphsim
