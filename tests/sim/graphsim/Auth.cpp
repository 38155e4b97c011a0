// Identity/throttling adapter (see Auth.h). The fallback path exists only so graphsim builds
// before the identity platform lands; it issues opaque tokens for the registered secret.
#include "Auth.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <atomic>
#include <mutex>
#include <set>

#include "Json.h"

#if GRAPHSIM_HAVE_IDENTITY
#include "Identity.h"
#endif
#if GRAPHSIM_HAVE_THROTTLE
#include "Throttle.h"
#endif

namespace calconn::graphsim {

namespace {
SimResponse jsonResponse(int status, std::string body) {
    SimResponse r;
    r.status = status;
    r.headers["Content-Type"] = "application/json";
    r.body = std::move(body);
    return r;
}

Poco::JSON::Object::Ptr parseObject(const std::string& body) {
    if (body.empty()) return new Poco::JSON::Object();
    try {
        Poco::JSON::Parser parser;
        auto v = parser.parse(body);
        return v.extract<Poco::JSON::Object::Ptr>();
    } catch (const Poco::Exception&) {
        return nullptr;
    }
}
}  // namespace

struct Auth::Impl {
    AuthConfig config;
    const common::Clock& clock;
#if GRAPHSIM_HAVE_IDENTITY
    std::unique_ptr<IdentityPlatform> identity;
#else
    mutable std::mutex mutex;
    std::set<std::string> tokens;
    std::atomic<std::uint64_t> issued{0};
#endif
#if GRAPHSIM_HAVE_THROTTLE
    std::unique_ptr<Throttle> throttle;
#endif
    Impl(AuthConfig c, const common::Clock& k) : config(std::move(c)), clock(k) {}
};

Auth::Auth(AuthConfig config, const common::Clock& clock)
    : impl_(std::make_unique<Impl>(std::move(config), clock)) {
#if GRAPHSIM_HAVE_IDENTITY
    IdentityConfig ic;
    ic.tenant_id = impl_->config.tenant_id;
    ic.client_id = impl_->config.client_id;
    ic.client_secret = impl_->config.client_secret;
    ic.client_cert_pem = impl_->config.client_cert_pem;
    ic.clock = &clock;
    ic.users = impl_->config.users;
    impl_->identity = std::make_unique<IdentityPlatform>(std::move(ic));
#endif
#if GRAPHSIM_HAVE_THROTTLE
    impl_->throttle = std::make_unique<Throttle>(Throttle::Limits{}, &clock, impl_->config.seed);
#endif
}

Auth::~Auth() = default;

void Auth::setBaseUrl(const std::string& base_url) {
#if GRAPHSIM_HAVE_IDENTITY
    impl_->identity->setIssuerBaseUrl(base_url);
#else
    (void)base_url;
#endif
}

bool Auth::handlesIdentity(const std::string& method, const std::string& path) const {
#if GRAPHSIM_HAVE_IDENTITY
    return impl_->identity->handles(method, path);
#else
    const std::string suffix = "/oauth2/v2.0/token";
    return method == "POST" && path.size() > suffix.size() &&
           path.compare(path.size() - suffix.size(), suffix.size(), suffix) == 0;
#endif
}

SimResponse Auth::handleIdentity(const SimRequest& request) {
#if GRAPHSIM_HAVE_IDENTITY
    return impl_->identity->handle(request);
#else
    auto form = parseQuery(request.body);
    if (form["client_id"] != impl_->config.client_id ||
        form["client_secret"] != impl_->config.client_secret) {
        return jsonResponse(401, "{\"error\":\"invalid_client\",\"error_description\":\"AADSTS7000215: "
                                 "Invalid client secret provided.\",\"error_codes\":[7000215]}");
    }
    std::string token = "graphsim." + std::to_string(++impl_->issued) + "." + impl_->config.tenant_id;
    {
        std::lock_guard lock(impl_->mutex);
        impl_->tokens.insert(token);
    }
    JsonWriter w;
    w.beginObject().field("token_type", "Bearer").field("expires_in", 3599)
        .field("ext_expires_in", 3599).field("access_token", token).endObject();
    return jsonResponse(200, w.take());
#endif
}

common::Result<AuthClaims> Auth::validate(const std::string& authorization_header) const {
#if GRAPHSIM_HAVE_IDENTITY
    auto claims = impl_->identity->validateAccessToken(authorization_header);
    if (!claims) return claims.error();
    AuthClaims out;
    out.app_id = claims->app_id;
    out.subject_upn = claims->subject_upn;
    out.roles = claims->roles;
    out.scopes = claims->scopes;
    return out;
#else
    const std::string prefix = "Bearer ";
    if (authorization_header.size() <= prefix.size() ||
        authorization_header.compare(0, prefix.size(), prefix) != 0)
        return common::makeError(common::ErrorCode::Unauthenticated, "Access token is empty.");
    std::lock_guard lock(impl_->mutex);
    if (!impl_->tokens.count(authorization_header.substr(prefix.size())))
        return common::makeError(common::ErrorCode::Unauthenticated, "Access token validation failure.");
    AuthClaims out;
    out.app_id = impl_->config.client_id;
    out.roles = {"Calendars.ReadWrite"};
    return out;
#endif
}

std::string Auth::wwwAuthenticate() const {
#if GRAPHSIM_HAVE_IDENTITY
    return impl_->identity->wwwAuthenticate();
#else
    return "Bearer realm=\"\", authorization_uri=\"https://login.microsoftonline.com/common/oauth2/authorize\"";
#endif
}

AdmitDecision Auth::enter(const std::string& app_id, const std::string& mailbox_id) {
    AdmitDecision out;
#if GRAPHSIM_HAVE_THROTTLE
    auto d = impl_->throttle->enter(app_id, mailbox_id);
    out.allowed = d.allowed;
    out.retry_after = d.retry_after;
    out.error_code = d.error_code;
    out.error_message = d.error_message;
#else
    (void)app_id;
    (void)mailbox_id;
#endif
    return out;
}

void Auth::leave(const std::string& app_id, const std::string& mailbox_id) {
#if GRAPHSIM_HAVE_THROTTLE
    impl_->throttle->leave(app_id, mailbox_id);
#else
    (void)app_id;
    (void)mailbox_id;
#endif
}

SimResponse Auth::control(const SimRequest& request, const std::vector<std::string>& parts) {
    // parts: ["identity", action] or ["throttle", action]
    auto body = parseObject(request.body);
    if (!body) return jsonResponse(400, "{\"error\":\"invalid json\"}");
    const std::string area = parts.size() > 0 ? parts[0] : "";
    const std::string action = parts.size() > 1 ? parts[1] : "";
#if GRAPHSIM_HAVE_IDENTITY
    if (area == "identity") {
        auto& id = *impl_->identity;
        if (request.method == "GET") return jsonResponse(200, id.controlJson());
        if (action == "revoke") {
            id.revokeRefreshTokens(body->optValue<std::string>("upn", ""));
            return jsonResponse(200, "{}");
        }
        if (action == "consent") {
            id.scriptConsent(body->optValue<std::string>("upn", ""), body->optValue<bool>("grant", true));
            return jsonResponse(200, "{}");
        }
        if (action == "adminconsent") {
            id.setAdminConsent(body->optValue<bool>("grant", true));
            return jsonResponse(200, "{}");
        }
        if (action == "error") {
            id.injectTokenError(body->optValue<int>("code", 0), body->optValue<int>("count", 1));
            return jsonResponse(200, "{}");
        }
    }
#endif
#if GRAPHSIM_HAVE_THROTTLE
    if (area == "throttle") {
        auto& t = *impl_->throttle;
        if (request.method == "GET") return jsonResponse(200, t.controlJson());
        if (action == "reset") {
            t.reset();
            return jsonResponse(200, "{}");
        }
        if (action == "limits") {
            auto limits = t.limits();
            limits.max_concurrent_per_mailbox =
                body->optValue<int>("maxConcurrent", limits.max_concurrent_per_mailbox);
            limits.requests_per_10min = body->optValue<int>("budget", limits.requests_per_10min);
            const std::string style = body->optValue<std::string>("retryAfter", "");
            if (style == "integer") limits.retry_after_style = Throttle::RetryAfterStyle::Integer;
            else if (style == "fractional") limits.retry_after_style = Throttle::RetryAfterStyle::Fractional;
            else if (style == "absent") limits.retry_after_style = Throttle::RetryAfterStyle::Absent;
            else if (style == "mixed") limits.retry_after_style = Throttle::RetryAfterStyle::Mixed;
            t.setLimits(limits);
            return jsonResponse(200, "{}");
        }
    }
#endif
    (void)action;
    return jsonResponse(404, "{\"error\":\"unknown control endpoint (" + area + " not built in)\"}");
}

std::string Auth::countersJson() const {
    std::string out = "{";
#if GRAPHSIM_HAVE_IDENTITY
    out += "\"identity\":" + impl_->identity->controlJson();
#endif
#if GRAPHSIM_HAVE_THROTTLE
#if GRAPHSIM_HAVE_IDENTITY
    out += ",";
#endif
    out += "\"throttle\":" + impl_->throttle->controlJson();
#endif
    out += "}";
    return out;
}

}  // namespace calconn::graphsim
