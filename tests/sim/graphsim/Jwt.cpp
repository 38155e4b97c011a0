#include "Jwt.h"

#include <Poco/Exception.h>
#include <Poco/JSON/Parser.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <array>
#include <cstring>
#include <sstream>

namespace calconn::graphsim {

namespace {

using common::ErrorCode;
using common::makeError;

constexpr char kB64Url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr char kB64Std[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string base64Encode(std::string_view bytes, const char* alphabet, bool pad) {
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 2 < bytes.size(); i += 3) {
        unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) |
                     (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                     static_cast<unsigned char>(bytes[i + 2]);
        out += alphabet[(v >> 18) & 63];
        out += alphabet[(v >> 12) & 63];
        out += alphabet[(v >> 6) & 63];
        out += alphabet[v & 63];
    }
    std::size_t rest = bytes.size() - i;
    if (rest == 1) {
        unsigned v = static_cast<unsigned char>(bytes[i]) << 16;
        out += alphabet[(v >> 18) & 63];
        out += alphabet[(v >> 12) & 63];
        if (pad) out += "==";
    } else if (rest == 2) {
        unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) |
                     (static_cast<unsigned char>(bytes[i + 1]) << 8);
        out += alphabet[(v >> 18) & 63];
        out += alphabet[(v >> 12) & 63];
        out += alphabet[(v >> 6) & 63];
        if (pad) out += '=';
    }
    return out;
}

struct BioDeleter {
    void operator()(BIO* b) const { BIO_free(b); }
};
struct X509Deleter {
    void operator()(X509* x) const { X509_free(x); }
};
struct MdCtxDeleter {
    void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
struct PkeyCtxDeleter {
    void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};
using BioPtr = std::unique_ptr<BIO, BioDeleter>;
using X509Ptr = std::unique_ptr<X509, X509Deleter>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxDeleter>;

std::shared_ptr<evp_pkey_st> wrapKey(EVP_PKEY* key) {
    return std::shared_ptr<evp_pkey_st>(key, [](EVP_PKEY* k) { EVP_PKEY_free(k); });
}

X509Ptr readCertificate(const std::string& pem) {
    BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    if (!bio) return nullptr;
    return X509Ptr(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
}

std::string bioToString(BIO* bio) {
    char* data = nullptr;
    long len = BIO_get_mem_data(bio, &data);
    return std::string(data, static_cast<std::size_t>(len));
}

// JWS PSS uses MGF1 with the same hash and a salt as long as the hash (RFC 7518 §3.5).
bool configurePadding(EVP_PKEY_CTX* pctx, JwtAlg alg, bool verifying) {
    if (alg == JwtAlg::RS256) return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) > 0;
    if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) <= 0) return false;
    int salt = verifying ? RSA_PSS_SALTLEN_AUTO : RSA_PSS_SALTLEN_DIGEST;
    return EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, salt) > 0;
}

Poco::JSON::Object::Ptr parseObject(const std::string& json) {
    try {
        Poco::JSON::Parser parser;
        auto var = parser.parse(json);
        return var.extract<Poco::JSON::Object::Ptr>();
    } catch (const Poco::Exception&) {
        return nullptr;
    } catch (const std::exception&) {
        return nullptr;
    }
}

std::string stringify(const Poco::JSON::Object& obj) {
    std::ostringstream out;
    obj.stringify(out);
    return out.str();
}

}  // namespace

std::string base64UrlEncode(std::string_view bytes) { return base64Encode(bytes, kB64Url, false); }
std::string base64StdEncode(std::string_view bytes) { return base64Encode(bytes, kB64Std, true); }

