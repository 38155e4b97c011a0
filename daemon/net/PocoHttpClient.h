// HttpClient over Poco: HTTP and HTTPS with a bounded keep-alive pool per scheme+host+port.
// TLS verification is always on (chain against the configured CA file, hostname or IP
// checked by OpenSSL, TLS 1.2 at least); there is deliberately no switch to turn it off.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "net/HttpClient.h"

namespace calconn::net {

struct TlsOptions {
    std::string ca_file;                  // PEM bundle; empty = the system's default CAs
    std::string client_certificate_file;  // optional, PEM (mutual TLS)
    std::string client_private_key_file;  // optional, PEM, required with the certificate
};

struct PocoHttpClientOptions {
    TlsOptions tls;
    std::chrono::milliseconds connect_timeout{10'000};
    std::chrono::milliseconds read_timeout{60'000};  // default when a request sets none
    std::size_t max_idle_per_host = 8;
    std::size_t max_hosts = 256;  // pools kept; idle-less pools are dropped beyond this
    // An idle session older than this is closed instead of reused (servers drop idle
    // connections after a while; reusing a dead one costs a failed request).
    std::chrono::milliseconds idle_timeout{30'000};
    std::size_t max_body_bytes = 64 * 1024 * 1024;
    std::string user_agent = "calconn";
};

class PocoHttpClient final : public HttpClient {
public:
    struct Stats {
        std::uint64_t connections_opened = 0;
        std::uint64_t sessions_reused = 0;
        std::uint64_t sessions_discarded = 0;  // broken, not keep-alive, or over the pool bound
    };

    // Fails with Config when the CA file or the client certificate cannot be loaded.
    static common::Result<std::unique_ptr<PocoHttpClient>> create(PocoHttpClientOptions options);
    ~PocoHttpClient() override;

    common::Result<HttpResponse> send(const HttpRequest& request) override;

    Stats stats() const;
    std::size_t idleSessions() const;

    PocoHttpClient(const PocoHttpClient&) = delete;
    PocoHttpClient& operator=(const PocoHttpClient&) = delete;

private:
    struct Impl;
    explicit PocoHttpClient(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace calconn::net
