// The REST API's listener: Poco's HTTPServer over a TLS 1.2+ server socket (plain HTTP only on
// a loopback address without a configured certificate), keep-alive, its own bounded thread
// pool, request bodies capped. Each request becomes an ApiRequest for the handler; an answer
// with a stream is sent as server-sent events until either side closes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "api/Router.h"
#include "common/Result.h"

namespace Poco {
class ThreadPool;
namespace Net {
class HTTPServer;
}
}  // namespace Poco

namespace calconn::api {

struct HttpsServerOptions {
    std::string listen = "127.0.0.1:8443";  // host:port, [v6]:port; port 0 picks a free port
    std::string certificate_file;           // empty (with the key): plain HTTP, loopback only
    std::string private_key_file;
    int max_threads = 64;            // concurrent connections (event streams included)
    std::size_t max_body = 1 << 20;  // larger request bodies get 413
};

class HttpsServer {
public:
    using Handler = std::function<ApiResponse(const ApiRequest&)>;

    ~HttpsServer();
    HttpsServer(const HttpsServer&) = delete;
    HttpsServer& operator=(const HttpsServer&) = delete;

    // Binds and serves. Fails with ErrorCode::Config for a bad address, plain HTTP asked for
    // a non-loopback address, or unusable certificate/key files, and ErrorCode::Io when the
    // address cannot be bound (in use, not local).
    static common::Result<std::unique_ptr<HttpsServer>> start(const HttpsServerOptions& options,
                                                              Handler handler);

    // Stops accepting, aborts open connections and waits for their threads. Idempotent; event
    // streams must be closed first (their threads wait for frames).
    void stop();

    // "https://127.0.0.1:8443" with the bound port ("http://" without TLS).
    const std::string& url() const { return url_; }
    std::uint16_t port() const { return port_; }
    bool tls() const { return tls_; }

private:
    HttpsServer() = default;

    std::unique_ptr<Poco::ThreadPool> pool_;
    std::unique_ptr<Poco::Net::HTTPServer> server_;
    std::string url_;
    std::uint16_t port_ = 0;
    bool tls_ = false;
};

}  // namespace calconn::api
