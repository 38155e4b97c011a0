#include "devices/DeviceHttpClient.h"

#include <Poco/Logger.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SSLException.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Net/SocketAddress.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cctype>
#include <cstdio>
#include <mutex>

#include "net/PocoHttpClient.h"

namespace calconn::devices {

namespace {

using common::ErrorCode;
using common::makeError;

Poco::Logger& logger() { return Poco::Logger::get("calconn.devices"); }

std::string derSha256(const X509* cert) {
    unsigned char* der = nullptr;
    const int len = i2d_X509(const_cast<X509*>(cert), &der);
    if (len <= 0) return {};
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int digest_len = 0;
    EVP_Digest(der, static_cast<std::size_t>(len), digest, &digest_len, EVP_sha256(), nullptr);
    OPENSSL_free(der);
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    for (unsigned int i = 0; i < digest_len; ++i) {
        out += kHex[digest[i] >> 4];
        out += kHex[digest[i] & 0x0f];
    }
    return out;
}

std::optional<std::string> normalisePin(const std::string& pin) {
    std::string out;
    for (const char c : pin) {
        if (c == ':') continue;
        if (!std::isxdigit(static_cast<unsigned char>(c))) return std::nullopt;
        out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    if (out.size() != 64) return std::nullopt;
    return out;
}

Poco::Timespan span(std::chrono::milliseconds ms) {
    return Poco::Timespan(static_cast<Poco::Timespan::TimeDiff>(ms.count()) * 1000);
}

// Called by OpenSSL instead of chain verification: the leaf must hash to the pin. Failing
// here aborts the handshake, so not a byte of the request (with its credentials) is written.
int verifyPin(X509_STORE_CTX* store, void* arg) {
    const auto* pin = static_cast<const std::string*>(arg);
    const X509* leaf = X509_STORE_CTX_get0_cert(store);
    if (!leaf) return 0;
    const std::string seen = derSha256(leaf);
    return seen.size() == pin->size() && CRYPTO_memcmp(seen.data(), pin->data(), pin->size()) == 0
               ? 1
               : 0;
}

// One TLS connection per request (device pushes are rare); certificate checked by the pin,
// or not at all when pin_ is empty (tls_verify: false).
class PinnedHttpClient final : public net::HttpClient {
public:
    PinnedHttpClient(std::string pin, DeviceTlsOptions options)
        : pin_(std::move(pin)), options_(std::move(options)) {
        context_ = new Poco::Net::Context(
            Poco::Net::Context::TLS_CLIENT_USE, "", "", "", Poco::Net::Context::VERIFY_NONE, 9,
            false, "ECDHE+AESGCM:ECDHE+CHACHA20:AES128-GCM-SHA256:AES256-GCM-SHA384");
        context_->requireMinimumProtocol(Poco::Net::Context::PROTO_TLSV1_2);
        context_->enableExtendedCertificateVerification(false);
        if (!pin_.empty()) {
            SSL_CTX_set_verify(context_->sslContext(), SSL_VERIFY_PEER, nullptr);
            SSL_CTX_set_cert_verify_callback(context_->sslContext(), verifyPin, &pin_);
        }
    }

    common::Result<net::HttpResponse> send(const net::HttpRequest& request) override {
        auto url = net::splitUrl(request.url);
        if (!url) return url.error();
        if (url->scheme != "https") {
            return makeError(ErrorCode::InvalidArgument, "device urls must be https", request.url);
        }
        const std::string where = url->host + ":" + std::to_string(url->port);
        const auto read_timeout =
            request.timeout.count() > 0 ? request.timeout : options_.read_timeout;
        Poco::Net::HTTPSClientSession session(url->host, url->port, context_);
        session.setTimeout(span(options_.connect_timeout), span(read_timeout), span(read_timeout));
        session.setKeepAlive(false);
        try {
            Poco::Net::HTTPRequest out(request.method, url->target,
                                       Poco::Net::HTTPMessage::HTTP_1_1);
            out.setHost(url->port == 443 ? url->host : where);
            out.setKeepAlive(false);
            for (const auto& [name, value] : request.headers.fields()) {
                if (net::equalsIgnoreCase(name, "Host") ||
                    net::equalsIgnoreCase(name, "Content-Length"))
                    continue;
                out.add(name, value);
            }
            out.setContentLength(static_cast<std::streamsize>(request.body.size()));
            std::ostream& body = session.sendRequest(out);
            body.write(request.body.data(), static_cast<std::streamsize>(request.body.size()));
            body.flush();
            Poco::Net::HTTPResponse in;
            std::istream& stream = session.receiveResponse(in);
            net::HttpResponse response;
            response.status = static_cast<int>(in.getStatus());
            response.reason = in.getReason();
            for (const auto& [name, value] : in) response.headers.add(name, value);
            char buffer[8192];
            constexpr std::size_t kMaxBody = 4 * 1024 * 1024;
            while (stream) {
                stream.read(buffer, sizeof buffer);
                response.body.append(buffer, static_cast<std::size_t>(stream.gcount()));
                if (response.body.size() > kMaxBody) {
                    return makeError(ErrorCode::Protocol, "device answer too large",
                                     std::string(net::kPhaseExchange) + " " + where);
                }
            }
            return response;
        } catch (const Poco::Net::SSLException& e) {
            if (!pin_.empty()) {
                return makeError(
                    ErrorCode::Crypto,
                    "tls handshake failed; is the device certificate the pinned one? " +
                        e.displayText(),
                    std::string(net::kPhaseConnect) + " " + where);
            }
            return makeError(ErrorCode::Unavailable, "tls handshake failed: " + e.displayText(),
                             std::string(net::kPhaseConnect) + " " + where);
        } catch (const Poco::TimeoutException&) {
            return makeError(ErrorCode::Timeout, "device did not answer in time",
                             std::string(net::kPhaseExchange) + " " + where);
        } catch (const Poco::Exception& e) {
            return makeError(ErrorCode::Unavailable, "device unreachable: " + e.displayText(),
                             std::string(net::kPhaseExchange) + " " + where);
        }
    }

private:
    std::string pin_;  // empty: no verification at all
    DeviceTlsOptions options_;
    Poco::Net::Context::Ptr context_;
};

}  // namespace

common::Result<std::string> certificateSha256(const std::string& pem_file) {
    FILE* f = std::fopen(pem_file.c_str(), "r");
    if (!f) return makeError(ErrorCode::Io, "cannot open the certificate file", pem_file);
    X509* cert = PEM_read_X509(f, nullptr, nullptr, nullptr);
    std::fclose(f);
    if (!cert) return makeError(ErrorCode::Config, "no PEM certificate in the file", pem_file);
    std::string out = derSha256(cert);
    X509_free(cert);
    return out;
}

common::Result<std::unique_ptr<net::HttpClient>> makeDeviceHttpClient(
    const DeviceTlsOptions& options) {
    static std::once_flag ssl_once;
    std::call_once(ssl_once, [] { Poco::Net::initializeSSL(); });
    if (!options.pinned_sha256.empty()) {
        auto pin = normalisePin(options.pinned_sha256);
        if (!pin) return makeError(ErrorCode::Config, "pinned_sha256 must be 64 hex digits");
        try {
            return std::unique_ptr<net::HttpClient>(
                std::make_unique<PinnedHttpClient>(*pin, options));
        } catch (const Poco::Exception& e) {
            return makeError(ErrorCode::Config, "cannot set up tls: " + e.displayText());
        }
    }
    if (!options.verify) {
        logger().warning(
            "tls verification is off for a device (tls_verify: false); anyone on the path "
            "can read its credentials");
        try {
            return std::unique_ptr<net::HttpClient>(
                std::make_unique<PinnedHttpClient>(std::string(), options));
        } catch (const Poco::Exception& e) {
            return makeError(ErrorCode::Config, "cannot set up tls: " + e.displayText());
        }
    }
    net::PocoHttpClientOptions poco;
    poco.tls.ca_file = options.ca_file;
    poco.connect_timeout = options.connect_timeout;
    poco.read_timeout = options.read_timeout;
    poco.max_idle_per_host = 1;
    auto client = net::PocoHttpClient::create(poco);
    if (!client) return client.error();
    return std::unique_ptr<net::HttpClient>(std::move(*client));
}

common::Result<std::unique_ptr<net::HttpClient>> makeDeviceHttpClient(
    const settings::DeviceSettings& device) {
    DeviceTlsOptions options;
    options.ca_file = device.ca_file;
    options.pinned_sha256 = device.pinned_sha256;
    options.verify = device.tls_verify;
    return makeDeviceHttpClient(options);
}

}  // namespace calconn::devices