std::optional<std::string> base64Decode(std::string_view text) {
    while (!text.empty() && text.back() == '=') text.remove_suffix(1);
    if (text.size() % 4 == 1) return std::nullopt;
    std::string out;
    out.reserve(text.size() * 3 / 4);
    unsigned acc = 0;
    int bits = 0;
    for (char c : text) {
        int v;
        if (c >= 'A' && c <= 'Z')
            v = c - 'A';
        else if (c >= 'a' && c <= 'z')
            v = c - 'a' + 26;
        else if (c >= '0' && c <= '9')
            v = c - '0' + 52;
        else if (c == '-' || c == '+')
            v = 62;
        else if (c == '_' || c == '/')
            v = 63;
        else
            return std::nullopt;
        acc = (acc << 6) | static_cast<unsigned>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((acc >> bits) & 0xFF);
        }
    }
    return out;
}

std::optional<JwtAlg> jwtAlgFromName(std::string_view name) {
    if (name == "RS256") return JwtAlg::RS256;
    if (name == "PS256") return JwtAlg::PS256;
    return std::nullopt;
}

const char* jwtAlgName(JwtAlg alg) { return alg == JwtAlg::RS256 ? "RS256" : "PS256"; }

common::Result<RsaKey> RsaKey::generate(int bits) {
    PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
    if (!ctx || EVP_PKEY_keygen_init(ctx.get()) <= 0 ||
        EVP_PKEY_CTX_set_rsa_keygen_bits(ctx.get(), bits) <= 0) {
        return makeError(ErrorCode::Crypto, "cannot set up rsa key generation");
    }
    EVP_PKEY* key = nullptr;
    if (EVP_PKEY_keygen(ctx.get(), &key) <= 0) {
        return makeError(ErrorCode::Crypto, "rsa key generation failed");
    }
    return RsaKey(wrapKey(key), true);
}

common::Result<RsaKey> RsaKey::fromPrivateKeyPem(const std::string& pem) {
    BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    EVP_PKEY* key = bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr;
    if (!key) return makeError(ErrorCode::Crypto, "cannot read private key pem");
    if (EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA) {
        EVP_PKEY_free(key);
        return makeError(ErrorCode::Crypto, "private key is not rsa");
    }
    return RsaKey(wrapKey(key), true);
}

common::Result<RsaKey> RsaKey::fromCertificatePem(const std::string& pem) {
    X509Ptr cert = readCertificate(pem);
    if (!cert) return makeError(ErrorCode::Crypto, "cannot read certificate pem");
    EVP_PKEY* key = X509_get_pubkey(cert.get());
    if (!key) return makeError(ErrorCode::Crypto, "certificate has no public key");
    if (EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA) {
        EVP_PKEY_free(key);
        return makeError(ErrorCode::Crypto, "certificate key is not rsa");
    }
    return RsaKey(wrapKey(key), false);
}

std::string RsaKey::privateKeyPem() const {
    if (!has_private_) return {};
    BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_PrivateKey(bio.get(), key_.get(), nullptr, nullptr, 0, nullptr,
                                         nullptr) != 1) {
        return {};
    }
    return bioToString(bio.get());
}

std::string RsaKey::keyId() const {
    unsigned char* der = nullptr;
    int len = i2d_PUBKEY(key_.get(), &der);
    if (len <= 0) return {};
    std::string digest =
        sha256(std::string_view(reinterpret_cast<char*>(der), static_cast<std::size_t>(len)));
    OPENSSL_free(der);
    return base64UrlEncode(std::string_view(digest).substr(0, 20));
}

std::pair<std::string, std::string> RsaKey::publicJwkParams() const {
    auto component = [this](const char* name) {
        BIGNUM* bn = nullptr;
        if (EVP_PKEY_get_bn_param(key_.get(), name, &bn) != 1 || !bn) return std::string();
        std::string bytes(static_cast<std::size_t>(BN_num_bytes(bn)), '\0');
        BN_bn2bin(bn, reinterpret_cast<unsigned char*>(bytes.data()));
        BN_free(bn);
        return base64UrlEncode(bytes);
    };
    return {component("n"), component("e")};
}

