#include "Identity.h"

#include <Poco/JSON/Array.h>
#include <openssl/crypto.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <functional>
#include <tuple>

#include "Json.h"

namespace calconn::graphsim {

namespace {

using common::ErrorCode;
using common::makeError;

constexpr const char* kGraphAppId = "00000003-0000-0000-c000-000000000000";
constexpr const char* kJwtBearer = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
constexpr long long kCodeLifetime = 600;  // authorization codes live about 10 minutes
constexpr std::size_t kCodeTableLimit = 10000;
constexpr long long kAssertionSkew = 300;     // tolerated clock skew on client assertions
constexpr long long kValidationSkew = 300;    // Graph's bearer check tolerates 5 minutes
constexpr long long kIssuedAtBackdate = 300;  // Entra back-dates iat/nbf by 5 minutes

std::string lower(std::string_view text) {
    std::string out(text);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && lower(a) == lower(b);
}

bool istartsWith(std::string_view text, std::string_view prefix) {
    return text.size() >= prefix.size() && iequals(text.substr(0, prefix.size()), prefix);
}

std::vector<std::string> splitPath(const std::string& path) {
    std::vector<std::string> out;
    std::size_t pos = 0;
    while (pos < path.size()) {
        if (path[pos] == '/') {
            ++pos;
            continue;
        }
        std::size_t end = path.find('/', pos);
        if (end == std::string::npos) end = path.size();
        out.push_back(path.substr(pos, end - pos));
        pos = end;
    }
    return out;
}

std::vector<std::string> splitSpaces(const std::string& text) {
    std::vector<std::string> out;
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t end = text.find(' ', pos);
        if (end == std::string::npos) end = text.size();
        if (end > pos) out.push_back(text.substr(pos, end - pos));
        pos = end + 1;
    }
    return out;
}

std::string join(const std::vector<std::string>& parts, const std::string& prefix = {}) {
    std::string out;
    for (const auto& p : parts) {
        if (!out.empty()) out += ' ';
        out += prefix;
        out += p;
    }
    return out;
}

bool contains(const std::vector<std::string>& list, const std::string& item) {
    return std::find(list.begin(), list.end(), item) != list.end();
}

bool isOidcScope(const std::string& scope) {
    return scope == "openid" || scope == "profile" || scope == "email" || scope == "offline_access";
}

std::string get(const std::map<std::string, std::string>& form, const std::string& key) {
    auto it = form.find(key);
    return it == form.end() ? std::string() : it->second;
}

bool has(const std::map<std::string, std::string>& form, const std::string& key) {
    auto it = form.find(key);
    return it != form.end() && !it->second.empty();
}

bool constantTimeEquals(const std::string& a, const std::string& b) {
    if (a.size() != b.size()) return false;
    return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string hexOf(std::string_view bytes) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : bytes) {
        out += kHex[c >> 4];
        out += kHex[c & 15];
    }
    return out;
}

// Reads a string claim; numbers and other types read as empty.
std::string claimString(const Poco::JSON::Object::Ptr& obj, const std::string& name) {
    if (!obj || !obj->has(name)) return {};
    const auto& v = obj->get(name);
    if (!v.isString()) return {};
    return v.extract<std::string>();
}

std::optional<long long> claimNumber(const Poco::JSON::Object::Ptr& obj, const std::string& name) {
    if (!obj || !obj->has(name)) return std::nullopt;
    const auto& v = obj->get(name);
    if (!v.isNumeric()) return std::nullopt;
    try {
        return v.convert<Poco::Int64>();
    } catch (const Poco::Exception&) {
        return std::nullopt;
    }
}

std::vector<std::string> claimStrings(const Poco::JSON::Object::Ptr& obj, const std::string& name) {
    std::vector<std::string> out;
    if (!obj || !obj->has(name)) return out;
    if (auto arr = obj->getArray(name)) {
        for (std::size_t i = 0; i < arr->size(); ++i) {
            const auto& v = arr->get(static_cast<unsigned>(i));
            if (v.isString()) out.push_back(v.extract<std::string>());
        }
    } else {
        out.push_back(claimString(obj, name));
    }
    return out;
}

// One signing key per process: RSA generation is slow, and every IdentityPlatform in a test run
// would otherwise pay for it.
// One signing key per process and size: RSA generation is slow, and every IdentityPlatform in a
// test run would otherwise pay for it.
RsaKey processSigningKey(int bits) {
    static std::mutex mutex;
    static std::map<int, RsaKey> keys;
    std::lock_guard lock(mutex);
    auto it = keys.find(bits);
    if (it == keys.end()) {
        auto generated = RsaKey::generate(bits);
        if (!generated.ok()) std::abort();  // no usable OpenSSL: nothing can work
        it = keys.emplace(bits, std::move(generated).value()).first;
    }
    return it->second;
}

// The documented message of each AADSTS code graphsim emits (graph.md §10 table; codes marked
// "general knowledge" there are worded the way Entra words them).
struct KnownError {
    int code;
    int status;
    const char* error;
    const char* text;
};
constexpr KnownError kKnownErrors[] = {
    {7000215, 401, "invalid_client",
     "Invalid client secret provided. Ensure the secret being sent in the request is the client "
     "secret value, not the client secret ID, for a secret added to app '{app}'."},
    {7000222, 401, "invalid_client",
     "The provided client secret keys for app '{app}' are expired. Visit the Azure portal to "
     "create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate "
     "credentials for added security: https://aka.ms/certCreds."},
    {7000216, 400, "invalid_request",
     "'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' "
     "grant type."},
    {700016, 400, "unauthorized_client",
     "Application with identifier '{app}' was not found in the directory '{tenant}'. This can "
     "happen if the application has not been installed by the administrator of the tenant or "
     "consented to by any user in the tenant. You may have sent your authentication request to "
     "the wrong tenant."},
    {700027, 401, "invalid_client", "Client assertion failed signature validation."},
    {700024, 401, "invalid_client", "Client assertion is not within its valid time range."},
    {700021, 401, "invalid_client",
     "Client assertion application identifier doesn't match 'client_id' parameter."},
    {50027, 401, "invalid_client", "JWT token is invalid or malformed."},
    {700082, 400, "invalid_grant", "The refresh token has expired due to inactivity."},
    {50173, 400, "invalid_grant",
     "The provided grant has expired due to it being revoked, a fresh auth token is needed. The "
     "user might have changed or reset their password."},
    {70008, 400, "invalid_grant",
     "The provided authorization code or refresh token has expired due to inactivity. Send a new "
     "interactive authorization request for this user and resource."},
    {54005, 400, "invalid_grant",
     "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use "
     "an existing refresh token."},
    {50148, 400, "invalid_grant",
     "The code_verifier does not match the code_challenge supplied in the authorization request "
     "for PKCE."},
    {70000, 400, "invalid_grant", "Provided grant is invalid or malformed."},
    {9002313, 400, "invalid_grant", "Invalid request. Request is malformed or invalid."},
    {65001, 400, "invalid_grant",
     "The user or administrator has not consented to use the application with ID '{app}' named "
     "'{name}'. Send an interactive authorization request for this user and resource."},
    {65004, 400, "consent_required", "User declined to consent to access the app."},
    {50076, 400, "interaction_required",
     "Due to a configuration change made by your administrator, or because you moved to a new "
     "location, you must use multi-factor authentication to access '{resource}'."},
    {70011, 400, "invalid_scope",
     "The provided request must include a 'scope' input parameter. The provided value for the "
     "input parameter 'scope' is not valid."},
    {1002012, 400, "invalid_scope",
     "The provided value for scope is not valid. Client credential flows must have a scope value "
     "with /.default suffixed to the resource identifier (application ID URI)."},
    {500011, 400, "invalid_resource",
     "The resource principal was not found in the tenant named {tenant}. This can happen if the "
     "application has not been installed by the administrator of the tenant or consented to by "
     "any user in the tenant. You might have sent your authentication request to the wrong "
     "tenant."},
    {70003, 400, "unsupported_grant_type", "The app requested an unsupported grant type"},
    {900144, 400, "invalid_request", "The request body must contain the following parameter:"},
    {900561, 400, "invalid_request", "The endpoint only accepts POST, OPTIONS requests."},
    {90002, 400, "invalid_request",
     "Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are "
     "signing into the correct cloud. Check with your subscription administrator, this may happen "
     "if there are no active subscriptions for the tenant."},
    {50059, 400, "invalid_request",
     "No tenant-identifying information found in either the request or implied by any provided "
     "credentials."},
};

