#include "api/ControlServer.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <istream>
#include <sstream>

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>

#include "platform/Logging.h"

namespace calconn::api {

namespace {

constexpr std::streamsize kMaxBody = 1 << 20;  // control requests are small; refuse floods

class RouterHandler : public Poco::Net::HTTPRequestHandler {
public:
    explicit RouterHandler(std::shared_ptr<const Router> router) : router_(std::move(router)) {}

    void handleRequest(Poco::Net::HTTPServerRequest& request,
                       Poco::Net::HTTPServerResponse& response) override {
        ApiResponse answer;
        // The handler is the boundary between Poco and our handlers: anything thrown below is a
        // bug or an unexpected failure, answered with 500 instead of killing the connection.
        try {
            answer = route(request);
        } catch (const std::exception& e) {
            platform::moduleLogger("api").error(std::string("control request failed: ") + e.what());
            answer = jsonError(500, common::ErrorCode::Internal, "internal error");
        }
        response.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(answer.status));
        response.setContentType(answer.content_type);
        response.setContentLength(static_cast<std::streamsize>(answer.body.size()));
        response.send() << answer.body;
    }

private:
    ApiResponse route(Poco::Net::HTTPServerRequest& request) {
        ApiRequest api_request;
        api_request.method = request.getMethod();
        const Poco::URI uri(request.getURI());
        api_request.path = uri.getPath();
        for (const auto& [key, value] : uri.getQueryParameters()) api_request.query[key] = value;
        if (request.hasContentLength() && request.getContentLength() > kMaxBody) {
            return jsonError(413, common::ErrorCode::InvalidArgument, "request body too large");
        }
        std::ostringstream body;
        Poco::StreamCopier::copyStream(request.stream(), body);
        api_request.body = body.str();
        platform::moduleLogger("api").debug("control request " + api_request.method + " " +
                                            api_request.path);
        return router_->dispatch(std::move(api_request));
    }

    std::shared_ptr<const Router> router_;
};

class RouterHandlerFactory : public Poco::Net::HTTPRequestHandlerFactory {
public:
    explicit RouterHandlerFactory(std::shared_ptr<const Router> router) : router_(std::move(router)) {}

    Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override {
        return new RouterHandler(router_);
    }

private:
    std::shared_ptr<const Router> router_;
};

common::Error ioError(const std::string& what, int err, const std::string& path) {
    return common::makeError(common::ErrorCode::Io, what + ": " + std::strerror(err), path);
}

// True when something accepts connections on `path` (another calconnd is running).
bool socketIsLive(const std::string& path) {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
    const bool live = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
    ::close(fd);
    return live;
}

// Makes `path` free to bind: removes a stale socket, refuses to touch anything else.
common::Status clearStaleSocket(const std::string& path) {
    struct stat st{};
    if (::lstat(path.c_str(), &st) != 0) {
        if (errno == ENOENT) return {};
        return ioError("cannot inspect control socket path", errno, path);
    }
    if (!S_ISSOCK(st.st_mode)) {
        return common::makeError(common::ErrorCode::Io,
                                 "control socket path exists and is not a socket", path);
    }
    if (socketIsLive(path)) {
        return common::makeError(common::ErrorCode::Io,
                                 "control socket is in use (is another calconnd running?)", path);
    }
    if (::unlink(path.c_str()) != 0) return ioError("cannot remove stale control socket", errno, path);
    return {};
}

}  // namespace

ControlServer::ControlServer(std::string path, std::unique_ptr<Poco::Net::HTTPServer> server)
    : path_(std::move(path)), server_(std::move(server)) {}

ControlServer::~ControlServer() { stop(); }

common::Result<std::unique_ptr<ControlServer>> ControlServer::start(
    const std::string& socket_path, std::shared_ptr<const Router> router) {
    if (socket_path.empty() || socket_path.size() >= sizeof(sockaddr_un{}.sun_path)) {
        return common::makeError(common::ErrorCode::Config,
                                 "control socket path is empty or longer than 107 bytes",
                                 socket_path);
    }
    const std::filesystem::path parent = std::filesystem::path(socket_path).parent_path();
    if (!parent.empty()) {
        std::error_code ec;
        if (std::filesystem::create_directories(parent, ec)) {
            ::chmod(parent.c_str(), 0750);
        } else if (ec) {
            return ioError("cannot create control socket directory", ec.value(), parent.string());
        }
    }
    if (auto cleared = clearStaleSocket(socket_path); !cleared) return cleared.error();

    try {
        Poco::Net::ServerSocket socket;
        // No SO_REUSEADDR/SO_REUSEPORT: meaningless for Unix sockets.
        socket.bind(Poco::Net::SocketAddress(Poco::Net::SocketAddress::UNIX_LOCAL, socket_path),
                    false, false);
        socket.listen(16);
        if (::chmod(socket_path.c_str(), 0660) != 0) {
            const int err = errno;
            ::unlink(socket_path.c_str());
            return ioError("cannot set control socket mode", err, socket_path);
        }
        Poco::Net::HTTPServerParams::Ptr params = new Poco::Net::HTTPServerParams;
        params->setMaxThreads(4);
        params->setMaxQueued(16);
        params->setKeepAlive(false);
        auto server = std::make_unique<Poco::Net::HTTPServer>(
            new RouterHandlerFactory(std::move(router)), socket, params);
        server->start();
        return std::unique_ptr<ControlServer>(new ControlServer(socket_path, std::move(server)));
    } catch (const Poco::Exception& e) {
        return common::makeError(common::ErrorCode::Io,
                                 "cannot listen on control socket: " + e.displayText(), socket_path);
    }
}

void ControlServer::stop() {
    if (!server_) return;
    server_->stopAll(true);
    server_.reset();
    ::unlink(path_.c_str());
}

}  // namespace calconn::api
