// graphsim's Microsoft identity platform (graph.md §10): the v2.0 token endpoint (client
// credentials with a secret or a certificate assertion, authorization code with PKCE, refresh
// with rotation), authorize and admin consent redirects, and the bearer check Graph applies.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "Jwt.h"
#include "SimHttp.h"
#include "common/Clock.h"
#include "common/Result.h"

namespace calconn::graphsim {

struct IdentityConfig {
    std::string tenant_id;  // GUID
    std::string client_id;  // the one registered application
    std::string client_secret;
    std::string client_cert_pem;  // optional: registered certificate for client assertions
    std::string issuer_base_url;  // https://127.0.0.1:PORT; settable later (setIssuerBaseUrl)
    std::chrono::seconds access_token_lifetime{3600};
    std::chrono::seconds refresh_token_lifetime{90 * 24 * 3600};  // inactivity limit
    const common::Clock* clock = nullptr;                         // null: the system clock
    std::vector<std::string> users;                               // UPNs that may sign in
    // Optional beyond the brief's minimum.
    std::string graph_resource = "https://graph.microsoft.com";
    std::vector<std::string> app_roles{"Calendars.ReadWrite", "MailboxSettings.Read"};
    // Granted for a delegated ".default" scope.
    std::vector<std::string> delegated_scopes{"Calendars.ReadWrite", "MailboxSettings.Read",
                                              "User.Read"};
    std::vector<std::string> redirect_uris;  // empty: any http(s) redirect URI is accepted
    std::string app_display_name = "calconn";
    // Entra signs with 2048-bit keys; unit tests use less because key generation is slow.
    int signing_key_bits = 2048;
};

struct TokenClaims {
    std::string app_id;
    std::string tenant_id;
    std::string subject_upn;  // empty for app-only
    std::vector<std::string> roles;
    std::vector<std::string> scopes;
    long long expires_at = 0;  // seconds since the epoch
};

// Deterministic object id (GUID form) for a UPN, used as the token's oid claim.
std::string objectIdForUpn(const std::string& upn);

class IdentityPlatform {
public:
    explicit IdentityPlatform(IdentityConfig config);

    void setIssuerBaseUrl(std::string url);

    // True for /{tenant}/oauth2/v2.0/token, /{tenant}/oauth2/v2.0/authorize,
    // /{tenant}/adminconsent, /{tenant}/v2.0/adminconsent,
    // /{tenant}/v2.0/.well-known/openid-configuration and /{tenant}/discovery/v2.0/keys, whatever
    // the tenant segment is (an unknown tenant gets AADSTS90002 from handle()).
    bool handles(const std::string& method, const std::string& path) const;
    SimResponse handle(const SimRequest& request);

    // Checks "Bearer <jwt>" as Graph does: signature, lifetime (with Graph's 5-minute skew),
    // audience, issuer and tenant. On failure: ErrorCode::Unauthenticated, message = the Graph
    // error message, context = "InvalidAuthenticationToken" (the Graph error code).
    common::Result<TokenClaims> validateAccessToken(const std::string& authorization_header) const;
    // The WWW-Authenticate value Graph sends with its 401s.
    std::string wwwAuthenticate() const;

    // Control hooks for /_sim/.
    void revokeRefreshTokens(const std::string& upn);  // later refresh → invalid_grant 50173
    void scriptConsent(const std::string& upn, bool grant);  // authorize outcome per user
    void setAdminConsent(bool grant);
    // The next `count` token requests fail with this AADSTS code (graph.md §12 fault switches:
    // 7000215, 7000222, 700027, 700024, 700082, 65001, 50173, 70008, 90002, ...).
    void injectTokenError(int aadsts_code, int count = 1);
    std::string controlJson() const;  // counters: tokens by grant type, failures by code