common::Result<std::string> RsaKey::sign(JwtAlg alg, std::string_view data) const {
    if (!has_private_) return makeError(ErrorCode::Crypto, "signing needs a private key");
    MdCtxPtr ctx(EVP_MD_CTX_new());
    EVP_PKEY_CTX* pctx = nullptr;
    if (!ctx || EVP_DigestSignInit(ctx.get(), &pctx, EVP_sha256(), nullptr, key_.get()) != 1 ||
        !configurePadding(pctx, alg, false)) {
        return makeError(ErrorCode::Crypto, "cannot set up signature");
    }
    std::size_t len = 0;
    auto in = reinterpret_cast<const unsigned char*>(data.data());
    if (EVP_DigestSign(ctx.get(), nullptr, &len, in, data.size()) != 1) {
        return makeError(ErrorCode::Crypto, "signature size query failed");
    }
    std::string sig(len, '\0');
    if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, in,
                       data.size()) != 1) {
        return makeError(ErrorCode::Crypto, "signing failed");
    }
    sig.resize(len);
    return sig;
}

bool RsaKey::verify(JwtAlg alg, std::string_view data, std::string_view signature) const {
    MdCtxPtr ctx(EVP_MD_CTX_new());
    EVP_PKEY_CTX* pctx = nullptr;
    if (!ctx || EVP_DigestVerifyInit(ctx.get(), &pctx, EVP_sha256(), nullptr, key_.get()) != 1 ||
        !configurePadding(pctx, alg, true)) {
        return false;
    }
    return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                            signature.size(), reinterpret_cast<const unsigned char*>(data.data()),
                            data.size()) == 1;
}

common::Result<CertificateThumbprints> certificateThumbprints(const std::string& cert_pem) {
    X509Ptr cert = readCertificate(cert_pem);
    if (!cert) return makeError(ErrorCode::Crypto, "cannot read certificate pem");
    std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
    unsigned int len = 0;
    CertificateThumbprints out;
    if (X509_digest(cert.get(), EVP_sha1(), md.data(), &len) != 1) {
        return makeError(ErrorCode::Crypto, "sha-1 thumbprint failed");
    }
    std::string sha1(reinterpret_cast<char*>(md.data()), len);
    out.x5t = base64UrlEncode(sha1);
    static constexpr char kHex[] = "0123456789ABCDEF";
    for (unsigned char c : sha1) {
        out.sha1_hex += kHex[c >> 4];
        out.sha1_hex += kHex[c & 15];
    }
    if (X509_digest(cert.get(), EVP_sha256(), md.data(), &len) != 1) {
        return makeError(ErrorCode::Crypto, "sha-256 thumbprint failed");
    }
    out.x5t_s256 = base64UrlEncode(std::string_view(reinterpret_cast<char*>(md.data()), len));
    return out;
}

common::Result<DecodedJwt> decodeJwt(std::string_view token) {
    auto first = token.find('.');
    if (first == std::string_view::npos) {
        return makeError(ErrorCode::InvalidArgument, "jwt has no dots");
    }
    auto second = token.find('.', first + 1);
    if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos) {
        return makeError(ErrorCode::InvalidArgument, "jwt is not three segments");
    }
    auto header = base64Decode(token.substr(0, first));
    auto payload = base64Decode(token.substr(first + 1, second - first - 1));
    auto signature = base64Decode(token.substr(second + 1));
    if (!header || !payload || !signature) {
        return makeError(ErrorCode::InvalidArgument, "jwt segment is not base64url");
    }
    DecodedJwt out;
    out.header = parseObject(*header);
    out.payload = parseObject(*payload);
    if (!out.header || !out.payload) {
        return makeError(ErrorCode::InvalidArgument, "jwt segment is not a json object");
    }
    out.signing_input = std::string(token.substr(0, second));
    out.signature = std::move(*signature);
    return out;
}

common::Result<std::string> encodeJwt(Poco::JSON::Object header, const Poco::JSON::Object& payload,
                                      JwtAlg alg, const RsaKey& key) {
    header.set("alg", std::string(jwtAlgName(alg)));
    std::string input = base64UrlEncode(stringify(header));
    input += '.';
    input += base64UrlEncode(stringify(payload));
    auto sig = key.sign(alg, input);
    if (!sig.ok()) return sig.error();
    input += '.';
    input += base64UrlEncode(*sig);
    return input;
}

