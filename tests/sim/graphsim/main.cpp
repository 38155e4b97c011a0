// graphsim: command line entry point (see --help).
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "CertGen.h"
#include "Server.h"
#include "Simulator.h"

namespace {

const char* kHelp = R"(graphsim - a stateful Microsoft Graph v1.0 + identity platform simulator

Usage:
  graphsim --port N --tenant-id GUID --client-id ID --client-secret SECRET [--client-cert PEM]
           --tenant-seed S --users U --rooms R --events-per-mailbox E
           [--tls-cert PEM --tls-key PEM | --gen-ca DIR] [--latency-ms L]
           [--trust-ca PEM] [--allow-http-notifications] [--base-date YYYY-MM-DD]
           [--max-subscription-minutes M] [--threads T]

Options:
  --port N                 TCP port on 127.0.0.1 (0 = ephemeral). Prints exactly one line
                           "graphsim listening on https://127.0.0.1:PORT" once serving.
  --tenant-id GUID         tenant id (token issuer, notification tenantId).
  --client-id ID           the registered application's client id.
  --client-secret SECRET   its client secret (client_credentials).
  --client-cert PEM        file with the registered client certificate (certificate
                           client_assertion, x5t / x5t#S256 checked).
  --tenant-seed S          PRNG seed; the same seed and sizes give the same tenant.
  --users U --rooms R      number of user and room mailboxes.
  --events-per-mailbox E   events generated per user mailbox (rooms get the meetings they
                           are invited to).
  --tls-cert/--tls-key     server certificate and key (PEM).
  --gen-ca DIR             generate DIR/ca.pem + DIR/ca.key (a test CA: trust ca.pem) and
                           DIR/server.pem + DIR/server.key for 127.0.0.1/localhost.
  --latency-ms L           extra latency added to every Graph call.
  --trust-ca PEM           CA bundle trusted when POSTing to https notification URLs.
  --allow-http-notifications  accept http:// notification URLs (Graph requires https).
  --base-date DATE         day the generated calendars are centred on (default: today, UTC).
  --max-subscription-minutes M  maximum subscription lifetime (default 10080).
  --threads T              server threads = concurrent keep-alive connections (default 64).

Graph v1.0 (Authorization: Bearer <token from /{tenant}/oauth2/v2.0/token>):
  GET    /v1.0/users/{id|upn}/calendarView?startDateTime&endDateTime   ($top, $skip)
  GET    /v1.0/users/{id|upn}/calendarView/delta?startDateTime&endDateTime  then nextLink/deltaLink
  GET    /v1.0/users/{id}/events | /calendar/events       (singles and series masters)
  POST   /v1.0/users/{id}/events | /calendar/events       (201; transactionId de-duplicates)
  GET    /v1.0/users/{id}/events/{id}[?$expand=singleValueExtendedProperties($filter=id eq '...')]
  PATCH  /v1.0/users/{id}/events/{id}                     (If-Match etag -> 412 on mismatch)
  DELETE /v1.0/users/{id}/events/{id}                     (204; an occurrence id cancels it)
  GET    /v1.0/users/{id}/events/{id}/instances?startDateTime&endDateTime
  POST   /v1.0/users/{id}/events/{id}/accept|decline|tentativelyAccept|cancel   (202)
  GET    /v1.0/users/{id}/mailboxSettings[/automaticRepliesSetting|timeZone|language|workingHours]
  PATCH  /v1.0/users/{id}/mailboxSettings
  POST   /v1.0/users/{id}/calendar/getSchedule
  POST|GET /v1.0/subscriptions, GET|PATCH|DELETE /v1.0/subscriptions/{id},
  POST   /v1.0/subscriptions/{id}/reauthorize
  Headers: Prefer outlook.timezone="<Windows or IANA>", outlook.body-content-type="text|html",
  odata.maxpagesize=N (Preference-Applied echoes them); request-id / client-request-id.
  Identity: POST /{tenant}/oauth2/v2.0/token, GET /{tenant}/oauth2/v2.0/authorize,
  GET /{tenant}/adminconsent (when the identity platform is built in).

Control API (JSON, no auth, loopback only):
  GET    /_sim/mailboxes                       [{"upn","id","kind":"user"|"room","events"}]
  GET    /_sim/mailboxes/{upn}
  POST   /_sim/mailboxes/{upn}/events          create as another client (event JSON; may set
                                               "organizer"; "recurrence" makes a series)
  GET|PATCH|DELETE /_sim/mailboxes/{upn}/events/{id}   an occurrence id edits (exception) or
                                               cancels that one occurrence; a master id edits
                                               or deletes the series
  POST   /_sim/mailboxes/{upn}/events/{id}/cancel      organizer cancel (attendee copies get
                                               isCancelled) or mark an attendee copy cancelled
  PATCH  /_sim/mailboxes/{upn}/settings        mailboxSettings (timeZone, language,
                                               automaticRepliesSetting)
  POST   /_sim/mailboxes/{upn}/state           {"restEnabled":false} -> 404 MailboxNotEnabledForRESTAPI
  POST   /_sim/delta/expire                    {} all mailboxes or {"mailbox":"upn"} -> 410
  GET|POST|DELETE /_sim/policy                 {"mailboxes":[upn...]} application access policy
                                               scope (others get 403 ErrorAccessDenied); {"all":true}
  GET|POST|DELETE /_sim/faults                 rule {"pattern":RE2 on "METHOD /path?query",
                                               "probability":0..1,"status":503,"code":"...",
                                               "retryAfter":"present|absent|fractional|zero|<value>",
                                               "latencyMs":n,"reset":true,"truncate":true,
                                               "invalidJson":true,"stallNextLink":true
                                               (delta nextLink loops on the same page),
                                               "count":n}
  GET    /_sim/counters                        per endpoint, per mailbox (requests, maxConcurrent)
  GET    /_sim/truth[/{upn}][?startDateTime&endDateTime]   what calendarView returns (UTC)
  POST   /_sim/subscriptions/lifecycle         {"id"?: "...", "event":"reauthorizationRequired|
                                               subscriptionRemoved|missed"}
  POST   /_sim/subscriptions/flush             wait until queued notifications are delivered
  GET|POST /_sim/identity/{revoke|consent|adminconsent|error}   identity platform hooks
  GET|POST /_sim/throttle/{reset|limits}       {"maxConcurrent":4,"budget":10000,
                                               "retryAfter":"mixed|integer|fractional|absent"}
)";

bool readFile(const std::string& path, std::string& out) {
    std::ifstream in(path);
    if (!in) return false;
    std::stringstream ss;
    ss << in.rdbuf();
    out = ss.str();
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    using namespace calconn::graphsim;
    SimulatorConfig config;
    ServerConfig server_config;
    std::string gen_ca_dir, client_cert_file;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        auto next = [&]() -> std::string {
            if (i + 1 >= argc) {
                std::fprintf(stderr, "graphsim: %s needs a value\n", arg.c_str());
                std::exit(64);
            }
            return argv[++i];
        };
        try {
            if (arg == "--help" || arg == "-h") {
                std::fputs(kHelp, stdout);
                return 0;
            } else if (arg == "--port") server_config.port = std::stoi(next());
            else if (arg == "--tenant-id") config.generator.tenant_id = next();
            else if (arg == "--client-id") config.client_id = next();
            else if (arg == "--client-secret") config.client_secret = next();
            else if (arg == "--client-cert") client_cert_file = next();
            else if (arg == "--tenant-seed") config.generator.seed = std::stoull(next());
            else if (arg == "--users") config.generator.users = std::stoi(next());
            else if (arg == "--rooms") config.generator.rooms = std::stoi(next());
            else if (arg == "--events-per-mailbox") config.generator.events_per_mailbox = std::stoi(next());
            else if (arg == "--tls-cert") server_config.cert_file = next();
            else if (arg == "--tls-key") server_config.key_file = next();
            else if (arg == "--gen-ca") gen_ca_dir = next();
            else if (arg == "--latency-ms") config.latency_ms = std::stoi(next());
            else if (arg == "--trust-ca" || arg == "--notify-ca") config.notification_ca_file = next();
            else if (arg == "--allow-http-notifications") config.allow_http_notifications = true;
            else if (arg == "--max-subscription-minutes") config.max_subscription_minutes = std::stoi(next());
            else if (arg == "--threads") server_config.threads = std::stoi(next());
            else if (arg == "--base-date") {
                auto day = parseDate(next());
                if (!day) {
                    std::fprintf(stderr, "graphsim: --base-date wants YYYY-MM-DD\n");
                    return 64;
                }
                config.generator.base_day = *day;
            } else {
                std::fprintf(stderr, "graphsim: unknown option %s (see --help)\n", arg.c_str());
                return 64;
            }
        } catch (const std::exception&) {
            std::fprintf(stderr, "graphsim: bad value for %s\n", arg.c_str());
            return 64;
        }
    }
    if (!client_cert_file.empty() && !readFile(client_cert_file, config.client_cert_pem)) {
        std::fprintf(stderr, "graphsim: cannot read %s\n", client_cert_file.c_str());
        return 66;
    }
    if (!gen_ca_dir.empty()) {
        auto pki = generateTestPki(gen_ca_dir);
        if (!pki) {
            std::fprintf(stderr, "graphsim: %s\n", pki.error().toString().c_str());
            return 70;
        }
        server_config.cert_file = pki->server_cert_file;
        server_config.key_file = pki->server_key_file;
        if (config.notification_ca_file.empty()) config.notification_ca_file = pki->ca_cert_file;
    }
    if (server_config.cert_file.empty() || server_config.key_file.empty()) {
        std::fprintf(stderr, "graphsim: give --tls-cert and --tls-key, or --gen-ca DIR\n");
        return 64;
    }
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);

    calconn::common::SystemClock clock;
    Simulator simulator(config, clock);
    Server server(simulator, server_config);
    auto started = server.start();
    if (!started) {
        std::fprintf(stderr, "graphsim: %s\n", started.error().toString().c_str());
        return 69;
    }
    std::printf("graphsim listening on %s\n", server.baseUrl().c_str());
    std::fflush(stdout);
    int sig = 0;
    sigwait(&signals, &sig);
    server.stop();
    return 0;
}
