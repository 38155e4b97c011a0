// Access tokens for Graph from the identity platform: app-only (client credentials with a
// secret or a certificate assertion) and delegated (refresh-token grant with rotation).
// Tokens are cached per provider (one provider per tenant and client), renewed before expiry,
// and fetched by one thread at a time while the others keep using the still-valid token.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "common/Clock.h"
#include "common/Result.h"
#include "crypto/SecretString.h"
#include "graph/ClientAssertion.h"
#include "graph/GraphTypes.h"
#include "net/Cancel.h"
#include "net/HttpClient.h"
#include "net/RetryPolicy.h"

namespace calconn::graph {

class TokenSource {
public:
    virtual ~TokenSource() = default;
    // A usable access token, from the cache or freshly fetched.
    virtual common::Result<std::string> accessToken() = 0;
    // Graph rejected `token` (401): drop it unless another thread already replaced it.
    virtual void invalidate(std::string_view token) = 0;
};

struct TokenCacheOptions {
    // Renew at the earlier of `fraction` of the lifetime and `margin` before expiry.
    double refresh_fraction = 0.8;
    std::chrono::seconds refresh_margin{300};
    // A token is not handed out within this much of its expiry (clock skew, request time).
    std::chrono::seconds expiry_skew{60};
};

// Single-flight cache; subclasses say how to fetch.
class CachingTokenSource : public TokenSource {
public:
    common::Result<std::string> accessToken() override;
    void invalidate(std::string_view token) override;

    std::optional<common::TimePoint> expiresAt() const;
    std::optional<common::TimePoint> refreshAt() const;
    std::uint64_t fetchCount() const;

protected:
    CachingTokenSource(const common::Clock& clock, TokenCacheOptions options);
    virtual common::Result<TokenResponse> fetch() = 0;
    const common::Clock& clock_;

private:
    TokenCacheOptions options_;
    mutable std::mutex mutex_;
    std::condition_variable cv_;
    bool fetching_ = false;
    std::uint64_t flight_ = 0;            // id of the latest fetch started
    std::uint64_t completed_flight_ = 0;  // id of the latest fetch finished
    std::optional<common::Error> flight_error_;
    crypto::SecretString token_;
    common::TimePoint expires_at_{};
    common::TimePoint refresh_at_{};
    std::uint64_t fetches_ = 0;
};

struct IdentityEndpoint {
    std::string login_endpoint = "https://login.microsoftonline.com";
    std::string tenant;  // GUID or domain; never "common" for client credentials
    // "{login}/{tenant}/oauth2/v2.0/token", also the client assertion's audience.
    std::string tokenUrl() const;
};

// Exactly one of secret and certificate.
struct ClientCredential {
    std::string client_id;
    std::shared_ptr<const crypto::SecretString> secret;
    std::shared_ptr<const ClientCertificate> certificate;
    JwtAlgorithm algorithm = JwtAlgorithm::RS256;
};

// What token fetches need besides the credential; all references outlive the provider.
struct TokenFetchDeps {
    net::HttpClient& http;
    const common::Clock& clock;
    net::Sleeper& sleeper;
    const net::RetryPolicy& retry;
    const net::CancelToken* cancel = nullptr;
};

// application/x-www-form-urlencoded, every byte but unreserved ones percent-encoded.
std::string formEncode(std::string_view value);

class AppTokenProvider final : public CachingTokenSource {
public:
    // scope: the resource's "/.default", e.g. "https://graph.microsoft.com/.default".
    AppTokenProvider(TokenFetchDeps deps, IdentityEndpoint endpoint, ClientCredential credential,
                     std::string scope, TokenCacheOptions options = {});

protected:
    common::Result<TokenResponse> fetch() override;

private:
    TokenFetchDeps deps_;
    IdentityEndpoint endpoint_;
    ClientCredential credential_;
    std::string scope_;
};

class DelegatedTokenProvider final : public CachingTokenSource {
public:
    // Called with each new refresh token before it is used, so the store can persist it; a
    // failure is logged and the new token still replaces the old one in memory.
    using RotationCallback = std::function<common::Status(const crypto::SecretString&)>;

    // scopes: space-separated, e.g. "offline_access
    // https://graph.microsoft.com/Calendars.ReadWrite".
    DelegatedTokenProvider(TokenFetchDeps deps, IdentityEndpoint endpoint,
                           ClientCredential credential, std::string scopes,
                           crypto::SecretString refresh_token, RotationCallback on_rotate,
                           TokenCacheOptions options = {});

protected:
    common::Result<TokenResponse> fetch() override;

private:
    TokenFetchDeps deps_;
    IdentityEndpoint endpoint_;
    ClientCredential credential_;
    std::string scopes_;
    std::mutex refresh_mutex_;
    crypto::SecretString refresh_token_;
    RotationCallback on_rotate_;
};

}  // namespace calconn::graph
