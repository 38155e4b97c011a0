#include "graph/TokenProvider.h"

#include <Poco/Logger.h>

#include <algorithm>

#include "graph/Decoders.h"

namespace calconn::graph {

using common::Error;
using common::ErrorCode;
using common::makeError;
using common::Result;
using common::TimePoint;

namespace {
Poco::Logger& logger() { return Poco::Logger::get("calconn.graph"); }
}  // namespace

CachingTokenSource::CachingTokenSource(const common::Clock& clock, TokenCacheOptions options)
    : clock_(clock), options_(options) {}

Result<std::string> CachingTokenSource::accessToken() {
    std::unique_lock lock(mutex_);
    for (;;) {
        const TimePoint now = clock_.now();
        const bool usable = !token_.empty() && now < expires_at_;
        if (usable && (now < refresh_at_ || fetching_)) return std::string(token_.view());
        if (fetching_) {
            const std::uint64_t awaited = flight_;
            cv_.wait(lock, [&] { return !fetching_; });
            // The flight we waited for failed and left nothing usable: share its error rather
            // than queueing another fetch per waiter.
            if (completed_flight_ == awaited && flight_error_ &&
                (token_.empty() || clock_.now() >= expires_at_)) {
                return *flight_error_;
            }
            continue;
        }
        fetching_ = true;
        const std::uint64_t mine = ++flight_;
        ++fetches_;
        lock.unlock();
        Result<TokenResponse> fetched = fetch();
        lock.lock();
        fetching_ = false;
        completed_flight_ = mine;
        const TimePoint after = clock_.now();
        if (fetched) {
            flight_error_.reset();
            const auto lifetime =
                std::chrono::duration_cast<std::chrono::seconds>(fetched->expires_in);
            const auto skew = std::min(options_.expiry_skew, lifetime / 4);
            expires_at_ = after + lifetime - skew;
            const auto by_fraction = after + std::chrono::duration_cast<std::chrono::seconds>(
                                                 lifetime * options_.refresh_fraction);
            const auto by_margin = after + lifetime - options_.refresh_margin;
            refresh_at_ = std::max(after, std::min(by_fraction, by_margin));
            token_ = crypto::SecretString(fetched->access_token);
            crypto::secureWipe({reinterpret_cast<std::uint8_t*>(fetched->access_token.data()),
                                fetched->access_token.size()});
            cv_.notify_all();
            return std::string(token_.view());
        }
        flight_error_ = fetched.error();
        cv_.notify_all();
        if (!token_.empty() && after < expires_at_) {
            logger().warning("token renewal failed, still using the current token: " +
                             fetched.error().toString());
            return std::string(token_.view());
        }
        return fetched.error();
    }
}

void CachingTokenSource::invalidate(std::string_view token) {
    std::lock_guard lock(mutex_);
    if (!token_.empty() && crypto::constantTimeEquals(token_.view(), token)) {
        token_.clear();
        expires_at_ = refresh_at_ = TimePoint{};
    }
}

std::optional<TimePoint> CachingTokenSource::expiresAt() const {
    std::lock_guard lock(mutex_);
    if (token_.empty()) return std::nullopt;
    return expires_at_;
}

std::optional<TimePoint> CachingTokenSource::refreshAt() const {
    std::lock_guard lock(mutex_);
    if (token_.empty()) return std::nullopt;
    return refresh_at_;
}

std::uint64_t CachingTokenSource::fetchCount() const {
    std::lock_guard lock(mutex_);
    return fetches_;
}

std::string IdentityEndpoint::tokenUrl() const {
    std::string base = login_endpoint;
    while (!base.empty() && base.back() == '/') base.pop_back();
    return base + "/" + tenant + "/oauth2/v2.0/token";
}

std::string formEncode(std::string_view value) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(value.size() * 3 / 2);
    for (unsigned char c : value) {
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~') {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += kHex[c >> 4];
            out += kHex[c & 15];
        }
    }
    return out;
}

