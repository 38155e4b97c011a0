// The control socket: HTTP/1.1 + JSON on a Unix socket (guarded by its file mode, 0660), served
// by Poco's HTTPServer and answered through a Router. calconnctl is its client.
#pragma once

#include <memory>
#include <string>

#include "api/Router.h"
#include "common/Result.h"

namespace Poco::Net {
class HTTPServer;
}

namespace calconn::api {

class ControlServer {
public:
    ~ControlServer();
    ControlServer(const ControlServer&) = delete;
    ControlServer& operator=(const ControlServer&) = delete;

    // Creates the parent directory if missing (0750), removes a stale socket file, binds,
    // sets mode 0660 and starts serving. Fails (ErrorCode::Io) when the path is taken by a
    // live daemon or something that is not a socket, or cannot be bound.
    static common::Result<std::unique_ptr<ControlServer>> start(const std::string& socket_path,
                                                                std::shared_ptr<const Router> router);

    // Stops accepting, closes open connections and removes the socket file. Idempotent.
    void stop();

    const std::string& path() const { return path_; }

private:
    ControlServer(std::string path, std::unique_ptr<Poco::Net::HTTPServer> server);

    std::string path_;
    std::unique_ptr<Poco::Net::HTTPServer> server_;
};

}  // namespace calconn::api
