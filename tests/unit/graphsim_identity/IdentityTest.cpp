#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>

#include <thread>

#include "Identity.h"
#include "Jwt.h"
#include "SimHttp.h"

namespace calconn::graphsim {
namespace {

using namespace std::chrono_literals;

constexpr const char* kTenant = "72f988bf-86f1-41af-91ab-2d7cd011db47";
constexpr const char* kClient = "0f2a3b4c-5d6e-4f70-8192-a3b4c5d6e7f8";
constexpr const char* kSecret = "s3cr3t~value";
constexpr const char* kBase = "https://127.0.0.1:8443";
constexpr const char* kRedirect = "http://127.0.0.1:9000/callback";
// Each test case runs in its own process under ctest; 2048-bit key generation would dominate.
constexpr int kTestKeyBits = 1024;

const SelfSignedCertificate& registeredCert() {
    static const SelfSignedCertificate cert =
        makeSelfSignedCertificate("calconn-app", 365, kTestKeyBits).value();
    return cert;
}
const SelfSignedCertificate& otherCert() {
    static const SelfSignedCertificate cert =
        makeSelfSignedCertificate("someone-else", 365, kTestKeyBits).value();
    return cert;
}

Poco::JSON::Object::Ptr json(const std::string& body) {
    Poco::JSON::Parser parser;
    return parser.parse(body).extract<Poco::JSON::Object::Ptr>();
}

// The query (or fragment) parameters of a redirect's Location.
std::map<std::string, std::string> locationParams(const SimResponse& response, char sep = '?') {
    auto it = response.headers.find("Location");
    if (it == response.headers.end()) return {};
    auto pos = it->second.find(sep);
    return pos == std::string::npos ? std::map<std::string, std::string>{}
                                    : parseQuery(it->second.substr(pos + 1));
}

std::string form(const std::vector<std::pair<std::string, std::string>>& fields) {
    std::string out;
    for (const auto& [k, v] : fields) {
        if (!out.empty()) out += '&';
        out += urlEncode(k) + "=" + urlEncode(v);
    }
    return out;
}

class IdentityTest : public ::testing::Test {
protected:
    IdentityTest() : clock_(common::TimePoint(std::chrono::seconds(1700000000))) {}

    IdentityConfig config() {
        IdentityConfig c;
        c.tenant_id = kTenant;
        c.client_id = kClient;
        c.client_secret = kSecret;
        c.client_cert_pem = registeredCert().cert_pem;
        c.issuer_base_url = kBase;
        c.clock = &clock_;
        c.users = {"adele@contoso.onmicrosoft.com", "megan@contoso.onmicrosoft.com"};
        c.signing_key_bits = kTestKeyBits;
        return c;
    }

    IdentityPlatform& platform() {
        if (!platform_) platform_ = std::make_unique<IdentityPlatform>(config());
        return *platform_;
    }

    SimResponse post(const std::string& body, const std::string& tenant = kTenant) {
        SimRequest request;
        request.method = "POST";
        request.path = "/" + tenant + "/oauth2/v2.0/token";
        request.headers["Content-Type"] = "application/x-www-form-urlencoded";
        request.body = body;
        EXPECT_TRUE(platform().handles(request.method, request.path));
        return platform().handle(request);
    }

    SimResponse get(const std::string& path, const std::string& query) {
        SimRequest request;
        request.method = "GET";
        request.path = path;
        request.query = query;
        EXPECT_TRUE(platform().handles(request.method, request.path));
        return platform().handle(request);
    }

    SimResponse secretGrant(const std::string& secret = kSecret) {
        return post(form({{"client_id", kClient},
                          {"scope", "https://graph.microsoft.com/.default"},
                          {"client_secret", secret},
                          {"grant_type", "client_credentials"}}));
    }

    std::string assertion(ClientAssertionOptions options, const SelfSignedCertificate& signer,
                          const SelfSignedCertificate& named) {
        return makeClientAssertion(signer.key_pem, named.cert_pem, options).value();
    }

    ClientAssertionOptions assertionOptions() {
        ClientAssertionOptions o;
        o.client_id = kClient;
        o.audience = std::string(kBase) + "/" + kTenant + "/oauth2/v2.0/token";
        o.now = clock_.now();
        return o;
    }

