// JSON Web Tokens for graphsim's identity platform: base64url, RS256/PS256 signing and checking
// with OpenSSL EVP, certificate thumbprints (x5t, x5t#S256), and a helper that makes the
// certificate client assertion a confidential client sends to the token endpoint.
#pragma once

#include <Poco/JSON/Object.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "common/Clock.h"
#include "common/Result.h"

struct evp_pkey_st;  // OpenSSL's EVP_PKEY, kept out of this header

namespace calconn::graphsim {

// Base64url without padding (RFC 7515 §2).
std::string base64UrlEncode(std::string_view bytes);
// Accepts base64url or standard base64, padded or not; nullopt on a character outside both
// alphabets or an impossible length.
std::optional<std::string> base64Decode(std::string_view text);
std::string base64StdEncode(std::string_view bytes);

enum class JwtAlg { RS256, PS256 };
std::optional<JwtAlg> jwtAlgFromName(std::string_view name);
const char* jwtAlgName(JwtAlg alg);

// An RSA key pair or public key. Copies share the underlying key (it is immutable).
class RsaKey {
public:
    static common::Result<RsaKey> generate(int bits = 2048);
    static common::Result<RsaKey> fromPrivateKeyPem(const std::string& pem);
    // The public key of an X.509 certificate in PEM.
    static common::Result<RsaKey> fromCertificatePem(const std::string& pem);

    bool hasPrivateKey() const { return has_private_; }
    std::string privateKeyPem() const;  // empty when there is no private key
    // base64url SHA-256 of the DER public key, shortened; used as a stable "kid".
    std::string keyId() const;
    // The public modulus and exponent, base64url, as a JWK carries them ("n", "e").
    std::pair<std::string, std::string> publicJwkParams() const;

    common::Result<std::string> sign(JwtAlg alg, std::string_view data) const;
    bool verify(JwtAlg alg, std::string_view data, std::string_view signature) const;

    evp_pkey_st* raw() const { return key_.get(); }

private:
    RsaKey(std::shared_ptr<evp_pkey_st> key, bool has_private)
        : key_(std::move(key)), has_private_(has_private) {}
    std::shared_ptr<evp_pkey_st> key_;
    bool has_private_ = false;
};

struct CertificateThumbprints {
    std::string x5t;       // base64url SHA-1 of the DER certificate
    std::string x5t_s256;  // base64url SHA-256 of the DER certificate
    std::string sha1_hex;  // upper-case hex SHA-1, as the Azure portal shows it
};
common::Result<CertificateThumbprints> certificateThumbprints(const std::string& cert_pem);

// A decoded compact JWS. Nothing is verified by decodeJwt except its shape.
struct DecodedJwt {
    Poco::JSON::Object::Ptr header;
    Poco::JSON::Object::Ptr payload;
    std::string signing_input;  // "<b64 header>.<b64 payload>"
    std::string signature;      // raw bytes
};
common::Result<DecodedJwt> decodeJwt(std::string_view token);

// Serialises header and payload, sets header "alg" to `alg`, signs with `key`.
common::Result<std::string> encodeJwt(Poco::JSON::Object header, const Poco::JSON::Object& payload,
                                      JwtAlg alg, const RsaKey& key);

// A self-signed certificate and its private key, both PEM; for tests and the demo.
struct SelfSignedCertificate {
    std::string key_pem;
    std::string cert_pem;
};
common::Result<SelfSignedCertificate> makeSelfSignedCertificate(const std::string& common_name,
                                                                int days = 365, int bits = 2048);

struct ClientAssertionOptions {
    std::string client_id;  // iss and sub
    std::string audience;   // the token endpoint URL
    common::TimePoint now;  // iat and nbf
    std::chrono::seconds lifetime{600};
    JwtAlg alg = JwtAlg::RS256;
    bool use_x5t_s256 = false;       // header carries x5t#S256 instead of x5t
    std::optional<std::string> jti;  // default: a fresh GUID; "" leaves the claim out
};
// The private_key_jwt client assertion of the client credentials grant (graph.md §10).
common::Result<std::string> makeClientAssertion(const std::string& private_key_pem,
                                                const std::string& cert_pem,
                                                const ClientAssertionOptions& options);

// A random version-4 GUID in lower case.
std::string randomGuid();
// `bytes` random bytes, base64url encoded.
std::string randomToken(std::size_t bytes);
std::string sha256(std::string_view data);  // raw digest

}  // namespace calconn::graphsim
