// The HTTPS front end of webexsim: Poco's HTTP server on a TLS 1.2+ socket bound to 127.0.0.1.
#pragma once

#include <memory>
#include <string>

#include "common/Result.h"

namespace Poco {
class ThreadPool;
namespace Net {
class HTTPServer;
}
}  // namespace Poco

namespace calconn::webexsim {

class WebexSimulator;

struct ServerConfig {
    std::string cert_file;
    std::string key_file;
    int port = 0;  // 0: ephemeral
    int threads = 16;
};

class Server {
public:
    Server(WebexSimulator& simulator, ServerConfig config);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    common::Status start();
    void stop();
    int port() const { return port_; }
    // "https://127.0.0.1:PORT"; the API lives under /v1.
    std::string baseUrl() const;

private:
    WebexSimulator& simulator_;
    ServerConfig config_;
    std::unique_ptr<Poco::ThreadPool> pool_;
    std::unique_ptr<Poco::Net::HTTPServer> server_;
    int port_ = 0;
};

}  // namespace calconn::webexsim