const KnownError* findKnown(int code) {
    for (const auto& e : kKnownErrors) {
        if (e.code == code) return &e;
    }
    return nullptr;
}

void replaceAll(std::string& text, const std::string& from, const std::string& to) {
    for (std::size_t pos = text.find(from); pos != std::string::npos;
         pos = text.find(from, pos + to.size())) {
        text.replace(pos, from.size(), to);
    }
}

std::string appendQuery(const std::string& url, char separator_kind,
                        const std::vector<std::pair<std::string, std::string>>& params) {
    std::string out = url;
    char sep = separator_kind;
    if (separator_kind == '?') sep = url.find('?') == std::string::npos ? '?' : '&';
    for (const auto& [k, v] : params) {
        out += sep;
        out += urlEncode(k);
        out += '=';
        out += urlEncode(v);
        sep = '&';
    }
    return out;
}

std::string htmlEscape(const std::string& text) {
    std::string out;
    for (char c : text) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            default:
                out += c;
        }
    }
    return out;
}

// The documented error for a code, with {app}/{tenant}/... filled in: (status, error, text).
std::optional<std::tuple<int, std::string, std::string>> describe(int code, const std::string& app,
                                                                  const std::string& tenant,
                                                                  const std::string& name,
                                                                  const std::string& resource) {
    const KnownError* known = findKnown(code);
    if (!known) return std::nullopt;
    std::string text = known->text;
    replaceAll(text, "{app}", app);
    replaceAll(text, "{tenant}", tenant);
    replaceAll(text, "{name}", name);
    replaceAll(text, "{resource}", resource);
    return std::make_tuple(known->status, std::string(known->error), text);
}

}  // namespace

std::string objectIdForUpn(const std::string& upn) {
    std::string digest = sha256(lower(upn));
    std::string hex = lower(hexOf(std::string_view(digest).substr(0, 16)));
    hex[12] = '4';
    return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
           hex.substr(16, 4) + "-" + hex.substr(20, 12);
}

IdentityPlatform::IdentityPlatform(IdentityConfig config)
    : config_(std::move(config)), signing_key_(processSigningKey(config_.signing_key_bits)) {
    if (!config_.clock) {
        static const common::SystemClock system_clock;
        config_.clock = &system_clock;
    }
    key_id_ = signing_key_.keyId();
    if (!config_.users.empty()) {
        const std::string& first = config_.users.front();
        auto at = first.find('@');
        if (at != std::string::npos) domain_ = lower(first.substr(at + 1));
    }
    if (!config_.client_cert_pem.empty()) {
        auto key = RsaKey::fromCertificatePem(config_.client_cert_pem);
        auto thumbs = certificateThumbprints(config_.client_cert_pem);
        if (key.ok() && thumbs.ok()) {
            client_cert_key_ = std::move(key).value();
            client_cert_thumbprints_ = std::move(thumbs).value();
        }
    }
    while (!config_.issuer_base_url.empty() && config_.issuer_base_url.back() == '/') {
        config_.issuer_base_url.pop_back();
    }
}

void IdentityPlatform::setIssuerBaseUrl(std::string url) {
    while (!url.empty() && url.back() == '/') url.pop_back();
    std::lock_guard lock(mutex_);
    config_.issuer_base_url = std::move(url);
}

std::string IdentityPlatform::tokenEndpoint(const std::string& tenant_segment) const {
    std::lock_guard lock(mutex_);
    return config_.issuer_base_url + "/" +
           (tenant_segment.empty() ? config_.tenant_id : tenant_segment) + "/oauth2/v2.0/token";
}

long long IdentityPlatform::nowSeconds() const {
    return std::chrono::duration_cast<std::chrono::seconds>(config_.clock->now().time_since_epoch())
        .count();
}

std::string IdentityPlatform::formatTimestamp(long long seconds) const {
    std::time_t t = static_cast<std::time_t>(seconds);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%SZ", &tm);
    return buf;
}

bool IdentityPlatform::tenantKnown(const std::string& segment) const {
    return iequals(segment, config_.tenant_id) || (!domain_.empty() && iequals(segment, domain_));
}

bool IdentityPlatform::handles(const std::string& /*method*/, const std::string& path) const {
    auto parts = splitPath(path);
    if (parts.size() == 4 && parts[1] == "oauth2" && parts[2] == "v2.0") {
        return parts[3] == "token" || parts[3] == "authorize";
    }
    if (parts.size() == 4 && parts[1] == "v2.0" && parts[2] == ".well-known") {
        return parts[3] == "openid-configuration";
    }
    if (parts.size() == 4 && parts[1] == "discovery" && parts[2] == "v2.0") {
        return parts[3] == "keys";
    }
    if (parts.size() == 2) return parts[1] == "adminconsent";
    if (parts.size() == 3) return parts[1] == "v2.0" && parts[2] == "adminconsent";
    return false;
}

SimResponse IdentityPlatform::handle(const SimRequest& request) {
    auto parts = splitPath(request.path);
    if (parts.size() == 4 && parts[3] == "openid-configuration") return discovery(parts[0]);
    if (parts.size() == 4 && parts[3] == "keys") return keys(parts[0]);
    if (parts.size() == 4 && parts[3] == "token") {
        SimResponse response = tokenEndpointResponse(request, parts[0]);
        const std::string client_request_id = request.header("client-request-id");
        if (!client_request_id.empty()) response.headers["client-request-id"] = client_request_id;
        return response;
    }
    if (parts.size() == 4 && parts[3] == "authorize") return authorize(request, parts[0]);
    if (parts.size() == 2) return adminConsent(request, parts[0], false);
    if (parts.size() == 3) return adminConsent(request, parts[0], true);
    SimResponse not_found;
    not_found.status = 404;
    return not_found;
}

