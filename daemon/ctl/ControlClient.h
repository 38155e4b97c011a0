// Client side of the control socket: one HTTP/1.1 request over the daemon's Unix socket.
// Connection failures come back as an Error whose message carries strerror(errno).
#pragma once

#include <string>

#include "common/Result.h"

namespace calconn::ctl {

struct ControlReply {
    int status = 0;
    std::string body;
};

class ControlClient {
public:
    explicit ControlClient(std::string socket_path) : socket_path_(std::move(socket_path)) {}

    // Sends `method path` with an optional JSON body. Errors: ErrorCode::Unavailable when the
    // socket cannot be connected ("No such file or directory", "Connection refused", ...),
    // ErrorCode::Protocol when the answer is not HTTP.
    common::Result<ControlReply> request(const std::string& method, const std::string& path,
                                         const std::string& body = {}) const;

    const std::string& socketPath() const { return socket_path_; }

private:
    std::string socket_path_;
};

}  // namespace calconn::ctl