namespace {

// Appends the client authentication fields (secret or assertion) to a form body.
common::Status appendClientAuth(std::string& body, const ClientCredential& credential,
                                const IdentityEndpoint& endpoint, TimePoint now) {
    if (credential.certificate) {
        AssertionParams params;
        params.client_id = credential.client_id;
        params.audience = endpoint.tokenUrl();
        params.now = now;
        params.algorithm = credential.algorithm;
        auto assertion = makeClientAssertion(*credential.certificate, params);
        if (!assertion) return assertion.error();
        body += "&client_assertion_type=" +
                formEncode("urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
        body += "&client_assertion=" + *assertion;
    } else if (credential.secret) {
        body += "&client_secret=" + formEncode(credential.secret->view());
    }
    return {};
}

Result<TokenResponse> postToken(const TokenFetchDeps& deps, const IdentityEndpoint& endpoint,
                                std::string body) {
    net::HttpRequest request;
    request.method = "POST";
    request.url = endpoint.tokenUrl();
    request.headers.add("Content-Type", "application/x-www-form-urlencoded");
    request.headers.add("Accept", "application/json");
    request.body = std::move(body);
    request.retry_safe = true;  // a second token grant is harmless
    auto response =
        net::sendWithRetry(deps.http, request, deps.retry, deps.sleeper, deps.clock, deps.cancel);
    crypto::secureWipe({reinterpret_cast<std::uint8_t*>(request.body.data()), request.body.size()});
    if (!response) return response.error();
    if (response->status != 200) {
        return toError(decodeTokenError(response->status, response->body));
    }
    auto decoded = decodeTokenResponse(response->body);
    crypto::secureWipe(
        {reinterpret_cast<std::uint8_t*>(response->body.data()), response->body.size()});
    return decoded;
}

}  // namespace

AppTokenProvider::AppTokenProvider(TokenFetchDeps deps, IdentityEndpoint endpoint,
                                   ClientCredential credential, std::string scope,
                                   TokenCacheOptions options)
    : CachingTokenSource(deps.clock, options),
      deps_(deps),
      endpoint_(std::move(endpoint)),
      credential_(std::move(credential)),
      scope_(std::move(scope)) {}

Result<TokenResponse> AppTokenProvider::fetch() {
    if (!credential_.secret && !credential_.certificate) {
        return makeError(ErrorCode::Config, "no client secret or certificate configured",
                         credential_.client_id);
    }
    std::string body =
        "grant_type=client_credentials&client_id=" + formEncode(credential_.client_id) +
        "&scope=" + formEncode(scope_);
    if (auto s = appendClientAuth(body, credential_, endpoint_, clock_.now()); !s) return s.error();
    return postToken(deps_, endpoint_, std::move(body));
}

DelegatedTokenProvider::DelegatedTokenProvider(TokenFetchDeps deps, IdentityEndpoint endpoint,
                                               ClientCredential credential, std::string scopes,
                                               crypto::SecretString refresh_token,
                                               RotationCallback on_rotate,
                                               TokenCacheOptions options)
    : CachingTokenSource(deps.clock, options),
      deps_(deps),
      endpoint_(std::move(endpoint)),
      credential_(std::move(credential)),
      scopes_(std::move(scopes)),
      refresh_token_(std::move(refresh_token)),
      on_rotate_(std::move(on_rotate)) {}

Result<TokenResponse> DelegatedTokenProvider::fetch() {
    std::lock_guard lock(refresh_mutex_);
    if (refresh_token_.empty()) {
        return makeError(ErrorCode::Unauthenticated, "no refresh token: the user must sign in",
                         "kind=reauth_required");
    }
    std::string body = "grant_type=refresh_token&client_id=" + formEncode(credential_.client_id) +
                       "&scope=" + formEncode(scopes_) +
                       "&refresh_token=" + formEncode(refresh_token_.view());
    if (auto s = appendClientAuth(body, credential_, endpoint_, clock_.now()); !s) return s.error();
    auto response = postToken(deps_, endpoint_, std::move(body));
    if (!response) return response;
    if (!response->refresh_token.empty() && response->refresh_token != refresh_token_.view()) {
        crypto::SecretString rotated(response->refresh_token);
        crypto::secureWipe({reinterpret_cast<std::uint8_t*>(response->refresh_token.data()),
                            response->refresh_token.size()});
        response->refresh_token.clear();
        if (on_rotate_) {
            if (auto saved = on_rotate_(rotated); !saved) {
                logger().error("could not persist the rotated refresh token: " +
                               saved.error().toString());
            }
        }
        refresh_token_ = std::move(rotated);
    }
    return response;
}

}  // namespace calconn::graph