// ---------------------------------------------------------------------------------------------
// Errors

std::string IdentityPlatform::errorDescription(const TokenError& error, const std::string& trace,
                                               const std::string& correlation,
                                               const std::string& timestamp) const {
    return "AADSTS" + std::to_string(error.code) + ": " + error.description +
           "\r\nTrace ID: " + trace + "\r\nCorrelation ID: " + correlation +
           "\r\nTimestamp: " + timestamp;
}

void IdentityPlatform::countFailure(const TokenError& error) {
    std::lock_guard lock(mutex_);
    ++failures_by_error_[error.error];
    ++failures_by_code_[error.code];
}

SimResponse IdentityPlatform::errorResponse(const TokenError& error,
                                            const std::string& correlation) {
    countFailure(error);
    const std::string trace = randomGuid();
    const std::string timestamp = formatTimestamp(nowSeconds());
    JsonWriter json;
    json.beginObject()
        .field("error", error.error)
        .field("error_description", errorDescription(error, trace, correlation, timestamp))
        .key("error_codes")
        .beginArray()
        .value(static_cast<std::int64_t>(error.code))
        .endArray()
        .field("timestamp", timestamp)
        .field("trace_id", trace)
        .field("correlation_id", correlation)
        .field("error_uri",
               "https://login.microsoftonline.com/error?code=" + std::to_string(error.code))
        .endObject();
    SimResponse response;
    response.status = error.status;
    response.headers["Content-Type"] = "application/json; charset=utf-8";
    response.headers["Cache-Control"] = "no-store, no-cache";
    response.headers["Pragma"] = "no-cache";
    response.headers["x-ms-request-id"] = trace;
    response.body = json.take();
    return response;
}

IdentityPlatform::TokenError IdentityPlatform::tokenError(int code,
                                                          const std::string& detail) const {
    auto d = describe(code, config_.client_id, config_.tenant_id, config_.app_display_name,
                      config_.graph_resource);
    if (!d) return TokenError{400, "invalid_request", code, "Simulated failure. " + detail};
    std::string text = std::get<2>(*d);
    if (!detail.empty()) text += " " + detail;
    return TokenError{std::get<0>(*d), std::get<1>(*d), code, text};
}

SimResponse IdentityPlatform::errorPage(int status, int code, const std::string& message) {
    const std::string trace = randomGuid();
    SimResponse response;
    response.status = status;
    response.headers["Content-Type"] = "text/html; charset=utf-8";
    response.headers["x-ms-request-id"] = trace;
    response.body =
        "<!DOCTYPE html><html><head><title>Sign in to your account</title></head>"
        "<body><div id=\"error\">AADSTS" +
        std::to_string(code) + ": " + htmlEscape(message) + "</div><div>Trace ID: " + trace +
        "</div><div>Timestamp: " + formatTimestamp(nowSeconds()) + "</div></body></html>";
    return response;
}

// ---------------------------------------------------------------------------------------------
// Token endpoint

SimResponse IdentityPlatform::tokenEndpointResponse(const SimRequest& request,
                                                    const std::string& tenant) {
    std::string correlation = request.header("client-request-id");
    if (correlation.empty()) correlation = randomGuid();
    const auto form = parseQuery(request.body);
    const std::string grant_type = get(form, "grant_type");

    if (request.method != "POST") {
        return errorResponse(tokenError(900561, "Received a " + request.method + " request."),
                             correlation);
    }
    const bool generic_tenant = iequals(tenant, "common") || iequals(tenant, "organizations");
    if (!generic_tenant && !tenantKnown(tenant)) {
        auto err = tokenError(90002, "");
        replaceAll(err.description, config_.tenant_id, tenant);
        return errorResponse(err, correlation);
    }
    {
        std::unique_lock lock(mutex_);
        if (injected_count_ > 0) {
            int code = injected_code_;
            --injected_count_;
            lock.unlock();
            return errorResponse(tokenError(code, ""), correlation);
        }
    }
    if (grant_type.empty()) {
        return errorResponse(tokenError(900144, "'grant_type'."), correlation);
    }
    if (grant_type != "client_credentials" && grant_type != "authorization_code" &&
        grant_type != "refresh_token") {
        return errorResponse(tokenError(70003, "'" + grant_type + "'."), correlation);
    }
    if (grant_type == "client_credentials" && generic_tenant) {
        return errorResponse(tokenError(50059, ""), correlation);
    }

    ClientAuth auth;
    if (auto err = authenticateClient(form, request, tenant, auth)) {
        return errorResponse(*err, correlation);
    }
    if (grant_type == "client_credentials") {
        if (!auth.present) {
            return errorResponse(tokenError(7000216, ""), correlation);
        }
        return clientCredentials(form, auth, correlation);
    }
    if (grant_type == "authorization_code") return authorizationCode(form, correlation);
    return refreshToken(form, correlation);
}

std::optional<IdentityPlatform::TokenError> IdentityPlatform::authenticateClient(
    const std::map<std::string, std::string>& form, const SimRequest& request,
    const std::string& tenant, ClientAuth& auth) {
    std::string client_id = get(form, "client_id");
    std::string secret = get(form, "client_secret");
    // RFC 6749 §2.3.1 Basic: each part is form-urlencoded before base64.
    const std::string authorization = request.header("Authorization");
    if (istartsWith(authorization, "Basic ")) {
        auto decoded = base64Decode(authorization.substr(6));
        if (decoded) {
            auto colon = decoded->find(':');
            if (colon != std::string::npos) {
                std::string basic_id = urlDecode(decoded->substr(0, colon));
                if (client_id.empty()) client_id = basic_id;
                if (secret.empty()) secret = urlDecode(decoded->substr(colon + 1));
            }
        }
    }
    if (client_id.empty()) return tokenError(900144, "'client_id'.");
    if (!iequals(client_id, config_.client_id)) {
        auto err = tokenError(700016, "");
        replaceAll(err.description, "'" + config_.client_id + "'", "'" + client_id + "'");
        return err;
    }
    const bool has_assertion = has(form, "client_assertion");
    if (has_assertion) {
        if (get(form, "client_assertion_type") != kJwtBearer) {
            return tokenError(900144, "'client_assertion_type' with the value '" +
                                          std::string(kJwtBearer) + "'.");
        }
        if (auto err = checkAssertion(get(form, "client_assertion"), tenant)) return err;
        auth.present = true;
        auth.method = "certificate";
        return std::nullopt;
    }
    if (!secret.empty()) {
        if (!constantTimeEquals(secret, config_.client_secret)) {
            return tokenError(7000215, "");
        }
        auth.present = true;
        auth.method = "secret";
    }
    return std::nullopt;
}

