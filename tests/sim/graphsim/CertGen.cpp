#include "CertGen.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <cstdio>
#include <memory>

namespace calconn::graphsim {

namespace {

struct PkeyFree {
    void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct X509Free {
    void operator()(X509* p) const { X509_free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;

common::Error sslError(const std::string& what) {
    return common::makeError(common::ErrorCode::Internal, what + " failed");
}

bool addExtension(X509* cert, X509* issuer, int nid, const char* value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    if (!ext) return false;
    const bool ok = X509_add_ext(cert, ext, -1) == 1;
    X509_EXTENSION_free(ext);
    return ok;
}

X509Ptr makeCert(EVP_PKEY* key, const char* cn, X509* issuer, EVP_PKEY* issuer_key, long serial, bool ca) {
    X509Ptr cert(X509_new());
    X509_set_version(cert.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), 60L * 60 * 24 * 825);
    X509_set_pubkey(cert.get(), key);
    X509_NAME* name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("graphsim test"), -1, -1, 0);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn), -1, -1, 0);
    X509* signer = issuer ? issuer : cert.get();
    X509_set_issuer_name(cert.get(), X509_get_subject_name(signer));
    bool ok = addExtension(cert.get(), signer, NID_subject_key_identifier, "hash");
    if (ca) {
        ok = ok && addExtension(cert.get(), signer, NID_basic_constraints, "critical,CA:TRUE") &&
             addExtension(cert.get(), signer, NID_key_usage, "critical,keyCertSign,cRLSign");
    } else {
        ok = ok && addExtension(cert.get(), signer, NID_basic_constraints, "critical,CA:FALSE") &&
             addExtension(cert.get(), signer, NID_key_usage, "critical,digitalSignature,keyEncipherment") &&
             addExtension(cert.get(), signer, NID_ext_key_usage, "serverAuth") &&
             addExtension(cert.get(), signer, NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost") &&
             addExtension(cert.get(), signer, NID_authority_key_identifier, "keyid:always");
    }
    if (!ok || X509_sign(cert.get(), issuer_key, EVP_sha256()) == 0) return nullptr;
    return cert;
}

bool writePem(const std::string& path, X509* cert, EVP_PKEY* key) {
    FILE* f = std::fopen(path.c_str(), "w");
    if (!f) return false;
    bool ok = cert ? PEM_write_X509(f, cert) == 1 : PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr) == 1;
    ok = std::fclose(f) == 0 && ok;
    if (key) ::chmod(path.c_str(), 0600);
    return ok;
}

}  // namespace

common::Result<TestPki> generateTestPki(const std::string& dir) {
    ::mkdir(dir.c_str(), 0700);
    PkeyPtr ca_key(EVP_EC_gen("P-256"));
    PkeyPtr server_key(EVP_EC_gen("P-256"));
    if (!ca_key || !server_key) return sslError("key generation");
    X509Ptr ca = makeCert(ca_key.get(), "graphsim test CA", nullptr, ca_key.get(), 1, true);
    if (!ca) return sslError("CA certificate");
    X509Ptr server = makeCert(server_key.get(), "127.0.0.1", ca.get(), ca_key.get(), 2, false);
    if (!server) return sslError("server certificate");
    TestPki pki{dir + "/ca.pem", dir + "/ca.key", dir + "/server.pem", dir + "/server.key"};
    if (!writePem(pki.ca_cert_file, ca.get(), nullptr) || !writePem(pki.ca_key_file, nullptr, ca_key.get()) ||
        !writePem(pki.server_cert_file, server.get(), nullptr) ||
        !writePem(pki.server_key_file, nullptr, server_key.get()))
        return common::makeError(common::ErrorCode::Internal, "cannot write test PKI files", dir);
    return pki;
}

}  // namespace calconn::graphsim
