// webexsim: a small stateful simulator of the Webex Meetings REST API (the part calconn uses:
// create/get/delete/list meetings, the personal meeting room), with bearer-token checks,
// Webex-shaped error JSON and fault injection. Transport-free: Server.h puts it on HTTPS.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace calconn::webexsim {

struct SimRequest {
    std::string method;
    std::string path;   // without query
    std::string query;  // without '?'
    std::map<std::string, std::string> headers;  // names lower case
    std::string body;
};

struct SimResponse {
    int status = 200;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;  // JSON unless empty
};

struct SimOptions {
    std::string token = "webexsim-token";  // the one bearer token accepted
    std::string site = "acme";             // meetings live on SITE.webex.com
    std::string user_email = "alice@example.com";
    std::string user_name = "Alice Example";
    bool allow_past = false;  // accept meetings that start in the past (demo data)
};

struct Fault {
    int status = 429;
    int retry_after = 1;  // seconds, sent with 429 and 503
    int count = 1;        // how many matching requests fail
    std::string method;   // empty: any
    std::string path;     // prefix; empty: any /v1 path
};

class WebexSimulator {
public:
    explicit WebexSimulator(SimOptions options);

    SimResponse handle(const SimRequest& request);

    void addFault(Fault fault);
    void clearFaults();
    std::size_t meetingCount() const;
    std::uint64_t requestCount(const std::string& method, const std::string& path_prefix) const;

private:
    struct Meeting {
        std::string id;
        std::string json;  // the Meeting object as answered
        // What GET /v1/meetings filters on.
        std::vector<std::string> integration_tags;
        std::string host_email;
        std::string site_url;
        std::int64_t start = 0;  // epoch seconds of the first occurrence
        std::int64_t end = 0;
        bool recurring = false;
    };

    SimResponse handleApi(const SimRequest& request);
    SimResponse handleControl(const SimRequest& request);
    SimResponse createMeeting(const SimRequest& request);
    SimResponse listMeetings(const std::string& query);
    SimResponse personalRoom(const std::string& query) const;
    SimResponse error(int status, const std::string& message);
    std::string nextTrackingId();

    SimOptions options_;
    mutable std::mutex mutex_;
    std::map<std::string, Meeting> meetings_;
    std::vector<std::string> order_;  // creation order for listings
    std::vector<Fault> faults_;
    std::vector<std::pair<std::string, std::string>> log_;  // method, path
    std::uint64_t counter_ = 0;           // meetings created
    std::uint64_t tracking_counter_ = 0;  // error answers
};

}  // namespace calconn::webexsim