std::optional<IdentityPlatform::TokenError> IdentityPlatform::checkAssertion(
    const std::string& assertion, const std::string& tenant) {
    auto decoded = decodeJwt(assertion);
    if (!decoded.ok()) return tokenError(50027, "");
    const auto& header = decoded->header;
    const auto& payload = decoded->payload;
    auto alg = jwtAlgFromName(claimString(header, "alg"));
    if (!alg) {
        return tokenError(700027, "[Reason - The signing algorithm '" + claimString(header, "alg") +
                                      "' is not supported.]");
    }
    const std::string x5t = claimString(header, "x5t");
    const std::string x5t_s256 = claimString(header, "x5t#S256");
    std::string presented_hex;
    if (auto raw = base64Decode(x5t_s256.empty() ? x5t : x5t_s256)) presented_hex = hexOf(*raw);
    const std::string portal_hint =
        ", Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see "
        "configured keys for app Id '" +
        config_.client_id + "'.]";
    bool key_matches = false;
    if (client_cert_thumbprints_) {
        key_matches = !x5t_s256.empty() ? x5t_s256 == client_cert_thumbprints_->x5t_s256
                                        : (!x5t.empty() && x5t == client_cert_thumbprints_->x5t);
    }
    if (!key_matches) {
        return tokenError(700027,
                          "[Reason - The key was not found., Thumbprint of key used by client: '" +
                              presented_hex + "'" + portal_hint);
    }
    if (!client_cert_key_->verify(*alg, decoded->signing_input, decoded->signature)) {
        auto err = tokenError(700027,
                              "[Reason - The provided signature value did not match the expected "
                              "signature value., Thumbprint of key used by client: '" +
                                  presented_hex + "'" + portal_hint);
        err.description = "Client assertion contains an invalid signature. " +
                          err.description.substr(err.description.find('['));
        return err;
    }
    const std::string iss = claimString(payload, "iss");
    const std::string sub = claimString(payload, "sub");
    if (!iequals(iss, config_.client_id) || !iequals(sub, config_.client_id)) {
        return tokenError(700021, "");
    }
    // The audience is the token endpoint the client called (graph.md §10; older docs also show
    // the v1 token URL and the v2.0 issuer), for the tenant as named in the path or its GUID.
    std::vector<std::string> audiences;
    {
        std::lock_guard lock(mutex_);
        for (const std::string& t : {tenant, config_.tenant_id}) {
            audiences.push_back(lower(config_.issuer_base_url + "/" + t + "/oauth2/v2.0/token"));
            audiences.push_back(lower(config_.issuer_base_url + "/" + t + "/oauth2/token"));
            audiences.push_back(lower(config_.issuer_base_url + "/" + t + "/v2.0"));
        }
    }
    bool aud_ok = false;
    for (const auto& aud : claimStrings(payload, "aud")) {
        if (contains(audiences, lower(aud))) aud_ok = true;
    }
    if (!aud_ok) {
        return tokenError(50027,
                          "[Reason - The audience claim of the client assertion does not match the "
                          "token endpoint '" +
                              audiences.front() + "'.]");
    }
    const long long now = nowSeconds();
    auto exp = claimNumber(payload, "exp");
    auto nbf = claimNumber(payload, "nbf");
    if (!exp || now > *exp + kAssertionSkew || (nbf && now + kAssertionSkew < *nbf)) {
        return tokenError(700024, "Current time: " + formatTimestamp(now) +
                                      ", assertion valid from " +
                                      (nbf ? formatTimestamp(*nbf) : std::string("(none)")) +
                                      ", expiry time of assertion " +
                                      (exp ? formatTimestamp(*exp) : std::string("(none)")) + ".");
    }
    if (claimString(payload, "jti").empty()) {
        return tokenError(50027, "[Reason - The 'jti' claim is missing.]");
    }
    return std::nullopt;
}

SimResponse IdentityPlatform::clientCredentials(const std::map<std::string, std::string>& form,
                                                const ClientAuth& auth,
                                                const std::string& correlation) {
    const std::string scope = get(form, "scope");
    if (scope.empty()) return errorResponse(tokenError(900144, "'scope'."), correlation);
    auto scopes = splitSpaces(scope);
    if (scopes.size() != 1) {
        return errorResponse(tokenError(70011, "The scope '" + scope + "' is not valid."),
                             correlation);
    }
    const std::string& s = scopes.front();
    const std::string suffix = "/.default";
    if (s.size() <= suffix.size() || s.compare(s.size() - suffix.size(), suffix.size(), suffix)) {
        auto err = tokenError(1002012, "");
        replaceAll(err.description, "for scope is", "for scope " + s + " is");
        return errorResponse(err, correlation);
    }
    const std::string resource = s.substr(0, s.size() - suffix.size());
    if (!iequals(resource, config_.graph_resource) && !iequals(resource, kGraphAppId)) {
        auto err = tokenError(500011, "");
        replaceAll(err.description, "principal was", "principal named " + resource + " was");
        return errorResponse(err, correlation);
    }
    const long long now = nowSeconds();
    std::vector<std::string> roles;
    {
        std::lock_guard lock(mutex_);
        roles = config_.app_roles;
        ++issued_by_grant_["client_credentials"];
    }
    const std::string token =
        issueAccessToken({}, roles, {}, auth.method == "certificate" ? "2" : "1", now);
    const long long expires_in = std::max<long long>(1, config_.access_token_lifetime.count() - 1);
    JsonWriter json;
    json.beginObject()
        .field("token_type", "Bearer")
        .field("expires_in", static_cast<std::int64_t>(expires_in))
        .field("ext_expires_in", static_cast<std::int64_t>(expires_in))
        .field("access_token", token)
        .endObject();
    SimResponse response;
    response.headers["Content-Type"] = "application/json; charset=utf-8";
    response.headers["Cache-Control"] = "no-store, no-cache";
    response.headers["Pragma"] = "no-cache";
    response.body = json.take();
    return response;
}

SimResponse IdentityPlatform::authorizationCode(const std::map<std::string, std::string>& form,
                                                const std::string& correlation) {
    for (const char* required : {"code", "redirect_uri"}) {
        if (!has(form, required)) {
            return errorResponse(tokenError(900144, "'" + std::string(required) + "'."),
                                 correlation);
        }
    }
    const long long now = nowSeconds();
    AuthCode code;
    {
        std::lock_guard lock(mutex_);
        auto it = codes_.find(get(form, "code"));
        if (it != codes_.end()) {
            code = it->second;           // as it was before this request
            it->second.redeemed = true;  // codes are single-use
        }
    }
    if (code.client_id.empty()) {
        return errorResponse(tokenError(9002313, ""), correlation);
    }
    if (code.redeemed) return errorResponse(tokenError(54005, ""), correlation);
    if (now - code.issued_at > kCodeLifetime) {
        return errorResponse(tokenError(70008, ""), correlation);
    }
    if (get(form, "redirect_uri") != code.redirect_uri) {
        return errorResponse(tokenError(70000,
                                        "The redirect_uri does not match the one used in the "
                                        "authorization request."),
                             correlation);
    }
    if (!code.code_challenge.empty()) {
        const std::string verifier = get(form, "code_verifier");
        const std::string computed =
            code.code_challenge_method == "plain" ? verifier : base64UrlEncode(sha256(verifier));
        if (verifier.empty() || !constantTimeEquals(computed, code.code_challenge)) {
            return errorResponse(tokenError(50148, ""), correlation);
        }
    }
    {
        std::lock_guard lock(mutex_);
        ++issued_by_grant_["authorization_code"];
    }
    return delegatedTokenResponse(code.client_id, code.upn, code.scopes, code.nonce);
}

