// roomsim's HTTPS listener on 127.0.0.1: feeds requests to a RoomSim, applies the latency
// and connection-reset faults it asks for. Certificate and key from files, or a self-signed
// pair generated at start (generateSelfSigned).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "RoomSim.h"
#include "common/Result.h"

namespace Poco {
class ThreadPool;
namespace Net {
class HTTPServer;
}
}  // namespace Poco

namespace calconn::roomsim {

struct ServerConfig {
    std::uint16_t port = 0;  // 0 = ephemeral
    std::string cert_file;
    std::string key_file;
    int threads = 8;
};

// Writes a self-signed P-256 certificate for 127.0.0.1/localhost and its key into dir.
common::Result<std::pair<std::string, std::string>> generateSelfSigned(const std::string& dir);

class Server {
public:
    Server(RoomSim& sim, ServerConfig config);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    common::Status start();
    void stop();
    std::uint16_t port() const { return port_; }
    std::string baseUrl() const;

private:
    RoomSim& sim_;
    ServerConfig config_;
    std::uint16_t port_ = 0;
    std::unique_ptr<Poco::ThreadPool> pool_;
    std::unique_ptr<Poco::Net::HTTPServer> server_;
};

}  // namespace calconn::roomsim
