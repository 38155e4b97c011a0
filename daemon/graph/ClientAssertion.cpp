#include "graph/ClientAssertion.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "crypto/Random.h"

namespace calconn::graph {

using common::ErrorCode;
using common::makeError;
using common::Result;

namespace {

struct BioFree {
    void operator()(BIO* p) const { BIO_free(p); }
};
struct X509Free {
    void operator()(X509* p) const { X509_free(p); }
};
struct PkeyFree {
    void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct MdCtxFree {
    void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
};

Result<std::string> readFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return makeError(ErrorCode::Config, "cannot read file", path);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

constexpr char kB64Url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

}  // namespace

std::string base64UrlEncode(std::string_view bytes) {
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    std::size_t i = 0;
    const auto* b = reinterpret_cast<const unsigned char*>(bytes.data());
    for (; i + 2 < bytes.size(); i += 3) {
        const unsigned v = (b[i] << 16) | (b[i + 1] << 8) | b[i + 2];
        out += kB64Url[(v >> 18) & 63];
        out += kB64Url[(v >> 12) & 63];
        out += kB64Url[(v >> 6) & 63];
        out += kB64Url[v & 63];
    }
    if (i + 1 == bytes.size()) {
        const unsigned v = b[i] << 16;
        out += kB64Url[(v >> 18) & 63];
        out += kB64Url[(v >> 12) & 63];
    } else if (i + 2 == bytes.size()) {
        const unsigned v = (b[i] << 16) | (b[i + 1] << 8);
        out += kB64Url[(v >> 18) & 63];
        out += kB64Url[(v >> 12) & 63];
        out += kB64Url[(v >> 6) & 63];
    }
    return out;
}

Result<std::string> base64UrlDecode(std::string_view text) {
    while (!text.empty() && text.back() == '=') text.remove_suffix(1);
    if (text.size() % 4 == 1)
        return makeError(ErrorCode::InvalidArgument, "invalid base64url length");
    std::string out;
    unsigned buffer = 0;
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
            return makeError(ErrorCode::InvalidArgument, "invalid base64url character");
        buffer = (buffer << 6) | static_cast<unsigned>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((buffer >> bits) & 0xff);
        }
    }
    return out;
}

std::string randomGuid() {
    std::array<std::uint8_t, 16> b{};
    if (!crypto::randomBytes(b)) std::abort();  // the DRBG failing is not recoverable
    b[6] = static_cast<std::uint8_t>((b[6] & 0x0f) | 0x40);
    b[8] = static_cast<std::uint8_t>((b[8] & 0x3f) | 0x80);
    char out[37];
    std::snprintf(out, sizeof out,
                  "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
                  b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
                  b[14], b[15]);
    return out;
}


struct ClientCertificate::Impl {
    std::unique_ptr<EVP_PKEY, PkeyFree> key;
};

