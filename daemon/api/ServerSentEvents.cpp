#include "api/ServerSentEvents.h"

namespace calconn::api {

namespace {

std::string singleLine(std::string_view text) {
    std::string out;
    for (char c : text) {
        if (c != '\r' && c != '\n') out += c;
    }
    return out;
}

}  // namespace

std::string formatSseEvent(const SseEvent& event) {
    std::string out;
    if (!event.id.empty()) out += "id: " + singleLine(event.id) + "\n";
    if (!event.event.empty()) out += "event: " + singleLine(event.event) + "\n";
    std::size_t start = 0;
    for (;;) {
        std::size_t end = event.data.find_first_of("\r\n", start);
        out += "data: ";
        out.append(event.data, start, end == std::string::npos ? std::string::npos : end - start);
        out += "\n";
        if (end == std::string::npos) break;
        if (event.data[end] == '\r' && end + 1 < event.data.size() && event.data[end + 1] == '\n') {
            ++end;
        }
        start = end + 1;
    }
    out += "\n";
    return out;
}

std::string formatSseComment(std::string_view text) { return ": " + singleLine(text) + "\n\n"; }

bool FrameQueue::push(std::string frame) {
    {
        std::lock_guard lock(mutex_);
        if (closed_) return false;
        if (bytes_ + frame.size() > max_bytes_) {
            closed_ = true;
        } else {
            bytes_ += frame.size();
            frames_.push_back(std::move(frame));
        }
    }
    ready_.notify_all();
    return !closed();
}

void FrameQueue::close() {
    {
        std::lock_guard lock(mutex_);
        closed_ = true;
    }
    ready_.notify_all();
}

bool FrameQueue::closed() const {
    std::lock_guard lock(mutex_);
    return closed_;
}

EventStream::Wait FrameQueue::next(std::chrono::milliseconds timeout, std::string& frames) {
    std::unique_lock lock(mutex_);
    ready_.wait_for(lock, timeout, [&] { return closed_ || !frames_.empty(); });
    if (!frames_.empty()) {
        // Frames queued before a close are still delivered (e.g. the last event before stop).
        while (!frames_.empty()) {
            frames += frames_.front();
            frames_.pop_front();
        }
        bytes_ = 0;
        return Wait::Data;
    }
    return closed_ ? Wait::Closed : Wait::Timeout;
}

}  // namespace calconn::api
