#include <gtest/gtest.h>

#include <thread>

#include "api/ServerSentEvents.h"

namespace calconn::api {
namespace {

using namespace std::chrono_literals;

TEST(SseFormat, WritesIdEventAndDataThenABlankLine) {
    EXPECT_EQ(formatSseEvent({"7", "meeting.starting", "{\"a\":1}"}),
              "id: 7\nevent: meeting.starting\ndata: {\"a\":1}\n\n");
}

TEST(SseFormat, SplitsMultiLineDataAndKeepsFieldsOnOneLine) {
    EXPECT_EQ(formatSseEvent({"1\n2", "x\ry", "a\nb\r\nc"}),
              "id: 12\nevent: xy\ndata: a\ndata: b\ndata: c\n\n");
    EXPECT_EQ(formatSseEvent({"", "", ""}), "data: \n\n");
}

TEST(SseFormat, CommentsStartWithAColon) {
    EXPECT_EQ(formatSseComment("keep-alive"), ": keep-alive\n\n");
    EXPECT_EQ(formatSseComment("a\nb"), ": ab\n\n");
}

TEST(FrameQueue, DeliversInOrderAndTimesOut) {
    FrameQueue queue;
    std::string frames;
    EXPECT_EQ(queue.next(1ms, frames), EventStream::Wait::Timeout);
    queue.push("a");
    queue.push("b");
    EXPECT_EQ(queue.next(1ms, frames), EventStream::Wait::Data);
    EXPECT_EQ(frames, "ab");
}

TEST(FrameQueue, WakesAWaitingReader) {
    FrameQueue queue;
    std::thread writer([&] { queue.push("hello"); });
    std::string frames;
    EXPECT_EQ(queue.next(10s, frames), EventStream::Wait::Data);
    EXPECT_EQ(frames, "hello");
    writer.join();
}

TEST(FrameQueue, DeliversWhatWasQueuedBeforeClosing) {
    FrameQueue queue;
    queue.push("last");
    queue.close();
    EXPECT_FALSE(queue.push("late"));
    std::string frames;
    EXPECT_EQ(queue.next(1ms, frames), EventStream::Wait::Data);
    EXPECT_EQ(frames, "last");
    EXPECT_EQ(queue.next(1ms, frames), EventStream::Wait::Closed);
}

TEST(FrameQueue, ClosesWhenAReaderFallsTooFarBehind) {
    FrameQueue queue(10);
    EXPECT_TRUE(queue.push("12345"));
    EXPECT_FALSE(queue.push("678901"));
    EXPECT_TRUE(queue.closed());
}

}  // namespace
}  // namespace calconn::api