    // Accessors for tests and the server.
    std::string tokenEndpoint(const std::string& tenant_segment = {}) const;
    const std::string& signingKeyId() const { return key_id_; }

private:
    struct TokenError {
        int status;
        std::string error;  // invalid_request, invalid_client, ...
        int code;           // AADSTS number
        std::string description;
    };
    struct AuthCode {
        std::string client_id;
        std::string redirect_uri;
        std::string upn;
        std::vector<std::string>
            scopes;  // as consented, e.g. "Calendars.ReadWrite", "offline_access"
        std::string code_challenge;
        std::string code_challenge_method;
        std::string nonce;
        long long issued_at = 0;
        bool redeemed = false;
    };
    struct RefreshGrant {
        std::string client_id;
        std::string upn;
        std::vector<std::string> scopes;
        long long issued_at = 0;
        long long last_used = 0;
        bool rotated = false;  // superseded by a newer refresh token
        bool revoked = false;
    };
    struct ClientAuth {
        bool present = false;
        std::string method;  // "secret", "certificate"
    };

    long long nowSeconds() const;
    bool tenantKnown(const std::string& segment) const;
    SimResponse discovery(const std::string& tenant);
    SimResponse keys(const std::string& tenant);
    SimResponse tokenEndpointResponse(const SimRequest& request, const std::string& tenant);
    SimResponse authorize(const SimRequest& request, const std::string& tenant);
    SimResponse adminConsent(const SimRequest& request, const std::string& tenant, bool v2);
    std::optional<TokenError> authenticateClient(const std::map<std::string, std::string>& form,
                                                 const SimRequest& request,
                                                 const std::string& tenant, ClientAuth& auth);
    std::optional<TokenError> checkAssertion(const std::string& assertion,
                                             const std::string& tenant);
    SimResponse clientCredentials(const std::map<std::string, std::string>& form,
                                  const ClientAuth& auth, const std::string& correlation);
    SimResponse authorizationCode(const std::map<std::string, std::string>& form,
                                  const std::string& correlation);
    SimResponse refreshToken(const std::map<std::string, std::string>& form,
                             const std::string& correlation);
    SimResponse delegatedTokenResponse(const std::string& client_id, const std::string& upn,
                                       const std::vector<std::string>& scopes,
                                       const std::string& nonce);
    std::string issueAccessToken(const std::string& upn, const std::vector<std::string>& roles,
                                 const std::vector<std::string>& scopes, const char* appidacr,
                                 long long now);
    std::string issueIdToken(const std::string& upn, const std::string& nonce, long long now);
    TokenError tokenError(int code, const std::string& detail) const;
    SimResponse errorResponse(const TokenError& error, const std::string& correlation);
    std::string errorDescription(const TokenError& error, const std::string& trace,
                                 const std::string& correlation,
                                 const std::string& timestamp) const;
    SimResponse redirect(const std::string& redirect_uri, const std::string& response_mode,
                         const std::vector<std::pair<std::string, std::string>>& params);
    SimResponse errorPage(int status, int code, const std::string& message);
    std::string formatTimestamp(long long seconds) const;
    void countFailure(const TokenError& error);

    IdentityConfig config_;
    std::string domain_;  // the users' UPN domain, accepted as a tenant alias
    RsaKey signing_key_;
    std::string key_id_;
    std::optional<RsaKey> client_cert_key_;
    std::optional<CertificateThumbprints> client_cert_thumbprints_;

    mutable std::mutex mutex_;  // everything below
    std::unordered_map<std::string, AuthCode> codes_;
    std::unordered_map<std::string, RefreshGrant> refresh_tokens_;
    std::map<std::string, long long> revoked_before_;  // upn → tokens valid from
    std::map<std::string, bool> consent_;              // upn → scripted outcome
    bool admin_consent_ = true;
    int injected_code_ = 0;
    int injected_count_ = 0;
    std::map<std::string, long long> issued_by_grant_;
    std::map<std::string, long long> failures_by_error_;
    std::map<int, long long> failures_by_code_;
    long long codes_issued_ = 0;
    long long consent_denied_ = 0;
    long long admin_consent_granted_ = 0;
    long long admin_consent_denied_ = 0;

    // Validated tokens, so the hot Graph path skips the RSA check (sharded to keep locks cheap).
    struct CacheShard {
        std::mutex mutex;
        std::unordered_map<std::string, TokenClaims> claims;
    };
    static constexpr std::size_t kCacheShards = 16;
    static constexpr std::size_t kCacheShardLimit = 4096;
    mutable std::array<CacheShard, kCacheShards> cache_;
    mutable std::atomic<long long> validated_{0};
    mutable std::atomic<long long> rejected_{0};
};

}  // namespace calconn::graphsim
