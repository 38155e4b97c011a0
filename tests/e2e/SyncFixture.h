// The sync tests' shared peers: graphsim started as a process with a generated tenant and test
// CA, its /_sim/ control API and ground truth; the calconnd configuration that syncs that
// tenant; and calconnd's decrypted cache (calconnctl mailbox dump) in the same comparable form
// as the truth. No test framework in here: failures are return values or exceptions.
#pragma once

#include <Poco/JSON/Object.h>
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "Harness.h"

namespace calconn::net {
class PocoHttpClient;
}

namespace calconn::e2e {

inline constexpr const char* kSimTenantId = "72f988bf-86f1-41af-91ab-2d7cd011db47";
inline constexpr const char* kSimClientId = "6731de76-14a6-49ae-97bc-6eba6914391e";

using SysTime = std::chrono::system_clock::time_point;
// [from, to) of a time window.
using Window = std::pair<SysTime, SysTime>;
// calconnd's default window as of now (1 day back, 30 days ahead): what `calconnctl status`
// counts the cached events over.
Window syncWindow();
// The part of it that a test can compare row by row with graphsim's truth at any moment of
// its run. calconnd fixes a mailbox's window when its first round starts and slides it only
// daily, so now + 30 days a few minutes later reaches past what it holds: this one ends an
// hour short of that. Filter both sides with it.
Window comparableWindow();

Poco::JSON::Object::Ptr parseObject(const std::string& text);
// Graph's dateTime without fraction or zone, as the control API accepts it with "UTC".
std::string graphDateTime(SysTime at);
// A single event's JSON for the control API.
std::string eventJson(const std::string& subject, SysTime start, std::chrono::minutes length);

struct GraphsimOptions {
    int users = 5;
    int rooms = 0;
    int events_per_mailbox = 12;
    std::string tenant_seed = "17";
    std::string client_secret = "e2e-sync-secret";
    std::vector<std::string> extra_args;  // e.g. {"--latency-ms", "50"}
    std::chrono::milliseconds start_timeout{30'000};
};

struct SimReply {
    int status = 0;  // 0: no answer
    std::string body;
};

class Graphsim {
public:
    // Starts graphsim on 127.0.0.1 with a CA generated in dir/ca; started() says whether it
    // serves (its log tells why not).
    Graphsim(const TempDir& dir, GraphsimOptions options);
    ~Graphsim();
    Graphsim(const Graphsim&) = delete;
    Graphsim& operator=(const Graphsim&) = delete;

    bool started() const { return !base_.empty(); }
    std::string log() const { return process_->log(); }
    pid_t pid() const { return process_->pid(); }
    const std::string& baseUrl() const { return base_; }
    const GraphsimOptions& options() const { return options_; }
    std::string caFile() const { return ca_dir_ + "/ca.pem"; }
    // graphsim's own certificate (127.0.0.1 and localhost, signed by caFile()): other test
    // servers on loopback, such as calconnd's API, can serve it too.
    std::string serverCertificate() const { return ca_dir_ + "/server.pem"; }
    std::string serverKey() const { return ca_dir_ + "/server.key"; }

    SimReply send(const std::string& method, const std::string& path, const std::string& body = {});
    // send() that must answer 2xx; throws std::runtime_error otherwise.
    std::string control(const std::string& method, const std::string& path,
                        const std::string& body = {});

    // A Graph call as the registered application (client credentials with the secret), e.g.
    // graph("GET", "/v1.0/subscriptions").
    SimReply graph(const std::string& method, const std::string& path,
                   const std::string& body = {});

    std::vector<std::string> mailboxes();  // UPNs, users then rooms
    Poco::JSON::Object::Ptr counters();
    // Graph requests graphsim has served for the mailbox (0 before the first).
    std::int64_t mailboxRequests(const std::string& upn);
    // What calendarView lists for the mailbox in `w`: one comparable row per instance.
    std::multiset<std::string> truthRows(const std::string& upn, const Window& w);
    std::size_t truthCount(const std::string& upn, const Window& w) {
        return truthRows(upn, w).size();
    }

private:
    GraphsimOptions options_;
    std::string ca_dir_;
    std::unique_ptr<ChildProcess> process_;
    std::string base_;
    std::unique_ptr<net::PocoHttpClient> http_;
    std::string app_token_;
};

// calconnd.yaml's microsoft365: section: one tenant "sim", graphsim's at `graph_base` (login
// and Graph), with the client secret read from `secret_file`.
std::string simTenantYaml(const std::string& graph_base, const std::string& secret_file);

// calconnd.yaml's tls: and logging: sections: trust `ca_file`, log at `level` to stderr.
std::string tlsAndLoggingYaml(const std::string& ca_file, const std::string& level = "info");

struct SyncConfig {
    std::vector<std::string> users;
    std::vector<std::string> rooms;  // room mailboxes, without devices
    std::string poll_interval = "10s";
    int workers = 4;
    std::string level = "info";
    std::string sync_extra;  // YAML lines inside sync: (each indented by two spaces)
    // Top-level YAML sections appended at the end. Without an api: section among them the
    // REST API listens on a free port of 127.0.0.1 (tests run in parallel).
    std::string extra;
};

// Writes dir/calconnd.yaml (and the 0600 client secret) syncing graphsim's tenant, with the
// state directory and control socket in `dir`. Returns the path.
std::string writeSyncConfig(const TempDir& dir, const Graphsim& sim, const SyncConfig& config);

std::string controlSocket(const TempDir& dir);
// calconnctl --socket <dir's control socket> args...
ProcessResult calconnctl(const TempDir& dir, std::vector<std::string> args);

struct MailboxRow {
    std::string state;
    std::string reason;
    std::string error;
    std::size_t events = 0;
    std::optional<std::string> last_sync;  // ISO 8601 UTC
};
// `calconnctl status --json` by UPN; empty when calconnctl failed.
std::map<std::string, MailboxRow> mailboxRows(const TempDir& dir);

// The decrypted cache of the mailbox as calendarView would list it in `w` (series masters
// left out), in truthRows' form; nullopt when the dump failed.
std::optional<std::multiset<std::string>> cachedRows(const TempDir& dir, const std::string& upn,
                                                     const Window& w);

// A small deterministic PRNG whose draws do not depend on the standard library's distributions.
class Prng {
public:
    explicit Prng(std::uint64_t seed) : state_(seed) {}
    std::uint64_t next() {
        std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }
    std::size_t below(std::size_t n) { return static_cast<std::size_t>(next() % n); }

private:
    std::uint64_t state_;
};

}  // namespace calconn::e2e