    SimResponse assertionGrant(const std::string& jwt) {
        return post(form(
            {{"client_id", kClient},
             {"scope", "https://graph.microsoft.com/.default"},
             {"client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
             {"client_assertion", jwt},
             {"grant_type", "client_credentials"}}));
    }

    // Plays the browser: authorize, returns the code (empty on an error redirect).
    std::string authorizeCode(
        const std::string& verifier, const std::string& upn = {},
        const std::string& scope =
            "offline_access https://graph.microsoft.com/Calendars.ReadWrite") {
        std::string query = form({{"client_id", kClient},
                                  {"response_type", "code"},
                                  {"redirect_uri", kRedirect},
                                  {"scope", scope},
                                  {"state", "st-1"},
                                  {"code_challenge", base64UrlEncode(sha256(verifier))},
                                  {"code_challenge_method", "S256"}});
        if (!upn.empty()) query += "&login_hint=" + urlEncode(upn);
        auto response = get(std::string("/") + kTenant + "/oauth2/v2.0/authorize", query);
        EXPECT_EQ(response.status, 302);
        auto params = locationParams(response);
        EXPECT_EQ(params["state"], "st-1");
        return params["code"];
    }

    SimResponse redeem(const std::string& code, const std::string& verifier) {
        return post(form({{"client_id", kClient},
                          {"grant_type", "authorization_code"},
                          {"code", code},
                          {"redirect_uri", kRedirect},
                          {"code_verifier", verifier},
                          {"scope", "offline_access Calendars.ReadWrite"}}));
    }

    SimResponse refresh(const std::string& token) {
        return post(form(
            {{"client_id", kClient}, {"grant_type", "refresh_token"}, {"refresh_token", token}}));
    }

    static void expectError(const SimResponse& r, int status, const std::string& error, int code) {
        EXPECT_EQ(r.status, status) << r.body;
        auto body = json(r.body);
        EXPECT_EQ(body->getValue<std::string>("error"), error);
        auto codes = body->getArray("error_codes");
        ASSERT_TRUE(codes);
        EXPECT_EQ(codes->getElement<int>(0), code);
        const auto description = body->getValue<std::string>("error_description");
        EXPECT_EQ(description.rfind("AADSTS" + std::to_string(code) + ": ", 0), 0u) << description;
        EXPECT_NE(description.find("\r\nTrace ID: "), std::string::npos);
        EXPECT_NE(description.find("\r\nCorrelation ID: "), std::string::npos);
        EXPECT_NE(description.find("\r\nTimestamp: "), std::string::npos);
        for (const char* field : {"timestamp", "trace_id", "correlation_id", "error_uri"}) {
            EXPECT_TRUE(body->has(field)) << field;
        }
        EXPECT_EQ(body->getValue<std::string>("error_uri"),
                  "https://login.microsoftonline.com/error?code=" + std::to_string(code));
    }

    common::FakeClock clock_;
    std::unique_ptr<IdentityPlatform> platform_;
};

TEST_F(IdentityTest, HandlesOnlyIdentityPaths) {
    EXPECT_TRUE(platform().handles("POST", std::string("/") + kTenant + "/oauth2/v2.0/token"));
    EXPECT_TRUE(platform().handles("GET", "/common/oauth2/v2.0/authorize"));
    EXPECT_TRUE(platform().handles("GET", "/common/adminconsent"));
    EXPECT_TRUE(platform().handles("GET", "/organizations/v2.0/adminconsent"));
    EXPECT_FALSE(platform().handles("GET", "/v1.0/users/x/events"));
    EXPECT_FALSE(platform().handles("GET", "/_sim/mailboxes"));
}

TEST_F(IdentityTest, ClientSecretGrantIssuesAnAppOnlyToken) {
    auto r = secretGrant();
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.headers["Content-Type"], "application/json; charset=utf-8");
    auto body = json(r.body);
    EXPECT_EQ(body->getValue<std::string>("token_type"), "Bearer");
    EXPECT_EQ(body->getValue<int>("expires_in"), 3599);
    EXPECT_EQ(body->getValue<int>("ext_expires_in"), 3599);
    EXPECT_FALSE(body->has("refresh_token"));  // never for client credentials
    auto claims =
        platform().validateAccessToken("Bearer " + body->getValue<std::string>("access_token"));
    ASSERT_TRUE(claims.ok()) << claims.error().toString();
    EXPECT_EQ(claims->app_id, kClient);
    EXPECT_EQ(claims->tenant_id, kTenant);
    EXPECT_TRUE(claims->subject_upn.empty());
    EXPECT_EQ(claims->roles,
              (std::vector<std::string>{"Calendars.ReadWrite", "MailboxSettings.Read"}));
    EXPECT_TRUE(claims->scopes.empty());
    EXPECT_EQ(claims->expires_at, 1700000000 + 3600);

