// roomsim: a simulated Cisco RoomOS device's HTTP xAPI, as far as calconn uses it
// (research/devices-webex-kms.md §1.1-1.3): local users with roles, HTTP Basic and session
// auth (/xmlapi/session/begin|end, SessionId cookie, session limits), the per-kind request
// rate limits answering 503, POST /putxml with `Bookings Put|Clear|List`, validation of the
// Bookings Put JSON, plus a /_sim/ control API (faults, stored bookings, counters).
// Transport-free: Server feeds it requests; time comes from the injected Clock.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "common/Clock.h"
#include "common/Result.h"

namespace calconn::roomsim {

struct SimUser {
    std::string name;
    std::string password;
    std::string role;  // Admin, User, Integrator, RoomControl, Audit; only Admin may Put
};

// "NAME:PASSWORD:ROLE" as given to --user.
common::Result<SimUser> parseUser(const std::string& spec);

struct RoomSimOptions {
    std::vector<SimUser> users;
    std::string cookie_name = "SessionId";  // newer firmware over HTTPS: SecureSessionId
    bool session_api = true;                // false: /xmlapi/session/* answer 404 (old firmware)
    // Non-empty: Bookings Put is refused with this reason, like firmware that does not offer it
    // ("Unknown command") or an on-premises device ("Device not entitled").
    std::string put_refusal{};
    bool legacy_endpoint = true;             // POST /bookingsputxml (the older TMS push format)
    int basic_per_second = 1;                // RoomOS: Basic-authenticated requests per second
    int session_per_second = 15;             // RoomOS: session-cookie requests per second
    std::size_t max_sessions_per_user = 20;  // Security Session MaxSessionsPerUser default
    std::size_t max_total_sessions = 30;     // Security Session MaxTotalSessions default
};

struct SimRequest {
    std::string method;
    std::string path;
    std::string query;
    std::map<std::string, std::string> headers;  // names lower-cased
    std::string body;
};

struct SimResponse {
    int status = 200;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    bool reset_connection = false;
    std::chrono::milliseconds latency{0};  // the server waits this long before answering
};

struct SimFault {
    int status = 0;                        // answer this HTTP status (0 = none)
    std::chrono::milliseconds latency{0};  // delay every answer (a long one = hang)
    bool reset = false;                    // drop the connection without answering ("down")
    int remaining = -1;                    // requests affected; -1 = until cleared
};

struct SimCounters {
    std::uint64_t requests = 0;  // device API requests (not /_sim)
    std::uint64_t puts_ok = 0;
    std::uint64_t puts_rejected = 0;  // validation or permission errors
    std::uint64_t legacy_puts_ok = 0;
    std::uint64_t clears = 0;
    std::uint64_t lists = 0;
    std::uint64_t sessions_begun = 0;
    std::uint64_t sessions_ended = 0;
    std::uint64_t unauthorized = 0;  // 401 answers
    std::uint64_t rate_limited = 0;  // 503 answers from the rate limits
    std::uint64_t faults_injected = 0;
    std::uint64_t basic_requests = 0;
    std::uint64_t session_requests = 0;
};

class RoomSim {
public:
    RoomSim(RoomSimOptions options, const common::Clock& clock);

    SimResponse handle(const SimRequest& request);

    // The stored bookings as the JSON the /_sim/bookings endpoint returns.
    std::string bookingsJson() const;
    std::size_t bookingCount() const;
    SimCounters counters() const;
    std::size_t openSessions() const;
    void setFault(SimFault fault);
    void clearFault();

    // Bookings Put validation (exposed for unit tests): ok or the device's Reason text.
    static common::Result<std::size_t> validateBookingsJson(const std::string& json);

private:
    struct Session {
        std::string user;
        std::string role;
    };
    struct Auth {
        bool ok = false;
        bool via_session = false;
        std::string user;
        std::string role;
    };

    SimResponse handleControl(const SimRequest& request);
    SimResponse handleSessionBegin(const SimRequest& request);
    SimResponse handleSessionEnd(const SimRequest& request);
    SimResponse handlePutXml(const SimRequest& request, const Auth& auth);
    SimResponse handleLegacyPut(const SimRequest& request, const Auth& auth);
    // 401/503 or the authenticated caller.
    bool authenticate(const SimRequest& request, Auth& auth, SimResponse& refusal);
    bool rateAllows(std::deque<common::TimePoint>& window, int per_second);
    std::string newSessionId();
    std::string countersJson() const;

    RoomSimOptions options_;
    const common::Clock& clock_;
    mutable std::mutex mutex_;
    std::map<std::string, Session> sessions_;
    std::vector<std::string> bookings_;  // each booking as compact JSON, in the order put
    std::uint64_t put_generation_ = 0;
    std::string last_put_at_;
    std::deque<common::TimePoint> basic_window_;
    std::deque<common::TimePoint> session_window_;
    SimFault fault_;
    bool fault_active_ = false;
    SimCounters counters_;
    std::mt19937_64 random_;
};

}  // namespace calconn::roomsim