ClientCertificate::ClientCertificate(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ClientCertificate::~ClientCertificate() = default;

Result<std::shared_ptr<const ClientCertificate>> ClientCertificate::load(
    const std::string& certificate_file, const std::string& private_key_file) {
    auto cert = readFile(certificate_file);
    if (!cert) return cert.error();
    auto key = readFile(private_key_file);
    if (!key) return key.error();
    auto result = fromPem(*cert, *key);
    // The key text is a secret: wipe our copy.
    OPENSSL_cleanse(key->data(), key->size());
    if (!result) {
        auto error = result.error();
        error.context = certificate_file;
        return error;
    }
    return result;
}

Result<std::shared_ptr<const ClientCertificate>> ClientCertificate::fromPem(
    std::string_view certificate_pem, std::string_view private_key_pem) {
    std::unique_ptr<BIO, BioFree> cert_bio(
        BIO_new_mem_buf(certificate_pem.data(), static_cast<int>(certificate_pem.size())));
    std::unique_ptr<X509, X509Free> x509(
        PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr));
    if (!x509) return makeError(ErrorCode::Config, "certificate is not a pem x509 certificate");
    std::unique_ptr<BIO, BioFree> key_bio(
        BIO_new_mem_buf(private_key_pem.data(), static_cast<int>(private_key_pem.size())));
    auto impl = std::make_unique<Impl>();
    impl->key.reset(PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr));
    if (!impl->key) return makeError(ErrorCode::Config, "private key is not a readable pem key");
    if (EVP_PKEY_get_base_id(impl->key.get()) != EVP_PKEY_RSA) {
        return makeError(ErrorCode::Config, "private key is not rsa (rs256/ps256 need rsa)");
    }
    if (X509_check_private_key(x509.get(), impl->key.get()) != 1) {
        return makeError(ErrorCode::Config, "private key does not match the certificate");
    }
    unsigned char* der = nullptr;
    const int der_len = i2d_X509(x509.get(), &der);
    if (der_len <= 0) return makeError(ErrorCode::Crypto, "cannot encode the certificate");
    unsigned char sha1[EVP_MAX_MD_SIZE], sha256[EVP_MAX_MD_SIZE];
    unsigned sha1_len = 0, sha256_len = 0;
    const bool ok = EVP_Digest(der, static_cast<std::size_t>(der_len), sha1, &sha1_len, EVP_sha1(),
                               nullptr) == 1 &&
                    EVP_Digest(der, static_cast<std::size_t>(der_len), sha256, &sha256_len,
                               EVP_sha256(), nullptr) == 1;
    OPENSSL_free(der);
    if (!ok) return makeError(ErrorCode::Crypto, "cannot hash the certificate");
    std::shared_ptr<ClientCertificate> out(new ClientCertificate(std::move(impl)));
    out->x5t_ = base64UrlEncode(std::string_view(reinterpret_cast<char*>(sha1), sha1_len));
    out->x5t_s256_ = base64UrlEncode(std::string_view(reinterpret_cast<char*>(sha256), sha256_len));
    return std::shared_ptr<const ClientCertificate>(std::move(out));
}

Result<std::string> ClientCertificate::sign(JwtAlgorithm algorithm, std::string_view input) const {
    std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
    EVP_PKEY_CTX* pctx = nullptr;
    if (!ctx ||
        EVP_DigestSignInit(ctx.get(), &pctx, EVP_sha256(), nullptr, impl_->key.get()) != 1) {
        return makeError(ErrorCode::Crypto, "cannot start signing");
    }
    if (algorithm == JwtAlgorithm::PS256 &&
        (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
         EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1)) {
        return makeError(ErrorCode::Crypto, "cannot select pss padding");
    }
    std::size_t length = 0;
    const auto* data = reinterpret_cast<const unsigned char*>(input.data());
    if (EVP_DigestSign(ctx.get(), nullptr, &length, data, input.size()) != 1) {
        return makeError(ErrorCode::Crypto, "cannot size the signature");
    }
    std::string signature(length, '\0');
    if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &length, data,
                       input.size()) != 1) {
        return makeError(ErrorCode::Crypto, "signing failed");
    }
    signature.resize(length);
    return signature;
}

Result<std::string> makeClientAssertion(const ClientCertificate& certificate,
                                        const AssertionParams& params) {
    if (params.client_id.empty() || params.audience.empty()) {
        return makeError(ErrorCode::InvalidArgument,
                         "client assertion needs client id and audience");
    }
    const char* alg = params.algorithm == JwtAlgorithm::PS256 ? "PS256" : "RS256";
    const std::string header = std::string("{\"alg\":\"") + alg +
                               "\",\"typ\":\"JWT\",\"x5t#S256\":\"" + certificate.x5tS256() +
                               "\",\"x5t\":\"" + certificate.x5t() + "\"}";
    const auto now =
        std::chrono::duration_cast<std::chrono::seconds>(params.now.time_since_epoch()).count();
    const std::string jti = params.jti.empty() ? randomGuid() : params.jti;
    const std::string claims = "{\"aud\":\"" + jsonEscape(params.audience) + "\",\"iss\":\"" +
                               jsonEscape(params.client_id) + "\",\"sub\":\"" +
                               jsonEscape(params.client_id) + "\",\"jti\":\"" + jsonEscape(jti) +
                               "\",\"nbf\":" + std::to_string(now) +
                               ",\"iat\":" + std::to_string(now) +
                               ",\"exp\":" + std::to_string(now + params.lifetime.count()) + "}";
    std::string signing_input = base64UrlEncode(header) + "." + base64UrlEncode(claims);
    auto signature = certificate.sign(params.algorithm, signing_input);
    if (!signature) return signature.error();
    return signing_input + "." + base64UrlEncode(*signature);
}

}  // namespace calconn::graph
