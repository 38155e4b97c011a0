#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <simdjson.h>

#include <cstdio>
#include <memory>

#include "Fixtures.h"
#include "graph/ClientAssertion.h"

namespace calconn::graph {
namespace {

using testing::certFile;

struct Jwt {
    std::string header, claims, signing_input, signature;
};

Jwt split(const std::string& jwt) {
    const auto a = jwt.find('.');
    const auto b = jwt.find('.', a + 1);
    EXPECT_NE(a, std::string::npos);
    EXPECT_NE(b, std::string::npos);
    EXPECT_EQ(jwt.find('='), std::string::npos);  // base64url without padding
    return Jwt{base64UrlDecode(jwt.substr(0, a)).value(),
               base64UrlDecode(jwt.substr(a + 1, b - a - 1)).value(), jwt.substr(0, b),
               base64UrlDecode(jwt.substr(b + 1)).value()};
}

// Verifies with the public key of the certificate file, independent of the code under test.
bool verify(const Jwt& jwt, bool pss) {
    FILE* f = std::fopen(certFile("app.pem").c_str(), "r");
    if (f == nullptr) return false;
    X509* cert = PEM_read_X509(f, nullptr, nullptr, nullptr);
    std::fclose(f);
    EVP_PKEY* pub = X509_get_pubkey(cert);
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX* pctx = nullptr;
    bool ok = EVP_DigestVerifyInit(ctx, &pctx, EVP_sha256(), nullptr, pub) == 1;
    if (ok && pss) {
        ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
             EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) == 1;
    }
    ok = ok && EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(jwt.signature.data()),
                                jwt.signature.size(),
                                reinterpret_cast<const unsigned char*>(jwt.signing_input.data()),
                                jwt.signing_input.size()) == 1;
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(pub);
    X509_free(cert);
    return ok;
}

std::string thumbprint(const EVP_MD* md) {
    FILE* f = std::fopen(certFile("app.pem").c_str(), "r");
    X509* cert = PEM_read_X509(f, nullptr, nullptr, nullptr);
    std::fclose(f);
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    X509_digest(cert, md, digest, &len);
    X509_free(cert);
    return base64UrlEncode(std::string(reinterpret_cast<char*>(digest), len));
}

std::string field(const std::string& json, const char* key) {
    simdjson::dom::parser parser;
    auto doc = parser.parse(json);
    std::string_view s;
    if (doc[key].get_string().get(s)) return "<missing>";
    return std::string(s);
}

int64_t number(const std::string& json, const char* key) {
    simdjson::dom::parser parser;
    auto doc = parser.parse(json);
    int64_t n = -1;
    if (doc[key].get_int64().get(n)) return -1;
    return n;
}

