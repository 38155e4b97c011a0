#include "app/Shutdown.h"

#include <gtest/gtest.h>
#include <pthread.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>

#include "platform/Signals.h"

namespace calconn::app {
namespace {

using namespace std::chrono_literals;

// A stop function that blocks until released, as a component stuck in its shutdown would.
struct StuckStop {
    std::mutex mutex;
    std::condition_variable released_cv;
    bool released = false;
    std::atomic<bool> finished{false};

    void release() {
        {
            std::lock_guard lock(mutex);
            released = true;
        }
        released_cv.notify_all();
    }
    // The detached helper must be gone before the test's objects are.
    bool waitFinished() {
        const auto deadline = std::chrono::steady_clock::now() + 10s;
        while (!finished.load()) {
            if (std::chrono::steady_clock::now() > deadline) return false;
            std::this_thread::yield();
        }
        return true;
    }
};

class ShutdownTest : public ::testing::Test {
protected:
    void SetUp() override { ASSERT_TRUE(platform::blockDaemonSignals().ok()); }
    void TearDown() override { platform::unblockDaemonSignals(); }
};

TEST_F(ShutdownTest, CompletesWhenStopReturns) {
    bool stopped = false;
    EXPECT_EQ(stopWithDeadline([&] { stopped = true; }, 10s, platform::daemonSignals()),
              StopOutcome::Completed);
    EXPECT_TRUE(stopped);
}

TEST_F(ShutdownTest, GivesUpAtTheDeadline) {
    auto stuck = std::make_shared<StuckStop>();
    const auto outcome = stopWithDeadline(
        [stuck] {
            std::unique_lock lock(stuck->mutex);
            stuck->released_cv.wait(lock, [&] { return stuck->released; });
            stuck->finished.store(true);
        },
        0ms, platform::daemonSignals());
    EXPECT_EQ(outcome, StopOutcome::TimedOut);
    stuck->release();
    EXPECT_TRUE(stuck->waitFinished());
}

TEST_F(ShutdownTest, SecondTermEndsTheWaitAtOnce) {
    auto stuck = std::make_shared<StuckStop>();
    ASSERT_EQ(pthread_kill(pthread_self(), SIGTERM), 0);  // pending until collected
    const auto started = std::chrono::steady_clock::now();
    const auto outcome = stopWithDeadline(
        [stuck] {
            std::unique_lock lock(stuck->mutex);
            stuck->released_cv.wait(lock, [&] { return stuck->released; });
            stuck->finished.store(true);
        },
        60s, platform::daemonSignals());
    EXPECT_EQ(outcome, StopOutcome::SecondSignal);
    EXPECT_LT(std::chrono::steady_clock::now() - started, 30s);
    stuck->release();
    EXPECT_TRUE(stuck->waitFinished());
}

}  // namespace
}  // namespace calconn::app
