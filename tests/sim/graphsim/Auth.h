// Adapter between the Graph endpoints and the identity platform / throttling components. It
// compiles against Identity.h and Throttle.h when they are built in (GRAPHSIM_HAVE_*), and
// otherwise falls back to a minimal bearer check and no throttling so graphsim always builds.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "SimHttp.h"
#include "common/Clock.h"
#include "common/Result.h"

namespace calconn::graphsim {

struct AuthConfig {
    std::string tenant_id;
    std::string client_id;
    std::string client_secret;
    std::string client_cert_pem;
    std::vector<std::string> users;  // UPNs that may sign in (delegated flows)
    std::uint64_t seed = 0;
};

struct AuthClaims {
    std::string app_id;
    std::string subject_upn;  // empty for app-only tokens
    std::vector<std::string> roles;
    std::vector<std::string> scopes;
};

struct AdmitDecision {
    bool allowed = true;
    std::optional<std::string> retry_after;
    std::string error_code;
    std::string error_message;
};

class Auth {
public:
    Auth(AuthConfig config, const common::Clock& clock);
    ~Auth();

    void setBaseUrl(const std::string& base_url);
    bool handlesIdentity(const std::string& method, const std::string& path) const;
    SimResponse handleIdentity(const SimRequest& request);

    // On failure the error message is the Graph 401 message.
    common::Result<AuthClaims> validate(const std::string& authorization_header) const;
    std::string wwwAuthenticate() const;

    AdmitDecision enter(const std::string& app_id, const std::string& mailbox_id);
    void leave(const std::string& app_id, const std::string& mailbox_id);

    // /_sim/identity/... and /_sim/throttle/... control hooks; parts exclude "_sim".
    SimResponse control(const SimRequest& request, const std::vector<std::string>& parts);
    std::string countersJson() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace calconn::graphsim
