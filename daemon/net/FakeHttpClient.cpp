#include "net/FakeHttpClient.h"

namespace calconn::net {

using common::ErrorCode;
using common::makeError;

void FakeHttpClient::expect(std::string method, std::string url,
                            common::Result<HttpResponse> reply) {
    std::lock_guard lock(mutex_);
    queue_.push_back(Expected{std::move(method), std::move(url), std::move(reply)});
}

void FakeHttpClient::setHandler(Handler handler) {
    std::lock_guard lock(mutex_);
    handler_ = std::move(handler);
}

common::Result<HttpResponse> FakeHttpClient::send(const HttpRequest& request) {
    Handler handler;
    {
        std::lock_guard lock(mutex_);
        requests_.push_back(request);
        ++in_flight_;
        peak_ = std::max(peak_, in_flight_);
        if (!queue_.empty()) {
            Expected next = std::move(queue_.front());
            queue_.pop_front();
            --in_flight_;
            bool url_ok = next.url.empty() || next.url == request.url;
            if (!url_ok && next.url.back() == '*') {
                url_ok = request.url.rfind(next.url.substr(0, next.url.size() - 1), 0) == 0;
            }
            if ((!next.method.empty() && next.method != request.method) || !url_ok) {
                mismatches_.push_back("expected " + next.method + " " + next.url + ", got " +
                                      request.method + " " + request.url);
                return makeError(ErrorCode::Internal, "unexpected request", request.url);
            }
            return std::move(next.reply);
        }
        handler = handler_;
    }
    common::Result<HttpResponse> result =
        handler ? handler(request)
                : common::Result<HttpResponse>(
                      makeError(ErrorCode::Internal, "no scripted reply", request.url));
    std::lock_guard lock(mutex_);
    --in_flight_;
    if (!handler) mismatches_.push_back("unscripted " + request.method + " " + request.url);
    return result;
}

std::vector<HttpRequest> FakeHttpClient::requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
}

std::size_t FakeHttpClient::pending() const {
    std::lock_guard lock(mutex_);
    return queue_.size();
}

std::vector<std::string> FakeHttpClient::mismatches() const {
    std::lock_guard lock(mutex_);
    return mismatches_;
}

std::size_t FakeHttpClient::peakConcurrency() const {
    std::lock_guard lock(mutex_);
    return peak_;
}

HttpResponse FakeHttpClient::json(int status, std::string body, HttpHeaders headers) {
    HttpResponse response;
    response.status = status;
    response.headers = std::move(headers);
    if (!response.headers.has("Content-Type")) {
        response.headers.add("Content-Type", "application/json; charset=utf-8");
    }
    response.body = std::move(body);
    return response;
}

}  // namespace calconn::net
