// The HTTPS front end: Poco's multi-threaded HTTP server on a TLS 1.2+ socket bound to
// 127.0.0.1, translating between Poco requests and SimRequest/SimResponse.
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

namespace calconn::graphsim {

class Simulator;

struct ServerConfig {
    std::string cert_file;
    std::string key_file;
    int port = 0;  // 0: ephemeral
    int threads = 64;  // Poco serves one keep-alive connection per thread
};

class Server {
public:
    Server(Simulator& simulator, ServerConfig config);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // Binds, starts serving and sets the simulator's base URL.
    common::Result<void> start();
    void stop();
    int port() const { return port_; }
    std::string baseUrl() const;

private:
    Simulator& simulator_;
    ServerConfig config_;
    std::unique_ptr<Poco::ThreadPool> pool_;
    std::unique_ptr<Poco::Net::HTTPServer> server_;
    int port_ = 0;
};

}  // namespace calconn::graphsim