SimResponse IdentityPlatform::refreshToken(const std::map<std::string, std::string>& form,
                                           const std::string& correlation) {
    if (!has(form, "refresh_token")) {
        return errorResponse(tokenError(900144, "'refresh_token'."), correlation);
    }
    const long long now = nowSeconds();
    const long long lifetime = config_.refresh_token_lifetime.count();
    // Checked and spent under one lock, so two racing redemptions cannot both succeed.
    auto check = [&](RefreshGrant& grant) -> std::optional<TokenError> {
        std::lock_guard lock(mutex_);
        auto it = refresh_tokens_.find(get(form, "refresh_token"));
        if (it == refresh_tokens_.end()) return tokenError(9002313, "");
        grant = it->second;
        if (grant.revoked) {
            auto rv = revoked_before_.find(lower(grant.upn));
            const long long valid_from = rv == revoked_before_.end() ? now : rv->second;
            return tokenError(50173, "The grant was issued on '" +
                                         formatTimestamp(grant.issued_at) +
                                         "' and the TokensValidFrom date (before which tokens "
                                         "are not valid) for this user is '" +
                                         formatTimestamp(valid_from) + "'.");
        }
        if (grant.rotated) {
            return tokenError(70000,
                              "The refresh token was already redeemed and replaced by a "
                              "newer one.");
        }
        if (now - grant.last_used > lifetime) {
            char span[64];
            std::snprintf(span, sizeof span, "%lld.%02lld:%02lld:%02lld", lifetime / 86400,
                          lifetime % 86400 / 3600, lifetime % 3600 / 60, lifetime % 60);
            return tokenError(700082, "The token was issued on " +
                                          formatTimestamp(grant.issued_at) +
                                          " and was inactive for " + span + ".");
        }
        if (has(form, "client_id") && !iequals(get(form, "client_id"), grant.client_id)) {
            return tokenError(70000, "The refresh token was issued to a different client.");
        }
        // A narrower scope may be asked for; a wider one needs consent first.
        for (const auto& raw : splitSpaces(get(form, "scope"))) {
            std::string scope = raw;
            const std::string prefix = config_.graph_resource + "/";
            if (istartsWith(scope, prefix)) scope = scope.substr(prefix.size());
            if (scope == ".default" || isOidcScope(scope)) continue;
            bool known = false;
            for (const auto& g : grant.scopes) known = known || iequals(g, scope);
            if (!known) return tokenError(65001, "");
        }
        it->second.rotated = true;  // rotation: this token is now spent
        ++issued_by_grant_["refresh_token"];
        return std::nullopt;
    };
    RefreshGrant grant;
    if (auto err = check(grant)) return errorResponse(*err, correlation);
    return delegatedTokenResponse(grant.client_id, grant.upn, grant.scopes, {});
}

SimResponse IdentityPlatform::delegatedTokenResponse(const std::string& client_id,
                                                     const std::string& upn,
                                                     const std::vector<std::string>& scopes,
                                                     const std::string& nonce) {
    const long long now = nowSeconds();
    std::vector<std::string> graph_scopes;
    for (const auto& s : scopes) {
        if (!isOidcScope(s)) graph_scopes.push_back(s);
    }
    if (graph_scopes.empty()) graph_scopes.push_back("User.Read");
    const std::string access_token = issueAccessToken(upn, {}, graph_scopes, "1", now);
    const long long expires_in = std::max<long long>(1, config_.access_token_lifetime.count() - 1);
    std::string refresh;
    if (contains(scopes, "offline_access")) {
        refresh = "0.A" + randomToken(96);
        RefreshGrant grant{client_id, upn, scopes, now, now, false, false};
        std::lock_guard lock(mutex_);
        refresh_tokens_.emplace(refresh, std::move(grant));
    }
    JsonWriter json;
    json.beginObject()
        .field("token_type", "Bearer")
        .field("scope", join(graph_scopes, config_.graph_resource + "/"))
        .field("expires_in", static_cast<std::int64_t>(expires_in))
        .field("ext_expires_in", static_cast<std::int64_t>(expires_in))
        .field("access_token", access_token);
    if (!refresh.empty()) json.field("refresh_token", refresh);
    if (contains(scopes, "openid")) json.field("id_token", issueIdToken(upn, nonce, now));
    json.endObject();
    SimResponse response;
    response.headers["Content-Type"] = "application/json; charset=utf-8";
    response.headers["Cache-Control"] = "no-store, no-cache";
    response.headers["Pragma"] = "no-cache";
    response.body = json.take();
    return response;
}

// Graph's access tokens are v1.0 tokens (Graph does not opt into v2 tokens): issuer
// sts.windows.net/{tid}/, appid rather than azp, roles for apps, scp for users.
std::string IdentityPlatform::issueAccessToken(const std::string& upn,
                                               const std::vector<std::string>& roles,
                                               const std::vector<std::string>& scopes,
                                               const char* appidacr, long long now) {
    const std::string issuer = "https://sts.windows.net/" + config_.tenant_id + "/";
    Poco::JSON::Object header(Poco::JSON_PRESERVE_KEY_ORDER);
    header.set("typ", std::string("JWT"));
    header.set("alg", std::string("RS256"));
    header.set("x5t", key_id_);
    header.set("kid", key_id_);
    Poco::JSON::Object payload(Poco::JSON_PRESERVE_KEY_ORDER);
    payload.set("aud", config_.graph_resource);
    payload.set("iss", issuer);
    payload.set("iat", static_cast<Poco::Int64>(now - kIssuedAtBackdate));
    payload.set("nbf", static_cast<Poco::Int64>(now - kIssuedAtBackdate));
    payload.set("exp", static_cast<Poco::Int64>(now + config_.access_token_lifetime.count()));
    payload.set("app_displayname", config_.app_display_name);
    payload.set("appid", config_.client_id);
    payload.set("appidacr", std::string(appidacr));
    payload.set("idp", issuer);
    payload.set("idtyp", std::string(upn.empty() ? "app" : "user"));
    const std::string oid = objectIdForUpn(upn.empty() ? "app:" + config_.client_id : upn);
    if (!upn.empty()) payload.set("name", upn.substr(0, upn.find('@')));
    payload.set("oid", oid);
    if (upn.empty()) {
        Poco::JSON::Array role_array;
        for (const auto& r : roles) role_array.add(r);
        payload.set("roles", role_array);
    } else {
        payload.set("scp", join(scopes));
    }
    payload.set("sub", oid);
    payload.set("tid", config_.tenant_id);
    if (!upn.empty()) {
        payload.set("unique_name", upn);
        payload.set("upn", upn);
    }
    payload.set("uti", randomToken(16));
    payload.set("ver", std::string("1.0"));
    auto token = encodeJwt(std::move(header), payload, JwtAlg::RS256, signing_key_);
    if (!token.ok()) std::abort();  // the process key signs or nothing works
    return std::move(token).value();
}