    auto token = decodeJwt(body->getValue<std::string>("access_token"));
    ASSERT_TRUE(token.ok());
    EXPECT_EQ(token->header->getValue<std::string>("kid"), platform().signingKeyId());
    EXPECT_EQ(token->payload->getValue<std::string>("iss"),
              std::string("https://sts.windows.net/") + kTenant + "/");
    EXPECT_EQ(token->payload->getValue<std::string>("aud"), "https://graph.microsoft.com");
    EXPECT_EQ(token->payload->getValue<std::string>("idtyp"), "app");
}

TEST_F(IdentityTest, BadSecretIsInvalidClient7000215) {
    expectError(secretGrant("the-secret-id"), 401, "invalid_client", 7000215);
}

TEST_F(IdentityTest, SecretInHttpBasicIsAccepted) {
    SimRequest request;
    request.method = "POST";
    request.path = std::string("/") + kTenant + "/oauth2/v2.0/token";
    request.headers["Authorization"] =
        "Basic " + base64StdEncode(urlEncode(kClient) + ":" + urlEncode(kSecret));
    request.body = form(
        {{"scope", "https://graph.microsoft.com/.default"}, {"grant_type", "client_credentials"}});
    EXPECT_EQ(platform().handle(request).status, 200);
}

TEST_F(IdentityTest, RequestErrorsUseTheDocumentedCodes) {
    auto missing = post(form({{"client_id", kClient}, {"client_secret", kSecret}}));
    expectError(missing, 400, "invalid_request", 900144);
    EXPECT_EQ(json(missing.body)
                  ->getValue<std::string>("error_description")
                  .rfind("AADSTS900144: The request body must contain the following parameter: "
                         "'grant_type'.\r\n",
                         0),
              0u);
    expectError(post(form({{"client_id", kClient}, {"grant_type", "password"}})), 400,
                "unsupported_grant_type", 70003);
    expectError(post(form({{"client_id", "unknown-app"},
                           {"scope", "https://graph.microsoft.com/.default"},
                           {"client_secret", kSecret},
                           {"grant_type", "client_credentials"}})),
                400, "unauthorized_client", 700016);
    expectError(post(form({{"client_id", kClient},
                           {"scope", "https://graph.microsoft.com/.default"},
                           {"grant_type", "client_credentials"}})),
                400, "invalid_request", 7000216);
    expectError(post(form({{"client_id", kClient},
                           {"scope", "https://graph.microsoft.com/Calendars.Read"},
                           {"client_secret", kSecret},
                           {"grant_type", "client_credentials"}})),
                400, "invalid_scope", 1002012);
    expectError(post(form({{"client_id", kClient},
                           {"scope", "https://graph.microsoft.com/.default https://x/.default"},
                           {"client_secret", kSecret},
                           {"grant_type", "client_credentials"}})),
                400, "invalid_scope", 70011);
    expectError(post(form({{"client_id", kClient},
                           {"scope", "https://graph.microsoft.com/.default"},
                           {"client_secret", kSecret},
                           {"grant_type", "client_credentials"}}),
                     "00000000-0000-0000-0000-000000000000"),
                400, "invalid_request", 90002);
    expectError(post(form({{"client_id", kClient},
                           {"scope", "https://graph.microsoft.com/.default"},
                           {"client_secret", kSecret},
                           {"grant_type", "client_credentials"}}),
                     "common"),
                400, "invalid_request", 50059);
}

TEST_F(IdentityTest, TenantDomainIsAnAliasOfTheTenantId) {
    auto r = post(form({{"client_id", kClient},
                        {"scope", "https://graph.microsoft.com/.default"},
                        {"client_secret", kSecret},
                        {"grant_type", "client_credentials"}}),
                  "contoso.onmicrosoft.com");
    EXPECT_EQ(r.status, 200) << r.body;
}

TEST_F(IdentityTest, CertificateAssertionWithX5tIsAccepted) {
    auto r = assertionGrant(assertion(assertionOptions(), registeredCert(), registeredCert()));
    ASSERT_EQ(r.status, 200) << r.body;
    auto token = decodeJwt(json(r.body)->getValue<std::string>("access_token"));
    EXPECT_EQ(token->payload->getValue<std::string>("appidacr"), "2");
}

TEST_F(IdentityTest, CertificateAssertionWithPs256AndX5tS256IsAccepted) {
    auto options = assertionOptions();
    options.alg = JwtAlg::PS256;
    options.use_x5t_s256 = true;
    auto r = assertionGrant(assertion(options, registeredCert(), registeredCert()));
    EXPECT_EQ(r.status, 200) << r.body;
}

TEST_F(IdentityTest, AssertionWithAnUnregisteredThumbprintIs700027) {
    auto r = assertionGrant(assertion(assertionOptions(), otherCert(), otherCert()));
    expectError(r, 401, "invalid_client", 700027);
    EXPECT_NE(r.body.find("The key was not found"), std::string::npos);
}

TEST_F(IdentityTest, AssertionWithABadSignatureIs700027) {
    // Names the registered certificate but is signed with another key.
    auto r = assertionGrant(assertion(assertionOptions(), otherCert(), registeredCert()));
    expectError(r, 401, "invalid_client", 700027);
    EXPECT_NE(r.body.find("invalid signature"), std::string::npos);
}

TEST_F(IdentityTest, ExpiredAssertionIs700024) {
    auto options = assertionOptions();
    options.now = clock_.now() - 30min;
    expectError(assertionGrant(assertion(options, registeredCert(), registeredCert())), 401,
                "invalid_client", 700024);
}

TEST_F(IdentityTest, AssertionForAnotherAudienceIsRejected) {
    auto options = assertionOptions();
    options.audience =
        std::string("https://login.microsoftonline.com/") + kTenant + "/oauth2/v2.0/token";
    auto r = assertionGrant(assertion(options, registeredCert(), registeredCert()));
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(json(r.body)->getValue<std::string>("error"), "invalid_client");
}

TEST_F(IdentityTest, AssertionAudienceFollowsTheIssuerBaseUrlSetAfterBind) {
    platform().setIssuerBaseUrl("https://127.0.0.1:50123/");
    auto options = assertionOptions();
    options.audience = platform().tokenEndpoint();
    EXPECT_EQ(options.audience,
              std::string("https://127.0.0.1:50123/") + kTenant + "/oauth2/v2.0/token");
    EXPECT_EQ(assertionGrant(assertion(options, registeredCert(), registeredCert())).status, 200);
}

TEST_F(IdentityTest, AssertionWithoutJtiOrWithAnotherIssuerIsRejected) {
    auto options = assertionOptions();
    options.jti = "";
    EXPECT_EQ(assertionGrant(assertion(options, registeredCert(), registeredCert())).status, 401);
    options = assertionOptions();
    options.client_id = "another-app";
    expectError(assertionGrant(assertion(options, registeredCert(), registeredCert())), 401,
                "invalid_client", 700021);
}

TEST_F(IdentityTest, AuthorizationCodeWithPkceIssuesDelegatedTokens) {
    const std::string verifier = "verifier-0123456789-0123456789-0123456789-abcdef";
    auto code = authorizeCode(verifier, "megan@contoso.onmicrosoft.com");
    ASSERT_FALSE(code.empty());
    auto r = redeem(code, verifier);
    ASSERT_EQ(r.status, 200) << r.body;
    auto body = json(r.body);
    EXPECT_EQ(body->getValue<std::string>("scope"),
              "https://graph.microsoft.com/Calendars.ReadWrite");
    EXPECT_FALSE(body->getValue<std::string>("refresh_token").empty());
    EXPECT_FALSE(body->has("id_token"));  // no openid scope asked for
    auto claims =
        platform().validateAccessToken("Bearer " + body->getValue<std::string>("access_token"));
    ASSERT_TRUE(claims.ok());
    EXPECT_EQ(claims->subject_upn, "megan@contoso.onmicrosoft.com");
    EXPECT_EQ(claims->scopes, std::vector<std::string>{"Calendars.ReadWrite"});
    EXPECT_TRUE(claims->roles.empty());

    // Codes are single use.
    expectError(redeem(code, verifier), 400, "invalid_grant", 54005);
}

TEST_F(IdentityTest, WrongPkceVerifierIsRejected) {
    auto code = authorizeCode("the-right-verifier-0123456789-0123456789-abc");
    expectError(redeem(code, "a-wrong-verifier-0123456789-0123456789-abcde"), 400, "invalid_grant",
                50148);
}

TEST_F(IdentityTest, ExpiredOrUnknownCodeIsRejected) {
    auto code = authorizeCode("v-0123456789-0123456789-0123456789-0123456789");
    clock_.advance(11min);
    expectError(redeem(code, "v-0123456789-0123456789-0123456789-0123456789"), 400, "invalid_grant",
                70008);
    expectError(redeem("0.Anonsense", "x"), 400, "invalid_grant", 9002313);
}

TEST_F(IdentityTest, OpenIdScopeAddsAnIdTokenWithTheNonce) {
    std::string query = form({{"client_id", kClient},
                              {"response_type", "code"},
                              {"redirect_uri", kRedirect},
                              {"scope", "openid profile User.Read"},
                              {"nonce", "n-42"}});
    auto params = locationParams(get(std::string("/") + kTenant + "/oauth2/v2.0/authorize", query));
    ASSERT_FALSE(params["code"].empty());
    auto r = post(form({{"client_id", kClient},
                        {"grant_type", "authorization_code"},
                        {"code", params["code"]},
                        {"redirect_uri", kRedirect}}));
    ASSERT_EQ(r.status, 200) << r.body;
    auto body = json(r.body);
    EXPECT_FALSE(body->has("refresh_token"));  // no offline_access
    auto id = decodeJwt(body->getValue<std::string>("id_token"));
    ASSERT_TRUE(id.ok());
    EXPECT_EQ(id->payload->getValue<std::string>("nonce"), "n-42");
    EXPECT_EQ(id->payload->getValue<std::string>("aud"), kClient);
    EXPECT_EQ(id->payload->getValue<std::string>("preferred_username"),
              "adele@contoso.onmicrosoft.com");  // the default user
}

TEST_F(IdentityTest, RefreshRotatesAndTheOldTokenIsThenRejected) {
    const std::string verifier = "rotation-verifier-0123456789-0123456789-0123";
    auto first = json(redeem(authorizeCode(verifier), verifier).body);
    const auto old_refresh = first->getValue<std::string>("refresh_token");
    clock_.advance(1h);
    auto r = refresh(old_refresh);
    ASSERT_EQ(r.status, 200) << r.body;
    auto body = json(r.body);
    const auto new_refresh = body->getValue<std::string>("refresh_token");
    EXPECT_NE(new_refresh, old_refresh);
    EXPECT_TRUE(platform()
                    .validateAccessToken("Bearer " + body->getValue<std::string>("access_token"))
                    .ok());
    expectError(refresh(old_refresh), 400, "invalid_grant", 70000);
    EXPECT_EQ(refresh(new_refresh).status, 200);
    expectError(refresh("0.Aunknown"), 400, "invalid_grant", 9002313);
}

TEST_F(IdentityTest, RefreshForAnUnconsentedScopeIs65001AndDoesNotSpendTheToken) {
    const std::string verifier = "scope-verifier-0123456789-0123456789-0123456";
    auto rt = json(redeem(authorizeCode(verifier), verifier).body)
                  ->getValue<std::string>("refresh_token");
    expectError(post(form({{"client_id", kClient},
                           {"grant_type", "refresh_token"},
                           {"scope", "https://graph.microsoft.com/Mail.ReadWrite offline_access"},
                           {"refresh_token", rt}})),
                400, "invalid_grant", 65001);
    auto r = post(form({{"client_id", kClient},
                        {"grant_type", "refresh_token"},
                        {"scope", "https://graph.microsoft.com/Calendars.ReadWrite offline_access"},
                        {"refresh_token", rt}}));
    EXPECT_EQ(r.status, 200) << r.body;
}

TEST_F(IdentityTest, InactiveRefreshTokenExpiresWith700082) {
    const std::string verifier = "expiry-verifier-0123456789-0123456789-012345";
    auto rt = json(redeem(authorizeCode(verifier), verifier).body)
                  ->getValue<std::string>("refresh_token");
    // Use within the lifetime extends it (the rotated token starts a new 90 days).
    clock_.advance(std::chrono::hours(24 * 80));
    auto r = refresh(rt);
    ASSERT_EQ(r.status, 200);
    rt = json(r.body)->getValue<std::string>("refresh_token");
    clock_.advance(std::chrono::hours(24 * 90) + 1s);
    auto expired = refresh(rt);
    expectError(expired, 400, "invalid_grant", 700082);
    EXPECT_NE(expired.body.find("inactive for 90.00:00:00"), std::string::npos) << expired.body;
}

TEST_F(IdentityTest, RevokedRefreshTokensFailWith50173) {
    const std::string verifier = "revoke-verifier-0123456789-0123456789-012345";
    auto rt = json(redeem(authorizeCode(verifier, "adele@contoso.onmicrosoft.com"), verifier).body)
                  ->getValue<std::string>("refresh_token");
    platform().revokeRefreshTokens("Adele@contoso.onmicrosoft.com");
    expectError(refresh(rt), 400, "invalid_grant", 50173);
    // Signing in again after the revocation works.
    auto fresh =
        json(redeem(authorizeCode(verifier, "adele@contoso.onmicrosoft.com"), verifier).body)
            ->getValue<std::string>("refresh_token");
    EXPECT_EQ(refresh(fresh).status, 200);
}

TEST_F(IdentityTest, RefusedConsentRedirectsWithAccessDenied) {
    platform().scriptConsent("megan@contoso.onmicrosoft.com", false);
    std::string query = form({{"client_id", kClient},
                              {"response_type", "code"},
                              {"redirect_uri", kRedirect},
                              {"scope", "Calendars.ReadWrite"},
                              {"state", "s"},
                              {"login_hint", "megan@contoso.onmicrosoft.com"}});
    auto r = get(std::string("/") + kTenant + "/oauth2/v2.0/authorize", query);
    ASSERT_EQ(r.status, 302);
    auto params = locationParams(r);
    EXPECT_EQ(params["error"], "access_denied");
    EXPECT_EQ(params["error_description"].rfind("AADSTS65004: ", 0), 0u);
    EXPECT_EQ(params["state"], "s");
    EXPECT_EQ(params.count("code"), 0u);
    EXPECT_EQ(r.headers["Location"].rfind(std::string(kRedirect) + "?", 0), 0u);
    // Another user still consents.
    EXPECT_FALSE(authorizeCode("v-0123456789-0123456789-0123456789-0123456789").empty());
}

TEST_F(IdentityTest, AuthorizeValidatesItsParameters) {
    const std::string path = std::string("/") + kTenant + "/oauth2/v2.0/authorize";
    // No client or redirect: an error page, never a redirect.
    EXPECT_EQ(get(path, "response_type=code").status, 400);
    EXPECT_EQ(get(path, form({{"client_id", kClient}, {"response_type", "code"}})).status, 400);
    // Known redirect: errors go back to it.
    auto r = get(path, form({{"client_id", kClient},
                             {"response_type", "token"},
                             {"redirect_uri", kRedirect},
                             {"scope", "User.Read"}}));
    EXPECT_EQ(locationParams(r)["error"], "unsupported_response_type");
    r = get(path,
            form({{"client_id", kClient}, {"response_type", "code"}, {"redirect_uri", kRedirect}}));
    EXPECT_EQ(locationParams(r)["error"], "invalid_request");
    r = get(path, form({{"client_id", kClient},
                        {"response_type", "code"},
                        {"redirect_uri", kRedirect},
                        {"scope", "User.Read"},
                        {"login_hint", "nobody@contoso.onmicrosoft.com"}}));
    EXPECT_EQ(locationParams(r)["error"], "access_denied");
    r = get(path, form({{"client_id", kClient},
                        {"response_type", "code"},
                        {"response_mode", "fragment"},
                        {"redirect_uri", kRedirect},
                        {"scope", "User.Read"}}));
    EXPECT_FALSE(locationParams(r, '#')["code"].empty());
}

TEST_F(IdentityTest, AuthorizeAcceptsAFormPost) {
    SimRequest request;
    request.method = "POST";
    request.path = std::string("/") + kTenant + "/oauth2/v2.0/authorize";
    request.body = form({{"client_id", kClient},
                         {"response_type", "code"},
                         {"redirect_uri", kRedirect},
                         {"scope", "User.Read"},
                         {"response_mode", "form_post"},
                         {"state", "p"}});
    auto r = platform().handle(request);
    ASSERT_EQ(r.status, 200);
    EXPECT_NE(r.body.find("name=\"code\""), std::string::npos);
    EXPECT_NE(r.body.find("name=\"state\" value=\"p\""), std::string::npos);
}

TEST_F(IdentityTest, AdminConsentRedirectsBothWays) {
    const std::string query =
        form({{"client_id", kClient}, {"redirect_uri", kRedirect}, {"state", "abc"}});
    auto granted = get("/common/adminconsent", query);
    ASSERT_EQ(granted.status, 302);
    auto params = locationParams(granted);
    EXPECT_EQ(params["admin_consent"], "True");
    EXPECT_EQ(params["tenant"], kTenant);
    EXPECT_EQ(params["state"], "abc");

    platform().setAdminConsent(false);
    auto refused = locationParams(get(std::string("/") + kTenant + "/adminconsent", query));
    EXPECT_EQ(refused["error"], "permission_denied");
    EXPECT_EQ(refused["error_description"], "The admin canceled the request");
    EXPECT_EQ(refused.count("admin_consent"), 0u);

    auto v2 =
        locationParams(get("/organizations/v2.0/adminconsent",
                           query + "&scope=" + urlEncode("https://graph.microsoft.com/.default")));
    EXPECT_EQ(v2["admin_consent"], "True");
    EXPECT_EQ(v2["error"], "consent_required");
    EXPECT_EQ(v2["error_description"].rfind("AADSTS65004", 0), 0u);

    platform().setAdminConsent(true);
    v2 = locationParams(get("/organizations/v2.0/adminconsent",
                            query + "&scope=" + urlEncode("https://graph.microsoft.com/.default")));
    EXPECT_EQ(v2["admin_consent"], "True");
    EXPECT_EQ(v2["tenant"], kTenant);
    EXPECT_EQ(v2["scope"], "https://graph.microsoft.com/.default");
    // v2 admin consent is not offered on /common.
    EXPECT_EQ(get("/common/v2.0/adminconsent", query).status, 400);
    EXPECT_NE(platform().controlJson().find("\"admin_consent_granted\":2"), std::string::npos);
}

TEST_F(IdentityTest, ValidateRejectsExpiredTokens) {
    auto token = json(secretGrant().body)->getValue<std::string>("access_token");
    ASSERT_TRUE(platform().validateAccessToken("Bearer " + token).ok());  // now cached
    clock_.advance(1h + 5min);  // inside Graph's 5-minute skew
    EXPECT_TRUE(platform().validateAccessToken("Bearer " + token).ok());
    clock_.advance(1s);
    auto expired = platform().validateAccessToken("Bearer " + token);
    ASSERT_FALSE(expired.ok());
    EXPECT_EQ(expired.error().code, common::ErrorCode::Unauthenticated);
    EXPECT_EQ(expired.error().context, "InvalidAuthenticationToken");
    EXPECT_EQ(expired.error().message, "Lifetime validation failed, the token is expired.");
    // Also when the token was never seen before (no cache entry).
    IdentityPlatform other(config());
    EXPECT_EQ(other.validateAccessToken("Bearer " + token).error().message,
              "Lifetime validation failed, the token is expired.");
}

TEST_F(IdentityTest, ValidateRejectsAnotherAudience) {
    auto c = config();
    c.graph_resource = "https://graph.microsoft.us";  // a GCC High token
    IdentityPlatform gcc(c);
    SimRequest request;
    request.method = "POST";
    request.path = std::string("/") + kTenant + "/oauth2/v2.0/token";
    request.body = form({{"client_id", kClient},
                         {"scope", "https://graph.microsoft.us/.default"},
                         {"client_secret", kSecret},
                         {"grant_type", "client_credentials"}});
    auto r = gcc.handle(request);
    ASSERT_EQ(r.status, 200) << r.body;
    auto token = json(r.body)->getValue<std::string>("access_token");
    auto result = platform().validateAccessToken("Bearer " + token);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().message, "Access token validation failure. Invalid audience.");
}

TEST_F(IdentityTest, ValidateRejectsTamperedAndMalformedTokens) {
    auto token = json(secretGrant().body)->getValue<std::string>("access_token");
    // Swap the payload for one with more roles, keep the signature.
    auto first = token.find('.');
    auto second = token.find('.', first + 1);
    auto payload = *base64Decode(token.substr(first + 1, second - first - 1));
    auto pos = payload.find("Calendars.ReadWrite");
    ASSERT_NE(pos, std::string::npos);
    payload.replace(pos, 19, "Calendars.ReadWrite\",\"Mail.ReadWrite");
    auto tampered = token.substr(0, first + 1) + base64UrlEncode(payload) + token.substr(second);
    auto result = platform().validateAccessToken("Bearer " + tampered);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().message, "Access token validation failure.");

