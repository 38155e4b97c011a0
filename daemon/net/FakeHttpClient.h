// Scripted HttpClient for tests of code above net/: replies are queued in order (optionally
// checked against the expected method and URL) or produced by a handler; every request is
// recorded, and the peak number of concurrent sends is tracked.
#pragma once

#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "net/HttpClient.h"

namespace calconn::net {

class FakeHttpClient final : public HttpClient {
public:
    using Handler = std::function<common::Result<HttpResponse>(const HttpRequest&)>;

    // Queues a reply. An empty method or url matches anything; a url ending in '*' matches
    // by prefix.
    void expect(std::string method, std::string url, common::Result<HttpResponse> reply);
    void reply(common::Result<HttpResponse> reply) { expect({}, {}, std::move(reply)); }
    // Used when the queue is empty; without one an unexpected request fails with Internal.
    void setHandler(Handler handler);

    common::Result<HttpResponse> send(const HttpRequest& request) override;

    std::vector<HttpRequest> requests() const;
    std::size_t pending() const;
    // Descriptions of requests that did not match the queued expectation.
    std::vector<std::string> mismatches() const;
    std::size_t peakConcurrency() const;

    static HttpResponse json(int status, std::string body, HttpHeaders headers = {});

private:
    struct Expected {
        std::string method;
        std::string url;
        common::Result<HttpResponse> reply;
    };
    mutable std::mutex mutex_;
    std::deque<Expected> queue_;
    Handler handler_;
    std::vector<HttpRequest> requests_;
    std::vector<std::string> mismatches_;
    std::size_t in_flight_ = 0;
    std::size_t peak_ = 0;
};

}  // namespace calconn::net
