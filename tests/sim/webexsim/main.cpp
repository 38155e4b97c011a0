// webexsim: the Webex Meetings API simulator as a process, for e2e tests and demos.
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <string_view>

#include "Server.h"
#include "WebexSim.h"

namespace {

constexpr std::string_view kHelp = R"(usage: webexsim --tls-cert FILE --tls-key FILE [options]

A Webex Meetings REST API simulator on https://127.0.0.1 for tests and demos.

options:
  --port N           port to listen on (default 0: an ephemeral port)
  --tls-cert FILE    PEM certificate for 127.0.0.1 (required)
  --tls-key FILE     PEM private key (required)
  --token TOKEN      the bearer token accepted (default webexsim-token); others get 401
  --site NAME        Webex site: meetings live on NAME.webex.com (default acme)
  --user-email ADDR  the token's user, for the personal room (default alice@example.com)
  --user-name NAME   the user's display name (default "Alice Example")
  --allow-past       accept meetings starting in the past (Webex refuses them)
  --help             this text

API (JSON, Authorization: Bearer TOKEN):
  POST   /v1/meetings                 create {title, start, end, [timezone, agenda, siteUrl, hostEmail,
                                      recurrence, integrationTags]}; 400 on missing fields,
                                      span < 10 min or > 24 h, past start
  GET    /v1/meetings[?integrationTag=&hostEmail=&siteUrl=&from=&to=]
                                      list, filtered;  GET/DELETE /v1/meetings/{id}
  GET    /v1/meetingPreferences/personalMeetingRoom[?userEmail=ADDR]
  errors are {"message", "errors":[{"description"}], "trackingId"} as Webex sends them

control (no token):
  GET    /_sim/meetings               what the simulator holds; DELETE clears it
  POST   /_sim/faults                 {"status":429,"retryAfter":2,"count":1,"method":"POST",
                                       "path":"/v1/meetings"}: the next matching requests fail
                                      (429/503 with Retry-After); DELETE clears the faults

Prints "webexsim listening on https://127.0.0.1:PORT" once serving; stops on SIGINT/SIGTERM.
)";

bool takeValue(int& i, int argc, char** argv, std::string& out) {
    if (i + 1 >= argc) {
        std::cerr << "webexsim: " << argv[i] << " needs a value\n";
        return false;
    }
    out = argv[++i];
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    calconn::webexsim::SimOptions options;
    calconn::webexsim::ServerConfig config;
    for (int i = 1; i < argc; ++i) {
        std::string_view arg = argv[i];
        std::string value;
        if (arg == "--help" || arg == "-h") {
            std::cout << kHelp;
            return 0;
        } else if (arg == "--port") {
            if (!takeValue(i, argc, argv, value)) return 2;
            char* end = nullptr;
            long port = std::strtol(value.c_str(), &end, 10);
            if (*end != '\0' || port < 0 || port > 65535) {
                std::cerr << "webexsim: bad --port " << value << "\n";
                return 2;
            }
            config.port = static_cast<int>(port);
        } else if (arg == "--tls-cert") {
            if (!takeValue(i, argc, argv, config.cert_file)) return 2;
        } else if (arg == "--tls-key") {
            if (!takeValue(i, argc, argv, config.key_file)) return 2;
        } else if (arg == "--token") {
            if (!takeValue(i, argc, argv, options.token)) return 2;
        } else if (arg == "--site") {
            if (!takeValue(i, argc, argv, options.site)) return 2;
        } else if (arg == "--user-email") {
            if (!takeValue(i, argc, argv, options.user_email)) return 2;
        } else if (arg == "--user-name") {
            if (!takeValue(i, argc, argv, options.user_name)) return 2;
        } else if (arg == "--allow-past") {
            options.allow_past = true;
        } else {
            std::cerr << "webexsim: unknown option " << arg << " (see --help)\n";
            return 2;
        }
    }
    if (config.cert_file.empty() || config.key_file.empty()) {
        std::cerr << "webexsim: --tls-cert and --tls-key are required (see --help)\n";
        return 2;
    }
    // Block the stop signals before the server's threads start, then wait for one.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);

    calconn::webexsim::WebexSimulator simulator(options);
    calconn::webexsim::Server server(simulator, config);
    if (auto status = server.start(); !status) {
        std::cerr << "webexsim: " << status.error().toString() << "\n";
        return 1;
    }
    std::cout << "webexsim listening on " << server.baseUrl() << std::endl;
    int signal = 0;
    sigwait(&signals, &signal);
    server.stop();
    return 0;
}