    EXPECT_EQ(platform().validateAccessToken("").error().message, "Access token is empty.");
    EXPECT_EQ(platform().validateAccessToken("Bearer ").error().message, "Access token is empty.");
    EXPECT_EQ(platform().validateAccessToken("Bearer abc").error().message.rfind("IDX14100", 0),
              0u);
    EXPECT_TRUE(platform().validateAccessToken("bearer " + token).ok());
}

TEST_F(IdentityTest, InjectedFaultsFailTheNextRequests) {
    platform().injectTokenError(7000222, 2);
    expectError(secretGrant(), 401, "invalid_client", 7000222);
    expectError(secretGrant(), 401, "invalid_client", 7000222);
    EXPECT_EQ(secretGrant().status, 200);
    platform().injectTokenError(50076);
    expectError(secretGrant(), 400, "interaction_required", 50076);
}

TEST_F(IdentityTest, ControlJsonCountsGrantsAndFailures) {
    ASSERT_EQ(secretGrant().status, 200);
    (void)secretGrant("bad");
    const auto control = json(platform().controlJson());
    EXPECT_EQ(control->getObject("tokens_issued")->getValue<int>("client_credentials"), 1);
    EXPECT_EQ(control->getObject("failures_by_error")->getValue<int>("invalid_client"), 1);
    EXPECT_EQ(control->getObject("failures_by_aadsts")->getValue<int>("7000215"), 1);
}