common::Result<SelfSignedCertificate> makeSelfSignedCertificate(const std::string& common_name,
                                                                int days, int bits) {
    auto key = RsaKey::generate(bits);
    if (!key.ok()) return key.error();
    X509Ptr cert(X509_new());
    if (!cert) return makeError(ErrorCode::Crypto, "cannot allocate certificate");
    X509_set_version(cert.get(), 2);
    std::string serial = randomToken(12);
    ASN1_INTEGER_set(X509_get_serialNumber(cert.get()),
                     static_cast<long>(static_cast<unsigned char>(serial[0])) * 65536 +
                         static_cast<unsigned char>(serial[1]) * 256 + 1);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), static_cast<long>(days) * 24 * 3600);
    X509_set_pubkey(cert.get(), key->raw());
    X509_NAME* name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1,
                               0);
    X509_set_issuer_name(cert.get(), name);
    if (X509_sign(cert.get(), key->raw(), EVP_sha256()) <= 0) {
        return makeError(ErrorCode::Crypto, "certificate signing failed");
    }
    BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_X509(bio.get(), cert.get()) != 1) {
        return makeError(ErrorCode::Crypto, "cannot write certificate pem");
    }
    SelfSignedCertificate out;
    out.cert_pem = bioToString(bio.get());
    out.key_pem = key->privateKeyPem();
    return out;
}

common::Result<std::string> makeClientAssertion(const std::string& private_key_pem,
                                                const std::string& cert_pem,
                                                const ClientAssertionOptions& options) {
    auto key = RsaKey::fromPrivateKeyPem(private_key_pem);
    if (!key.ok()) return key.error();
    auto thumbs = certificateThumbprints(cert_pem);
    if (!thumbs.ok()) return thumbs.error();
    Poco::JSON::Object header(Poco::JSON_PRESERVE_KEY_ORDER);
    header.set("alg", std::string(jwtAlgName(options.alg)));
    header.set("typ", std::string("JWT"));
    if (options.use_x5t_s256) {
        header.set("x5t#S256", thumbs->x5t_s256);
    } else {
        header.set("x5t", thumbs->x5t);
    }
    auto now =
        std::chrono::duration_cast<std::chrono::seconds>(options.now.time_since_epoch()).count();
    Poco::JSON::Object payload(Poco::JSON_PRESERVE_KEY_ORDER);
    payload.set("aud", options.audience);
    payload.set("exp", static_cast<Poco::Int64>(now + options.lifetime.count()));
    payload.set("iss", options.client_id);
    std::string jti = options.jti ? *options.jti : randomGuid();
    if (!jti.empty()) payload.set("jti", jti);
    payload.set("nbf", static_cast<Poco::Int64>(now));
    payload.set("sub", options.client_id);
    payload.set("iat", static_cast<Poco::Int64>(now));
    return encodeJwt(std::move(header), payload, options.alg, *key);
}

std::string randomToken(std::size_t bytes) {
    std::string raw(bytes, '\0');
    if (RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(bytes)) != 1) {
        std::abort();  // no randomness: nothing sensible left to do
    }
    return base64UrlEncode(raw);
}

std::string randomGuid() {
    unsigned char b[16];
    if (RAND_bytes(b, sizeof b) != 1) std::abort();
    b[6] = static_cast<unsigned char>((b[6] & 0x0F) | 0x40);
    b[8] = static_cast<unsigned char>((b[8] & 0x3F) | 0x80);
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(36);
    for (int i = 0; i < 16; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
        out += kHex[b[i] >> 4];
        out += kHex[b[i] & 15];
    }
    return out;
}

std::string sha256(std::string_view data) {
    unsigned char md[32];
    unsigned int len = 0;
    EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
    return std::string(reinterpret_cast<char*>(md), len);
}

}  // namespace calconn::graphsim