std::string IdentityPlatform::issueIdToken(const std::string& upn, const std::string& nonce,
                                           long long now) {
    Poco::JSON::Object header(Poco::JSON_PRESERVE_KEY_ORDER);
    header.set("typ", std::string("JWT"));
    header.set("kid", key_id_);
    Poco::JSON::Object payload(Poco::JSON_PRESERVE_KEY_ORDER);
    payload.set("aud", config_.client_id);
    payload.set("iss", "https://login.microsoftonline.com/" + config_.tenant_id + "/v2.0");
    payload.set("iat", static_cast<Poco::Int64>(now));
    payload.set("nbf", static_cast<Poco::Int64>(now));
    payload.set("exp", static_cast<Poco::Int64>(now + 3600));
    payload.set("name", upn.substr(0, upn.find('@')));
    if (!nonce.empty()) payload.set("nonce", nonce);
    payload.set("oid", objectIdForUpn(upn));
    payload.set("preferred_username", upn);
    payload.set("sub", base64UrlEncode(sha256(config_.client_id + upn)));
    payload.set("tid", config_.tenant_id);
    payload.set("ver", std::string("2.0"));
    auto token = encodeJwt(std::move(header), payload, JwtAlg::RS256, signing_key_);
    if (!token.ok()) std::abort();
    return std::move(token).value();
}

// ---------------------------------------------------------------------------------------------
// Authorize and admin consent

SimResponse IdentityPlatform::redirect(
    const std::string& redirect_uri, const std::string& response_mode,
    const std::vector<std::pair<std::string, std::string>>& params) {
    SimResponse response;
    if (response_mode == "form_post") {
        response.status = 200;
        response.headers["Content-Type"] = "text/html; charset=utf-8";
        std::string body =
            "<html><head><title>Working...</title></head><body><form method=\"POST\" "
            "name=\"hiddenform\" action=\"" +
            htmlEscape(redirect_uri) + "\">";
        for (const auto& [k, v] : params) {
            body += "<input type=\"hidden\" name=\"" + htmlEscape(k) + "\" value=\"" +
                    htmlEscape(v) + "\" />";
        }
        body +=
            "<noscript><p>Script is disabled. Click Submit to continue.</p><input "
            "type=\"submit\" value=\"Submit\" /></noscript></form><script "
            "language=\"javascript\">document.forms[0].submit();</script></body></html>";
        response.body = std::move(body);
        return response;
    }
    response.status = 302;
    response.headers["Location"] =
        appendQuery(redirect_uri, response_mode == "fragment" ? '#' : '?', params);
    response.headers["Cache-Control"] = "no-store, no-cache";
    response.headers["Content-Length"] = "0";
    return response;
}

SimResponse IdentityPlatform::authorize(const SimRequest& request, const std::string& tenant) {
    if (request.method != "GET" && request.method != "POST") {
        return errorPage(405, 900561, "The endpoint only accepts GET and POST requests.");
    }
    // The authorize request may also arrive as a form POST (OpenID Connect §3.1.2.1).
    const auto query = parseQuery(request.method == "POST" ? request.body : request.query);
    const bool generic_tenant = iequals(tenant, "common") || iequals(tenant, "organizations");
    if (!generic_tenant && !tenantKnown(tenant)) {
        auto d = describe(90002, config_.client_id, tenant, "", "");
        return errorPage(400, 90002, std::get<2>(*d));
    }
    const std::string client_id = get(query, "client_id");
    if (client_id.empty()) {
        return errorPage(400, 900144,
                         "The request body must contain the following parameter: 'client_id'.");
    }
    if (!iequals(client_id, config_.client_id)) {
        auto d = describe(700016, client_id, config_.tenant_id, "", "");
        return errorPage(400, 700016, std::get<2>(*d));
    }
    // Until the redirect URI is known to be registered, errors are shown, never redirected.
    const std::string redirect_uri = get(query, "redirect_uri");
    if (redirect_uri.empty()) {
        return errorPage(400, 500113, "No reply address is registered for the application.");
    }
    const bool registered =
        config_.redirect_uris.empty()
            ? (istartsWith(redirect_uri, "https://") || istartsWith(redirect_uri, "http://"))
            : contains(config_.redirect_uris, redirect_uri);
    if (!registered) {
        return errorPage(400, 50011,
                         "The redirect URI '" + redirect_uri +
                             "' specified in the request does not match the redirect URIs "
                             "configured for the application '" +
                             config_.client_id + "'.");
    }
    const std::string state = get(query, "state");
    std::string response_mode = get(query, "response_mode");
    if (response_mode.empty()) response_mode = "query";
    const std::string trace = randomGuid();
    const std::string correlation = randomGuid();
    auto fail = [&](const std::string& error, int code, const std::string& text) {
        std::vector<std::pair<std::string, std::string>> params{
            {"error", error},
            {"error_description", "AADSTS" + std::to_string(code) + ": " + text + "\r\nTrace ID: " +
                                      trace + "\r\nCorrelation ID: " + correlation +
                                      "\r\nTimestamp: " + formatTimestamp(nowSeconds())},
            {"error_uri", "https://login.microsoftonline.com/error?code=" + std::to_string(code)}};
        if (!state.empty()) params.emplace_back("state", state);
        return redirect(redirect_uri, response_mode, params);
    };
    if (response_mode != "query" && response_mode != "fragment" && response_mode != "form_post") {
        return fail("invalid_request", 900144,
                    "The provided value for the input parameter 'response_mode' is not valid.");
    }
    const std::string response_type = get(query, "response_type");
    if (response_type.empty()) {
        return fail("invalid_request", 900144,
                    "The request body must contain the following parameter: 'response_type'.");
    }
    if (response_type != "code") {
        return fail("unsupported_response_type", 700054,
                    "response_type '" + response_type + "' is not enabled for the application.");
    }
    const std::string scope = get(query, "scope");
    if (scope.empty()) {
        return fail("invalid_request", 900144,
                    "The request body must contain the following parameter: 'scope'.");
    }
    std::string challenge = get(query, "code_challenge");
    std::string method = get(query, "code_challenge_method");
    if (!challenge.empty() && method.empty()) method = "plain";  // RFC 7636 §4.3
    if (!method.empty() && method != "S256" && method != "plain") {
        return fail("invalid_request", 501491,
                    "Invalid code_challenge_method. Supported values are 'S256' and 'plain'.");
    }
    if (!method.empty() && challenge.empty()) {
        return fail("invalid_request", 900144,
                    "The request body must contain the following parameter: 'code_challenge'.");
    }

    std::string upn = get(query, "login_hint");
    if (upn.empty() && !config_.users.empty()) upn = config_.users.front();
    bool user_known = false;
    for (const auto& u : config_.users) {
        if (iequals(u, upn)) {
            upn = u;
            user_known = true;
        }
    }
    if (!user_known) {
        return fail("access_denied", 50034,
                    "The user account " + upn + " does not exist in the " + config_.tenant_id +
                        " directory. To sign into this application, the account must be added "
                        "to the directory.");
    }
    // Scopes: bare names and resource-qualified Graph names are the same permission.
    std::vector<std::string> scopes;
    for (const auto& raw : splitSpaces(scope)) {
        std::string s = raw;
        for (const std::string& prefix :
             {config_.graph_resource + "/", std::string(kGraphAppId) + "/"}) {
            if (istartsWith(s, prefix)) s = s.substr(prefix.size());
        }
        if (s == ".default") {
            for (const auto& d : config_.delegated_scopes) {
                if (!contains(scopes, d)) scopes.push_back(d);
            }
        } else if (!contains(scopes, s)) {
            scopes.push_back(isOidcScope(lower(s)) ? lower(s) : s);
        }
    }

    bool granted = true;
    std::string code;
    {
        std::lock_guard lock(mutex_);
        auto it = consent_.find(lower(upn));
        if (it != consent_.end()) granted = it->second;
        if (!granted) {
            ++consent_denied_;
        } else {
            code = "0.A" + randomToken(64);
            AuthCode entry;
            entry.client_id = config_.client_id;
            entry.redirect_uri = redirect_uri;
            entry.upn = upn;
            entry.scopes = scopes;
            entry.code_challenge = challenge;
            entry.code_challenge_method = method;
            entry.nonce = get(query, "nonce");
            entry.issued_at = nowSeconds();
            if (codes_.size() > kCodeTableLimit) {
                // Spent and stale codes are only kept to answer 54005/70008; drop them in bulk.
                std::erase_if(codes_, [&](const auto& item) {
                    return item.second.redeemed ||
                           entry.issued_at - item.second.issued_at > kCodeLifetime;
                });
            }
            codes_.emplace(code, std::move(entry));
            ++codes_issued_;
        }
    }
    if (!granted) {
        return fail("access_denied", 65004, "User declined to consent to access the app.");
    }
    std::vector<std::pair<std::string, std::string>> params{{"code", code}};
    if (!state.empty()) params.emplace_back("state", state);
    params.emplace_back("session_state", randomGuid());
    return redirect(redirect_uri, response_mode, params);
}