const common::TimePoint kNow = std::chrono::system_clock::from_time_t(1'800'000'000);

AssertionParams params() {
    AssertionParams p;
    p.client_id = "client";
    p.audience = "aud";
    p.now = kNow;
    return p;
}

TEST(Base64Url, RoundTrips) {
    for (std::string s : {"", "f", "fo", "foo", "foob", "fooba", "foobar", "\xff\xfe\x00\x01"}) {
        EXPECT_EQ(base64UrlDecode(base64UrlEncode(s)).value(), s);
    }
    EXPECT_EQ(base64UrlEncode("\xfb\xff"), "-_8");
    EXPECT_FALSE(base64UrlDecode("a").ok());
    EXPECT_FALSE(base64UrlDecode("ab$d").ok());
}

TEST(ClientAssertion, SignsVerifiableRs256Jwt) {
    auto cert = ClientCertificate::load(certFile("app.pem"), certFile("app.key"));
    ASSERT_TRUE(cert.ok()) << cert.error().toString();
    AssertionParams params;
    params.client_id = "8a1b0000-0000-4000-8000-000000000001";
    params.audience = "https://login.microsoftonline.com/2f0c/oauth2/v2.0/token";
    params.now = kNow;
    auto jwt = makeClientAssertion(**cert, params);
    ASSERT_TRUE(jwt.ok()) << jwt.error().toString();
    const Jwt parts = split(*jwt);
    EXPECT_EQ(field(parts.header, "alg"), "RS256");
    EXPECT_EQ(field(parts.header, "typ"), "JWT");
    EXPECT_EQ(field(parts.header, "x5t#S256"), thumbprint(EVP_sha256()));
    EXPECT_EQ(field(parts.header, "x5t"), thumbprint(EVP_sha1()));
    EXPECT_EQ(field(parts.claims, "aud"), params.audience);
    EXPECT_EQ(field(parts.claims, "iss"), params.client_id);
    EXPECT_EQ(field(parts.claims, "sub"), params.client_id);
    EXPECT_EQ(field(parts.claims, "jti").size(), 36u);
    EXPECT_EQ(number(parts.claims, "nbf"), 1'800'000'000);
    EXPECT_EQ(number(parts.claims, "iat"), 1'800'000'000);
    EXPECT_EQ(number(parts.claims, "exp"), 1'800'000'600);
    EXPECT_TRUE(verify(parts, false));
    EXPECT_FALSE(verify(parts, true));
}

TEST(ClientAssertion, SignsVerifiablePs256Jwt) {
    auto cert = ClientCertificate::load(certFile("app.pem"), certFile("app.key"));
    ASSERT_TRUE(cert.ok());
    AssertionParams params;
    params.client_id = "client";
    params.audience = "https://login/t/oauth2/v2.0/token";
    params.now = kNow;
    params.algorithm = JwtAlgorithm::PS256;
    auto jwt = makeClientAssertion(**cert, params);
    ASSERT_TRUE(jwt.ok());
    const Jwt parts = split(*jwt);
    EXPECT_EQ(field(parts.header, "alg"), "PS256");
    EXPECT_TRUE(verify(parts, true));
}

TEST(ClientAssertion, TamperedClaimsFailVerification) {
    auto cert = ClientCertificate::load(certFile("app.pem"), certFile("app.key"));
    ASSERT_TRUE(cert.ok());
    auto jwt = makeClientAssertion(**cert, params());
    ASSERT_TRUE(jwt.ok());
    Jwt parts = split(*jwt);
    parts.signing_input[parts.signing_input.size() - 2] ^= 1;
    EXPECT_FALSE(verify(parts, false));
}

TEST(ClientAssertion, UsesFreshJtiEachTime) {
    auto cert = ClientCertificate::load(certFile("app.pem"), certFile("app.key"));
    ASSERT_TRUE(cert.ok());
    auto a = makeClientAssertion(**cert, params());
    auto b = makeClientAssertion(**cert, params());
    EXPECT_NE(field(split(*a).claims, "jti"), field(split(*b).claims, "jti"));
}

TEST(ClientCertificate, RejectsBadKeyMaterial) {
    // EC key: not usable for RS256.
    auto ec = ClientCertificate::load(certFile("server.pem"), certFile("server.key"));
    ASSERT_FALSE(ec.ok());
    EXPECT_EQ(ec.error().code, common::ErrorCode::Config);
    // Key of another certificate.
    auto mismatch = ClientCertificate::load(certFile("app.pem"), certFile("client.key"));
    EXPECT_FALSE(mismatch.ok());
    auto missing = ClientCertificate::load(certFile("nope.pem"), certFile("app.key"));
    EXPECT_FALSE(missing.ok());
    auto garbage = ClientCertificate::fromPem("not pem", "not pem");
    EXPECT_FALSE(garbage.ok());
}

TEST(JsonEscape, EscapesControlAndQuotes) {
    EXPECT_EQ(jsonEscape("a\"b\\c\n\x01"), "a\\\"b\\\\c\\n\\u0001");
}

TEST(RandomGuid, LooksLikeVersion4) {
    const auto guid = randomGuid();
    ASSERT_EQ(guid.size(), 36u);
    EXPECT_EQ(guid[14], '4');
    EXPECT_NE(randomGuid(), guid);
}

}  // namespace
}  // namespace calconn::graph