TEST_F(IdentityTest, DiscoveryPointsAtTheSimulatorAndPublishesTheKey) {
    auto r = get(std::string("/") + kTenant + "/v2.0/.well-known/openid-configuration", "");
    ASSERT_EQ(r.status, 200);
    auto meta = json(r.body);
    EXPECT_EQ(meta->getValue<std::string>("token_endpoint"),
              std::string(kBase) + "/" + kTenant + "/oauth2/v2.0/token");
    EXPECT_EQ(meta->getValue<std::string>("jwks_uri"),
              std::string(kBase) + "/" + kTenant + "/discovery/v2.0/keys");
    auto keys = json(get(std::string("/") + kTenant + "/discovery/v2.0/keys", "").body);
    auto key = keys->getArray("keys")->getObject(0);
    EXPECT_EQ(key->getValue<std::string>("kid"), platform().signingKeyId());
    EXPECT_EQ(key->getValue<std::string>("e"), "AQAB");
    EXPECT_EQ(base64Decode(key->getValue<std::string>("n"))->size(), kTestKeyBits / 8u);
}

TEST_F(IdentityTest, ClientRequestIdIsEchoedAsTheCorrelationId) {
    SimRequest request;
    request.method = "POST";
    request.path = std::string("/") + kTenant + "/oauth2/v2.0/token";
    request.headers["client-request-id"] = "6b3c1a5e-0000-4000-8000-000000000001";
    request.body = form({{"client_id", kClient},
                         {"grant_type", "client_credentials"},
                         {"scope", "https://graph.microsoft.com/.default"},
                         {"client_secret", "wrong"}});
    auto r = platform().handle(request);
    EXPECT_EQ(r.headers["client-request-id"], "6b3c1a5e-0000-4000-8000-000000000001");
    EXPECT_EQ(json(r.body)->getValue<std::string>("correlation_id"),
              "6b3c1a5e-0000-4000-8000-000000000001");
}

TEST_F(IdentityTest, ConcurrentIssueAndValidateAreSafe) {
    platform();
    std::vector<std::thread> threads;
    std::atomic<int> failures{0};
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 10; ++i) {
                auto r = secretGrant();
                if (r.status != 200) {
                    ++failures;
                    continue;
                }
                auto header = "Bearer " + json(r.body)->getValue<std::string>("access_token");
                for (int k = 0; k < 5; ++k) {
                    if (!platform().validateAccessToken(header).ok()) ++failures;
                }
            }
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(failures.load(), 0);
    auto control = json(platform().controlJson());
    EXPECT_EQ(control->getObject("tokens_issued")->getValue<int>("client_credentials"), 40);
    EXPECT_EQ(control->getValue<int>("access_tokens_validated"), 200);
}

TEST_F(IdentityTest, TokenEndpointRejectsGet) {
    auto r = get(std::string("/") + kTenant + "/oauth2/v2.0/token", "");
    expectError(r, 400, "invalid_request", 900561);
}

}  // namespace
}  // namespace calconn::graphsim
