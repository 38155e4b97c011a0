// Certificate credentials for the identity platform: a client assertion JWT (RFC 7523) signed
// with the application's private key, carrying the certificate thumbprints (x5t#S256 and x5t)
// so the platform finds the registered key. OpenSSL stays inside the .cpp.
#pragma once

#include "common/JsonString.h"

#include <memory>
#include <string>
#include <string_view>

#include "common/Clock.h"
#include "common/Result.h"

namespace calconn::graph {

enum class JwtAlgorithm { RS256, PS256 };

std::string base64UrlEncode(std::string_view bytes);
common::Result<std::string> base64UrlDecode(std::string_view text);
// A random version-4 GUID (jti, client-request-id).
std::string randomGuid();

class ClientCertificate {
public:
    // PEM certificate and PEM private key (RSA, unencrypted). Config error when unreadable,
    // not RSA, or when the key does not belong to the certificate.
    static common::Result<std::shared_ptr<const ClientCertificate>> load(
        const std::string& certificate_file, const std::string& private_key_file);
    static common::Result<std::shared_ptr<const ClientCertificate>> fromPem(
        std::string_view certificate_pem, std::string_view private_key_pem);
    ~ClientCertificate();

    // base64url of the SHA-1 and SHA-256 digests of the DER certificate.
    const std::string& x5t() const { return x5t_; }
    const std::string& x5tS256() const { return x5t_s256_; }

    // Raw signature over `input` (PKCS#1 v1.5 for RS256, PSS with salt = digest length for PS256).
    common::Result<std::string> sign(JwtAlgorithm algorithm, std::string_view input) const;

    ClientCertificate(const ClientCertificate&) = delete;
    ClientCertificate& operator=(const ClientCertificate&) = delete;

private:
    struct Impl;
    explicit ClientCertificate(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
    std::string x5t_;
    std::string x5t_s256_;
};

struct AssertionParams {
    std::string client_id;
    std::string audience;  // the token endpoint URL
    common::TimePoint now;
    std::chrono::seconds lifetime{600};
    JwtAlgorithm algorithm = JwtAlgorithm::RS256;
    std::string jti;  // empty = a fresh random GUID
};

// header.claims.signature, each base64url without padding.
common::Result<std::string> makeClientAssertion(const ClientCertificate& certificate,
                                                const AssertionParams& params);

// Escapes a string for a JSON string literal (no surrounding quotes).
using common::jsonEscape;

}  // namespace calconn::graph
