#include "platform/Signals.h"

#include <gtest/gtest.h>
#include <pthread.h>

namespace calconn::platform {
namespace {

TEST(Signals, BlockedSignalIsCollectedByWaitForSignal) {
    ASSERT_TRUE(blockDaemonSignals().ok());
    ASSERT_EQ(pthread_kill(pthread_self(), SIGUSR1), 0);
    EXPECT_EQ(waitForSignal(daemonSignals(), std::chrono::milliseconds(5000)), SIGUSR1);
    unblockDaemonSignals();
}

TEST(Signals, WaitTimesOutWithoutSignal) {
    ASSERT_TRUE(blockDaemonSignals().ok());
    EXPECT_FALSE(waitForSignal(daemonSignals(), std::chrono::milliseconds(0)));
    unblockDaemonSignals();
}

TEST(Signals, DaemonSignalsAreTermIntHupUsr1) {
    const sigset_t set = daemonSignals();
    EXPECT_TRUE(sigismember(&set, SIGTERM));
    EXPECT_TRUE(sigismember(&set, SIGINT));
    EXPECT_TRUE(sigismember(&set, SIGHUP));
    EXPECT_TRUE(sigismember(&set, SIGUSR1));
    EXPECT_FALSE(sigismember(&set, SIGPIPE));
}

}  // namespace
}  // namespace calconn::platform