SimResponse IdentityPlatform::adminConsent(const SimRequest& request, const std::string& tenant,
                                           bool v2) {
    const auto query = parseQuery(request.query);
    // Classic: tenant or common; v2.0: tenant or organizations, never common (graph.md §10).
    const bool generic_ok = v2 ? iequals(tenant, "organizations") : iequals(tenant, "common");
    if (!generic_ok && !tenantKnown(tenant)) {
        auto d = describe(90002, config_.client_id, tenant, "", "");
        return errorPage(400, 90002, std::get<2>(*d));
    }
    const std::string client_id = get(query, "client_id");
    if (client_id.empty()) {
        return errorPage(400, 900144,
                         "The request body must contain the following parameter: 'client_id'.");
    }
    if (!iequals(client_id, config_.client_id)) {
        auto d = describe(700016, client_id, config_.tenant_id, "", "");
        return errorPage(400, 700016, std::get<2>(*d));
    }
    const std::string redirect_uri = get(query, "redirect_uri");
    if (redirect_uri.empty()) {
        return errorPage(400, 500113, "No reply address is registered for the application.");
    }
    if (!config_.redirect_uris.empty() && !contains(config_.redirect_uris, redirect_uri)) {
        return errorPage(400, 50011,
                         "The redirect URI '" + redirect_uri +
                             "' specified in the request does not match the redirect URIs "
                             "configured for the application '" +
                             config_.client_id + "'.");
    }
    const std::string state = get(query, "state");
    const std::string scope = get(query, "scope");
    std::vector<std::pair<std::string, std::string>> params;
    if (v2 && (scope.empty() || scope.find("/.default") == std::string::npos)) {
        params = {{"error", "invalid_request"},
                  {"error_description",
                   "AADSTS70011: The provided value for the input parameter 'scope' is not valid. "
                   "Application permissions require the /.default scope."}};
        if (!state.empty()) params.emplace_back("state", state);
        return redirect(redirect_uri, "query", params);
    }
    bool grant;
    {
        std::lock_guard lock(mutex_);
        grant = admin_consent_;
        ++(grant ? admin_consent_granted_ : admin_consent_denied_);
    }
    if (grant) {
        if (v2) {
            params = {{"admin_consent", "True"}, {"tenant", config_.tenant_id}, {"scope", scope}};
        } else {
            params = {{"admin_consent", "True"}, {"tenant", config_.tenant_id}};
        }
    } else if (v2) {
        params = {{"admin_consent", "True"},
                  {"error", "consent_required"},
                  {"error_description",
                   "AADSTS65004: The resource owner or authorization server denied the request."}};
    } else {
        params = {{"error", "permission_denied"},
                  {"error_description", "The admin canceled the request"}};
    }
    if (!state.empty()) params.emplace_back("state", state);
    return redirect(redirect_uri, "query", params);
}

// ---------------------------------------------------------------------------------------------
// Discovery: the OpenID Connect metadata and the signing keys, so that a client which discovers
// its endpoints (as MSAL does) finds the simulator's URLs.

SimResponse IdentityPlatform::discovery(const std::string& tenant) {
    const bool generic = iequals(tenant, "common") || iequals(tenant, "organizations");
    if (!generic && !tenantKnown(tenant)) {
        return errorResponse(tokenError(90002, ""), randomGuid());
    }
    std::string base;
    {
        std::lock_guard lock(mutex_);
        base = config_.issuer_base_url + "/" + tenant;
    }
    const std::string issuer = "https://login.microsoftonline.com/" +
                               (generic ? std::string("{tenantid}") : config_.tenant_id) + "/v2.0";
    JsonWriter json;
    json.beginObject()
        .field("token_endpoint", base + "/oauth2/v2.0/token")
        .key("token_endpoint_auth_methods_supported")
        .beginArray()
        .value("client_secret_post")
        .value("private_key_jwt")
        .value("client_secret_basic")
        .endArray()
        .field("jwks_uri", base + "/discovery/v2.0/keys")
        .key("response_modes_supported")
        .beginArray()
        .value("query")
        .value("fragment")
        .value("form_post")
        .endArray()
        .key("subject_types_supported")
        .beginArray()
        .value("pairwise")
        .endArray()
        .key("id_token_signing_alg_values_supported")
        .beginArray()
        .value("RS256")
        .endArray()
        .key("response_types_supported")
        .beginArray()
        .value("code")
        .value("id_token")
        .value("code id_token")
        .value("id_token token")
        .endArray()
        .key("scopes_supported")
        .beginArray()
        .value("openid")
        .value("profile")
        .value("email")
        .value("offline_access")
        .endArray()
        .field("issuer", issuer)
        .field("request_uri_parameter_supported", false)
        .field("authorization_endpoint", base + "/oauth2/v2.0/authorize")
        .field("end_session_endpoint", base + "/oauth2/v2.0/logout")
        .field("cloud_instance_name", "microsoftonline.com")
        .field("msgraph_host", "graph.microsoft.com")
        .endObject();
    SimResponse response;
    response.headers["Content-Type"] = "application/json; charset=utf-8";
    response.body = json.take();
    return response;
}

