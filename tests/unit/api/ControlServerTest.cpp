#include "api/ControlServer.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "ctl/ControlClient.h"

namespace calconn::api {
namespace {

class ControlServerTest : public ::testing::Test {
protected:
    void SetUp() override {
        char dir_template[] = "/tmp/calconn-ctlsrv-XXXXXX";
        dir_ = ::mkdtemp(dir_template);
        socket_path_ = dir_ + "/run/control.sock";
        router_ = std::make_shared<Router>();
        router_->add("GET", "/v1/ping", [](const ApiRequest&) {
            return ApiResponse{200, "application/json", "{\"pong\":true}"};
        });
        router_->add("POST", "/v1/echo", [](const ApiRequest& request) {
            return ApiResponse{200, "text/plain", request.body};
        });
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    std::string dir_;
    std::string socket_path_;
    std::shared_ptr<Router> router_;
};

// A bound socket file whose owner is gone, as a crashed daemon leaves it.
void makeStaleSocket(const std::string& path) {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    ::close(fd);
}

TEST_F(ControlServerTest, ServesRoutesOverTheUnixSocket) {
    auto server = ControlServer::start(socket_path_, router_);
    ASSERT_TRUE(server.ok()) << server.error().toString();
    const ctl::ControlClient client(socket_path_);
    auto reply = client.request("GET", "/v1/ping");
    ASSERT_TRUE(reply.ok()) << reply.error().toString();
    EXPECT_EQ(reply->status, 200);
    EXPECT_EQ(reply->body, "{\"pong\":true}");

    auto echo = client.request("POST", "/v1/echo", "{\"a\":1}");
    ASSERT_TRUE(echo.ok());
    EXPECT_EQ(echo->body, "{\"a\":1}");

    auto missing = client.request("GET", "/v1/missing");
    ASSERT_TRUE(missing.ok());
    EXPECT_EQ(missing->status, 404);
}

TEST_F(ControlServerTest, CreatesTheDirectoryAndSetsMode0660) {
    auto server = ControlServer::start(socket_path_, router_);
    ASSERT_TRUE(server.ok()) << server.error().toString();
    struct stat st{};
    ASSERT_EQ(::stat(socket_path_.c_str(), &st), 0);
    EXPECT_TRUE(S_ISSOCK(st.st_mode));
    EXPECT_EQ(st.st_mode & 0777, 0660u);
}

TEST_F(ControlServerTest, ReplacesAStaleSocket) {
    std::filesystem::create_directories(dir_ + "/run");
    makeStaleSocket(socket_path_);
    auto server = ControlServer::start(socket_path_, router_);
    ASSERT_TRUE(server.ok()) << server.error().toString();
    EXPECT_TRUE(ctl::ControlClient(socket_path_).request("GET", "/v1/ping").ok());
}

TEST_F(ControlServerTest, RefusesASocketInUse) {
    auto first = ControlServer::start(socket_path_, router_);
    ASSERT_TRUE(first.ok());
    auto second = ControlServer::start(socket_path_, router_);
    ASSERT_FALSE(second.ok());
    EXPECT_NE(second.error().message.find("in use"), std::string::npos);
    EXPECT_TRUE(ctl::ControlClient(socket_path_).request("GET", "/v1/ping").ok());
}

TEST_F(ControlServerTest, RefusesToReplaceARegularFile) {
    std::filesystem::create_directories(dir_ + "/run");
    std::ofstream(socket_path_) << "not a socket";
    auto server = ControlServer::start(socket_path_, router_);
    ASSERT_FALSE(server.ok());
    EXPECT_TRUE(std::filesystem::is_regular_file(socket_path_));
}

TEST_F(ControlServerTest, StopRemovesTheSocketFile) {
    auto server = ControlServer::start(socket_path_, router_);
    ASSERT_TRUE(server.ok());
    (*server)->stop();
    EXPECT_FALSE(std::filesystem::exists(socket_path_));
    auto reply = ctl::ControlClient(socket_path_).request("GET", "/v1/ping");
    ASSERT_FALSE(reply.ok());
    EXPECT_EQ(reply.error().message, "No such file or directory");
}

TEST_F(ControlServerTest, RejectsAPathTooLongForAUnixSocket) {
    auto server = ControlServer::start(dir_ + "/" + std::string(120, 'x'), router_);
    EXPECT_FALSE(server.ok());
}

}  // namespace
}  // namespace calconn::api
