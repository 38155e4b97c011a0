// Server-sent events (text/event-stream, WHATWG HTML §9.2): frame formatting, the stream a
// handler hands to the HTTP server, and the bounded queue behind each connection.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>

namespace calconn::api {

struct SseEvent {
    std::string id;     // becomes the client's Last-Event-ID
    std::string event;  // e.g. "meeting.starting"
    std::string data;   // JSON; a line break starts another data: line
};

// "id: ...\nevent: ...\ndata: ...\n\n". Carriage returns and line breaks in id and event are
// dropped (they would end the field); data keeps its lines as separate data: fields.
std::string formatSseEvent(const SseEvent& event);
// ": text\n\n": a comment, ignored by clients; keeps idle connections open.
std::string formatSseComment(std::string_view text);

// What the server writes on an event-stream connection after the headers.
class EventStream {
public:
    enum class Wait { Data, Timeout, Closed };
    virtual ~EventStream() = default;
    // Waits up to `timeout` for frames and appends all that are queued to `frames`.
    virtual Wait next(std::chrono::milliseconds timeout, std::string& frames) = 0;
};

// A FIFO of frames with one reader (the connection) and any number of writers. Bounded: a
// client that stops reading is cut off (closed) instead of growing memory; it reconnects with
// Last-Event-ID and misses nothing that is still due.
class FrameQueue final : public EventStream {
public:
    explicit FrameQueue(std::size_t max_bytes = 256 * 1024) : max_bytes_(max_bytes) {}

    // False when the queue is closed, or full (then it closes).
    bool push(std::string frame);
    void close();
    bool closed() const;

    Wait next(std::chrono::milliseconds timeout, std::string& frames) override;

private:
    const std::size_t max_bytes_;
    mutable std::mutex mutex_;
    std::condition_variable ready_;
    std::deque<std::string> frames_;
    std::size_t bytes_ = 0;
    bool closed_ = false;
};

}  // namespace calconn::api