SimResponse IdentityPlatform::keys(const std::string& /*tenant*/) {
    auto [n, e] = signing_key_.publicJwkParams();
    JsonWriter json;
    json.beginObject()
        .key("keys")
        .beginArray()
        .beginObject()
        .field("kty", "RSA")
        .field("use", "sig")
        .field("kid", key_id_)
        .field("x5t", key_id_)
        .field("n", n)
        .field("e", e)
        .endObject()
        .endArray()
        .endObject();
    SimResponse response;
    response.headers["Content-Type"] = "application/json; charset=utf-8";
    response.body = json.take();
    return response;
}

// ---------------------------------------------------------------------------------------------
// Bearer check and control hooks

std::string IdentityPlatform::wwwAuthenticate() const {
    return "Bearer realm=\"\", authorization_uri=\"https://login.microsoftonline.com/common/"
           "oauth2/authorize\", client_id=\"" +
           std::string(kGraphAppId) + "\"";
}

common::Result<TokenClaims> IdentityPlatform::validateAccessToken(
    const std::string& authorization_header) const {
    auto reject = [this](const std::string& message) -> common::Result<TokenClaims> {
        rejected_.fetch_add(1, std::memory_order_relaxed);
        return makeError(ErrorCode::Unauthenticated, message, "InvalidAuthenticationToken");
    };
    std::string_view value = authorization_header;
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
    if (!istartsWith(value, "Bearer ")) return reject("Access token is empty.");
    value.remove_prefix(7);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    if (value.empty()) return reject("Access token is empty.");
    const std::string token(value);
    const long long now = nowSeconds();

    CacheShard& shard = cache_[std::hash<std::string>{}(token) % kCacheShards];
    {
        std::lock_guard lock(shard.mutex);
        auto it = shard.claims.find(token);
        if (it != shard.claims.end()) {
            if (now > it->second.expires_at + kValidationSkew) {
                shard.claims.erase(it);
                return reject("Lifetime validation failed, the token is expired.");
            }
            validated_.fetch_add(1, std::memory_order_relaxed);
            return it->second;
        }
    }
    if (token.find('.') == std::string::npos) {
        return reject(
            "IDX14100: JWT is not well formed, there are no dots (.).\nThe token needs to be in "
            "JWS or JWE Compact Serialization Format. (JWS): "
            "'EncodedHeader.EndcodedPayload.EncodedSignature'. (JWE): "
            "'EncodedProtectedHeader.EncodedEncryptedKey.EncodedInitializationVector."
            "EncodedCiphertext.EncodedAuthenticationTag'.");
    }
    auto decoded = decodeJwt(token);
    if (!decoded.ok()) return reject("JWT is not well formed.");
    if (claimString(decoded->header, "alg") != "RS256" ||
        claimString(decoded->header, "kid") != key_id_ ||
        !signing_key_.verify(JwtAlg::RS256, decoded->signing_input, decoded->signature)) {
        return reject("Access token validation failure.");
    }
    const auto& p = decoded->payload;
    const std::string aud = claimString(p, "aud");
    if (!(iequals(aud, config_.graph_resource) || iequals(aud, config_.graph_resource + "/") ||
          iequals(aud, kGraphAppId))) {
        return reject("Access token validation failure. Invalid audience.");
    }
    const std::string tid = claimString(p, "tid");
    if (!iequals(tid, config_.tenant_id) ||
        claimString(p, "iss") != "https://sts.windows.net/" + tid + "/") {
        return reject("Access token validation failure. Invalid issuer.");
    }
    auto exp = claimNumber(p, "exp");
    auto nbf = claimNumber(p, "nbf");
    if (!exp) return reject("Access token validation failure.");
    if (now > *exp + kValidationSkew) {
        return reject("Lifetime validation failed, the token is expired.");
    }
    if (nbf && now + kValidationSkew < *nbf) {
        return reject("Access token has expired or is not yet valid.");
    }
    TokenClaims claims;
    claims.app_id = claimString(p, "appid");
    if (claims.app_id.empty()) claims.app_id = claimString(p, "azp");
    claims.tenant_id = tid;
    claims.subject_upn = claimString(p, "upn");
    if (claims.subject_upn.empty()) claims.subject_upn = claimString(p, "preferred_username");
    claims.roles = claimStrings(p, "roles");
    claims.scopes = splitSpaces(claimString(p, "scp"));
    claims.expires_at = *exp;
    {
        std::lock_guard lock(shard.mutex);
        if (shard.claims.size() >= kCacheShardLimit) shard.claims.clear();
        shard.claims.emplace(token, claims);
    }
    validated_.fetch_add(1, std::memory_order_relaxed);
    return claims;
}

void IdentityPlatform::revokeRefreshTokens(const std::string& upn) {
    std::lock_guard lock(mutex_);
    const long long now = nowSeconds();
    revoked_before_[lower(upn)] = now;
    for (auto& [token, grant] : refresh_tokens_) {
        if (iequals(grant.upn, upn)) grant.revoked = true;
    }
}

void IdentityPlatform::scriptConsent(const std::string& upn, bool grant) {
    std::lock_guard lock(mutex_);
    consent_[lower(upn)] = grant;
}

void IdentityPlatform::setAdminConsent(bool grant) {
    std::lock_guard lock(mutex_);
    admin_consent_ = grant;
}

void IdentityPlatform::injectTokenError(int aadsts_code, int count) {
    std::lock_guard lock(mutex_);
    injected_code_ = aadsts_code;
    injected_count_ = count;
}

std::string IdentityPlatform::controlJson() const {
    std::lock_guard lock(mutex_);
    JsonWriter json;
    json.beginObject().key("tokens_issued").beginObject();
    for (const char* grant : {"client_credentials", "authorization_code", "refresh_token"}) {
        auto it = issued_by_grant_.find(grant);
        json.field(grant, static_cast<std::int64_t>(it == issued_by_grant_.end() ? 0 : it->second));
    }
    json.endObject().key("failures_by_error").beginObject();
    for (const auto& [error, n] : failures_by_error_)
        json.field(error, static_cast<std::int64_t>(n));
    json.endObject().key("failures_by_aadsts").beginObject();
    for (const auto& [code, n] : failures_by_code_) {
        json.field(std::to_string(code), static_cast<std::int64_t>(n));
    }
    json.endObject()
        .field("authorization_codes_issued", static_cast<std::int64_t>(codes_issued_))
        .field("consent_denied", static_cast<std::int64_t>(consent_denied_))
        .field("admin_consent_granted", static_cast<std::int64_t>(admin_consent_granted_))
        .field("admin_consent_denied", static_cast<std::int64_t>(admin_consent_denied_))
        .field("admin_consent", admin_consent_)
        .field("active_refresh_tokens", static_cast<std::int64_t>(refresh_tokens_.size()))
        .field("access_tokens_validated", static_cast<std::int64_t>(validated_.load()))
        .field("access_tokens_rejected", static_cast<std::int64_t>(rejected_.load()))
        .endObject();
    return json.take();
}

}  // namespace calconn::graphsim
