// roomsim: one simulated Cisco RoomOS device over HTTPS on 127.0.0.1 (see --help).
#include <Poco/TemporaryFile.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>

#include "RoomSim.h"
#include "Server.h"

namespace {

constexpr const char* kHelp = R"(usage: roomsim [options]

A simulated Cisco RoomOS video device (the HTTP xAPI used for One Button To Push), for tests
and demos. Listens on 127.0.0.1 only.

options:
  --port N               port to listen on (0 = ephemeral, the default)
  --tls-cert FILE        server certificate (PEM); with --tls-key
  --tls-key FILE         server private key (PEM); without both, a self-signed P-256 pair
                         for 127.0.0.1/localhost is generated at start
  --user NAME:PASSWORD:ROLE
                         a local user; repeatable. Roles: Admin, User, Integrator,
                         RoomControl, Audit. Only Admin may run Bookings Put.
                         Default: admin:admin:Admin
  --cookie-name NAME     session cookie name: SessionId (default) or SecureSessionId
  --no-session-api       answer 404 to /xmlapi/session/* (firmware without sessions)
  --refuse-put REASON    refuse Bookings Put with this reason: "Unknown command" (firmware
                         without it) or e.g. "Device not entitled" (on-premises device)
  --no-legacy            answer 404 to /bookingsputxml
  --basic-rate N         Basic-authenticated requests per second (default 1)
  --session-rate N       session-cookie requests per second (default 15)
  --help                 this text

device API (as RoomOS answers it):
  POST /xmlapi/session/begin   Basic auth -> 204 and Set-Cookie: SessionId=...
  POST /xmlapi/session/end     with the cookie -> 204 (sessions never time out;
                               at most 20 per user and 30 in total, then 503)
  POST /putxml                 <Command><Bookings><Put><body>{"Bookings":[...]}</body></Put>
                               </Bookings></Command>; also <Clear/> and <List/>.
                               Answers 200 <Command><BookingsPutResult status="OK"/></Command>
                               or status="Error" with <Reason>; malformed XML -> 400.
  POST /bookingsputxml         the older TMS push format (<Bookings><Booking>...), Admin only;
                               200 on success, 400 when Id/StartTime/EndTime are unusable.
  No credentials or bad ones -> 401 with a Basic challenge. Over the rate (Basic 1/s,
  cookie 15/s) -> 503 at once (the device queues up to 30 first; roomsim is stricter).
  Bookings Put is validated: required Id (1..128), Title, Number, Protocol
  (SIP|H323|ISDN|IP|Spark|WebRTC|None), Organizer.Name, Time.StartTime (UTC, ...Z) and
  Time.Duration (minutes > 0); optional Privacy (Private|Public), MeetingPlatform
  (GoogleMeet|MicrosoftTeams|Zoom|Webex|Other|None; WebRTC only with MicrosoftTeams or
  GoogleMeet), StartTimeBuffer/EndTimeBuffer (seconds >= 0), CallType, Encryption,
  MeetingId, Agenda, MetaInfo, Organizer.Email/Id; unknown fields and duplicate Ids are errors.

control API (no auth):
  GET    /_sim/bookings   {"generation":N,"last_put_at":"...Z","bookings":[...as put...]}
  DELETE /_sim/bookings   forget the stored bookings
  GET    /_sim/counters   request, put, session, 401 and 503 counters
  POST   /_sim/faults     {"status":500} | {"latency_ms":3000} | {"reset":true} (alias "down"),
                          optional "count":N = only the next N device requests
  DELETE /_sim/faults     clear the fault
)";

}  // namespace

int main(int argc, char** argv) {
    using namespace calconn;
    roomsim::RoomSimOptions options;
    roomsim::ServerConfig config;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        auto next = [&]() -> std::string {
            if (i + 1 >= argc) {
                std::cerr << "roomsim: " << arg << " needs a value\n";
                std::exit(2);
            }
            return argv[++i];
        };
        if (arg == "--help" || arg == "-h") {
            std::cout << kHelp;
            return 0;
        } else if (arg == "--port") {
            config.port = static_cast<std::uint16_t>(std::stoi(next()));
        } else if (arg == "--tls-cert") {
            config.cert_file = next();
        } else if (arg == "--tls-key") {
            config.key_file = next();
        } else if (arg == "--user") {
            auto user = roomsim::parseUser(next());
            if (!user) {
                std::cerr << "roomsim: " << user.error().toString() << "\n";
                return 2;
            }
            options.users.push_back(*user);
        } else if (arg == "--cookie-name") {
            options.cookie_name = next();
        } else if (arg == "--no-session-api") {
            options.session_api = false;
        } else if (arg == "--refuse-put") {
            options.put_refusal = next();
        } else if (arg == "--no-legacy") {
            options.legacy_endpoint = false;
        } else if (arg == "--basic-rate") {
            options.basic_per_second = std::stoi(next());
        } else if (arg == "--session-rate") {
            options.session_per_second = std::stoi(next());
        } else {
            std::cerr << "roomsim: unknown option " << arg << " (see --help)\n";
            return 2;
        }
    }
    if (options.users.empty()) options.users.push_back({"admin", "admin", "Admin"});
    if (config.cert_file.empty() != config.key_file.empty()) {
        std::cerr << "roomsim: give both --tls-cert and --tls-key, or neither\n";
        return 2;
    }
    std::string temp_dir;
    if (config.cert_file.empty()) {
        temp_dir = Poco::TemporaryFile::tempName();
        auto pair = roomsim::generateSelfSigned(temp_dir);
        if (!pair) {
            std::cerr << "roomsim: " << pair.error().toString() << "\n";
            return 1;
        }
        config.cert_file = pair->first;
        config.key_file = pair->second;
    }

    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);

    common::SystemClock clock;
    roomsim::RoomSim sim(options, clock);
    roomsim::Server server(sim, config);
    if (auto started = server.start(); !started) {
        std::cerr << "roomsim: " << started.error().toString() << "\n";
        return 1;
    }
    std::cout << "roomsim listening on " << server.baseUrl() << std::endl;
    int signal_number = 0;
    sigwait(&set, &signal_number);
    server.stop();
    if (!temp_dir.empty()) {
        std::remove(config.cert_file.c_str());
        std::remove(config.key_file.c_str());
        ::rmdir(temp_dir.c_str());
    }
    return 0;
}
