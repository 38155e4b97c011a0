#include "Server.h"

#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Net/SecureStreamSocketImpl.h>
#include <Poco/StreamCopier.h>
#include <Poco/ThreadPool.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <mutex>
#include <thread>

namespace calconn::roomsim {

namespace {

void abortConnection(Poco::Net::HTTPServerRequest& request) {
    auto* impl = dynamic_cast<Poco::Net::HTTPServerRequestImpl*>(&request);
    if (!impl) return;
    Poco::Net::StreamSocket& socket = impl->socket();
    if (auto* secure = dynamic_cast<Poco::Net::SecureStreamSocketImpl*>(socket.impl())) {
        secure->abort();
    } else {
        socket.close();
    }
}

class Handler final : public Poco::Net::HTTPRequestHandler {
public:
    explicit Handler(RoomSim& sim) : sim_(sim) {}

    void handleRequest(Poco::Net::HTTPServerRequest& request,
                       Poco::Net::HTTPServerResponse& response) override {
        SimRequest sr;
        sr.method = request.getMethod();
        const std::string& uri = request.getURI();
        const std::size_t q = uri.find('?');
        sr.path = uri.substr(0, q);
        if (q != std::string::npos) sr.query = uri.substr(q + 1);
        for (const auto& [name, value] : request) {
            std::string lower = name;
            std::transform(lower.begin(), lower.end(), lower.begin(),
                           [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
            auto it = sr.headers.find(lower);
            if (it == sr.headers.end())
                sr.headers.emplace(lower, value);
            else
                it->second += "; " + value;
        }
        if (request.hasContentLength() ? request.getContentLength() > 0
                                       : request.getChunkedTransferEncoding()) {
            Poco::StreamCopier::copyToString(request.stream(), sr.body);
        }
        SimResponse r = sim_.handle(sr);
        // The simulated device is slow or hangs; this is the peer's thread, not a test's.
        if (r.latency.count() > 0) std::this_thread::sleep_for(r.latency);
        if (r.reset_connection) {
            response.setKeepAlive(false);
            abortConnection(request);
            return;
        }
        response.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(r.status));
        for (const auto& [name, value] : r.headers) response.add(name, value);
        if (r.status == 204) {
            response.setContentLength(0);
            response.send();
            return;
        }
        response.setContentLength(static_cast<std::streamsize>(r.body.size()));
        response.sendBuffer(r.body.data(), r.body.size());
    }

private:
    RoomSim& sim_;
};

class Factory final : public Poco::Net::HTTPRequestHandlerFactory {
public:
    explicit Factory(RoomSim& sim) : sim_(sim) {}
    Poco::Net::HTTPRequestHandler* createRequestHandler(
        const Poco::Net::HTTPServerRequest&) override {
        return new Handler(sim_);
    }

private:
    RoomSim& sim_;
};

struct PkeyFree {
    void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct X509Free {
    void operator()(X509* p) const { X509_free(p); }
};
struct FileClose {
    void operator()(FILE* f) const { std::fclose(f); }
};

bool addExtension(X509* cert, int nid, const char* value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    if (!ext) return false;
    const bool ok = X509_add_ext(cert, ext, -1) == 1;
    X509_EXTENSION_free(ext);
    return ok;
}

}  // namespace

common::Result<std::pair<std::string, std::string>> generateSelfSigned(const std::string& dir) {
    auto fail = [](const std::string& what) {
        return common::makeError(common::ErrorCode::Crypto, what + " failed",
                                 "self-signed certificate");
    };
    ::mkdir(dir.c_str(), 0700);
    std::unique_ptr<EVP_PKEY, PkeyFree> key(EVP_EC_gen("P-256"));
    if (!key) return fail("key generation");
    std::unique_ptr<X509, X509Free> cert(X509_new());
    X509_set_version(cert.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), 60L * 60 * 24 * 365);
    X509_set_pubkey(cert.get(), key.get());
    X509_NAME* name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("roomsim"), -1, -1, 0);
    X509_set_issuer_name(cert.get(), name);
    if (!addExtension(cert.get(), NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost"))
        return fail("extension");
    if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) return fail("signing");
    const std::string cert_file = dir + "/roomsim.pem";
    const std::string key_file = dir + "/roomsim.key";
    {
        std::unique_ptr<FILE, FileClose> f(std::fopen(cert_file.c_str(), "w"));
        if (!f || PEM_write_X509(f.get(), cert.get()) != 1) return fail("writing the certificate");
    }
    {
        std::unique_ptr<FILE, FileClose> f(std::fopen(key_file.c_str(), "w"));
        if (!f ||
            PEM_write_PrivateKey(f.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
            return fail("writing the key");
        }
        ::chmod(key_file.c_str(), 0600);
    }
    return std::make_pair(cert_file, key_file);
}

Server::Server(RoomSim& sim, ServerConfig config) : sim_(sim), config_(std::move(config)) {}

Server::~Server() { stop(); }

common::Status Server::start() {
    static std::once_flag ssl_once;
    std::call_once(ssl_once, [] { Poco::Net::initializeSSL(); });
    try {
        Poco::Net::Context::Ptr context = new Poco::Net::Context(
            Poco::Net::Context::TLS_SERVER_USE, config_.key_file, config_.cert_file, "",
            Poco::Net::Context::VERIFY_NONE, 9, false, "ECDHE+AESGCM:ECDHE+CHACHA20:!aNULL:!MD5");
        context->disableProtocols(
            Poco::Net::Context::PROTO_SSLV2 | Poco::Net::Context::PROTO_SSLV3 |
            Poco::Net::Context::PROTO_TLSV1 | Poco::Net::Context::PROTO_TLSV1_1);
        context->enableSessionCache(true, "roomsim");
        Poco::Net::SecureServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", config_.port),
                                             64, context);
        port_ = socket.address().port();
        auto* params = new Poco::Net::HTTPServerParams();
        params->setMaxThreads(config_.threads);
        params->setMaxQueued(256);
        params->setKeepAlive(true);
        params->setKeepAliveTimeout(Poco::Timespan(10, 0));
        params->setTimeout(Poco::Timespan(30, 0));
        params->setServerName("roomsim");
        pool_ = std::make_unique<Poco::ThreadPool>(2, config_.threads + 2);
        server_ =
            std::make_unique<Poco::Net::HTTPServer>(new Factory(sim_), *pool_, socket, params);
        server_->start();
    } catch (const Poco::Exception& e) {
        return common::makeError(common::ErrorCode::Io,
                                 "cannot start https server: " + e.displayText());
    }
    return {};
}

void Server::stop() {
    if (server_) {
        server_->stopAll(true);
        server_.reset();
        pool_->joinAll();
        pool_.reset();
    }
}

std::string Server::baseUrl() const { return "https://127.0.0.1:" + std::to_string(port_); }

}  // namespace calconn::roomsim
