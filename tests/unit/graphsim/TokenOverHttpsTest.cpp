// The client-credentials grant with a certificate client assertion, end to end over HTTPS:
// a JWT signed with OpenSSL by the test, exchanged at graphsim's token endpoint, then used
// for a Graph call.
#include <gtest/gtest.h>

#include <Poco/URI.h>

#include "GraphsimTestSupport.h"
#include "Jwt.h"

namespace calconn::graphsim::testing {
namespace {

std::string form(const std::vector<std::pair<std::string, std::string>>& fields) {
    std::string out;
    for (const auto& [name, value] : fields) {
        std::string encoded;
        Poco::URI::encode(value, "!#$&'()*+,/:;=?@[]", encoded);
        if (!out.empty()) out += '&';
        out += name + "=" + encoded;
    }
    return out;
}

HttpResult requestToken(GraphsimFixture& f, const std::string& assertion) {
    const std::string path = std::string("/") + GraphsimFixture::kTenant + "/oauth2/v2.0/token";
    return f.http().request(
        "POST", path,
        form({{"client_id", GraphsimFixture::kClientId},
              {"scope", "https://graph.microsoft.com/.default"},
              {"client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
              {"client_assertion", assertion},
              {"grant_type", "client_credentials"}}),
        {{"Content-Type", "application/x-www-form-urlencoded"}});
}

std::string assertionFor(GraphsimFixture& f, const SelfSignedCertificate& cert, bool x5t_s256) {
    ClientAssertionOptions options;
    options.client_id = GraphsimFixture::kClientId;
    options.audience = f.base() + "/" + GraphsimFixture::kTenant + "/oauth2/v2.0/token";
    options.now = f.clock().now();
    options.use_x5t_s256 = x5t_s256;
    auto assertion = makeClientAssertion(cert.key_pem, cert.cert_pem, options);
    if (!assertion) throw std::runtime_error(assertion.error().toString());
    return *assertion;
}

TEST(TokenOverHttps, CertificateAssertionGetsATokenThatGraphAccepts) {
    auto cert = makeSelfSignedCertificate("calconn-test-app", 30, 2048);
    ASSERT_TRUE(cert.ok());
    GraphsimFixture f(2, 1, 2, 7, cert->cert_pem);
    for (bool x5t_s256 : {false, true}) {
        HttpResult token = requestToken(f, assertionFor(f, *cert, x5t_s256));
        ASSERT_EQ(token.status, 200) << token.body;
        EXPECT_EQ(token.json()->getValue<std::string>("token_type"), "Bearer");
        const std::string access = token.json()->getValue<std::string>("access_token");
        HttpResult settings = f.http().request(
            "GET", "/v1.0/users/" + f.firstUser() + "/mailboxSettings", {},
            {{"Authorization", "Bearer " + access}});
        EXPECT_EQ(settings.status, 200) << settings.body;
    }
}

TEST(TokenOverHttps, AssertionFromAnUnregisteredCertificateIsRefused) {
    auto registered = makeSelfSignedCertificate("registered", 30, 2048);
    auto other = makeSelfSignedCertificate("someone-else", 30, 2048);
    ASSERT_TRUE(registered.ok() && other.ok());
    GraphsimFixture f(2, 1, 2, 7, registered->cert_pem);
    HttpResult token = requestToken(f, assertionFor(f, *other, true));
    EXPECT_EQ(token.status, 401) << token.body;
    EXPECT_EQ(token.json()->getValue<std::string>("error"), "invalid_client");
}

}  // namespace
}  // namespace calconn::graphsim::testing
