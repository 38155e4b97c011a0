#include "platform/SystemdNotifier.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>

namespace calconn::platform {
namespace {

// A datagram socket standing in for systemd's notify socket.
class NotifySocket {
public:
    NotifySocket() {
        char dir_template[] = "/tmp/calconn-notify-XXXXXX";
        dir_ = ::mkdtemp(dir_template);
        path_ = dir_ + "/notify.sock";
        fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::strncpy(addr.sun_path, path_.c_str(), sizeof(addr.sun_path) - 1);
        EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    }
    ~NotifySocket() {
        ::close(fd_);
        ::unlink(path_.c_str());
        ::rmdir(dir_.c_str());
    }
    const std::string& path() const { return path_; }

    // The next datagram, or nullopt when none arrives within `timeout_ms`.
    std::optional<std::string> receive(int timeout_ms = 2000) {
        pollfd pfd{fd_, POLLIN, 0};
        if (::poll(&pfd, 1, timeout_ms) != 1) return std::nullopt;
        char buffer[4096];
        const ssize_t n = ::recv(fd_, buffer, sizeof(buffer), 0);
        if (n < 0) return std::nullopt;
        return std::string(buffer, static_cast<size_t>(n));
    }

private:
    std::string dir_;
    std::string path_;
    int fd_ = -1;
};

class SystemdNotifierTest : public ::testing::Test {
protected:
    void TearDown() override {
        ::unsetenv("NOTIFY_SOCKET");
        ::unsetenv("WATCHDOG_USEC");
        ::unsetenv("WATCHDOG_PID");
    }
};

TEST_F(SystemdNotifierTest, SendsReadyToTheNotifySocket) {
    NotifySocket socket;
    ::setenv("NOTIFY_SOCKET", socket.path().c_str(), 1);
    SystemdNotifier notifier;
    ASSERT_TRUE(notifier.enabled());
    ASSERT_TRUE(notifier.ready().ok());
    EXPECT_EQ(socket.receive(), "READY=1");
    ASSERT_TRUE(notifier.stopping().ok());
    EXPECT_EQ(socket.receive(), "STOPPING=1");
}

TEST_F(SystemdNotifierTest, ReloadingCarriesMonotonicTimestamp) {
    NotifySocket socket;
    ::setenv("NOTIFY_SOCKET", socket.path().c_str(), 1);
    SystemdNotifier notifier;
    ASSERT_TRUE(notifier.reloading().ok());
    const auto message = socket.receive();
    ASSERT_TRUE(message);
    EXPECT_EQ(message->rfind("RELOADING=1\nMONOTONIC_USEC=", 0), 0u) << *message;
    EXPECT_GT(std::stoull(message->substr(message->find('=', 12) + 1)), 0u);
}

TEST_F(SystemdNotifierTest, StatusTextIsOneLine) {
    NotifySocket socket;
    ::setenv("NOTIFY_SOCKET", socket.path().c_str(), 1);
    SystemdNotifier notifier;
    ASSERT_TRUE(notifier.status("syncing\n3 mailboxes").ok());
    EXPECT_EQ(socket.receive(), "STATUS=syncing 3 mailboxes");
}

TEST_F(SystemdNotifierTest, DoesNothingWithoutNotifySocket) {
    ::unsetenv("NOTIFY_SOCKET");
    SystemdNotifier notifier;
    EXPECT_FALSE(notifier.enabled());
    EXPECT_TRUE(notifier.ready().ok());
    EXPECT_FALSE(notifier.watchdogPingInterval());
}

TEST_F(SystemdNotifierTest, FailsWhenTheSocketIsGone) {
    ::setenv("NOTIFY_SOCKET", "/tmp/calconn-no-such-dir/notify.sock", 1);
    SystemdNotifier notifier;
    EXPECT_FALSE(notifier.ready().ok());
}

TEST_F(SystemdNotifierTest, PingsAtHalfTheWatchdogInterval) {
    ::setenv("WATCHDOG_USEC", "4000000", 1);
    ::setenv("WATCHDOG_PID", std::to_string(::getpid()).c_str(), 1);
    SystemdNotifier notifier;
    ASSERT_TRUE(notifier.watchdogPingInterval());
    EXPECT_EQ(*notifier.watchdogPingInterval(), std::chrono::microseconds(2000000));
}

TEST_F(SystemdNotifierTest, IgnoresAWatchdogMeantForAnotherProcess) {
    ::setenv("WATCHDOG_USEC", "4000000", 1);
    ::setenv("WATCHDOG_PID", "1", 1);
    SystemdNotifier notifier;
    EXPECT_FALSE(notifier.watchdogPingInterval());
}

}  // namespace
}  // namespace calconn::platform
