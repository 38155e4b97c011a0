// Load benchmark of the mailbox sync (issue 4, BENCHMARKS.md): starts the real graphsim with a
// generated tenant and the real calconnd syncing every mailbox of it, then reads calconnd's CPU
// time and memory from /proc. Reports events synced per second of calconnd CPU time in the
// initial sync, CPU per mailbox per incremental poll with no changes, and RSS per mailbox.
//
//   calconn_sync_load [--users N] [--rooms R] [--events-per-mailbox E] [--workers W]
//                     [--poll-interval-s S] [--steady-polls K] [--timeout-s T] [--keep]
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "Harness.h"
#include "SyncFixture.h"

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;
using calconn::e2e::cpuSeconds;
using calconn::e2e::readFile;

struct Options {
    int users = 10000;
    int rooms = 0;
    int events = 30;
    int workers = 4;
    int poll_interval_s = 10;
    int steady_polls = 3;
    int timeout_s = 3600;
    bool keep = false;
};

// A "Vm...:   1234 kB" line of /proc/PID/status, in KiB.
long statusKib(pid_t pid, const std::string& key) {
    std::istringstream in(readFile("/proc/" + std::to_string(pid) + "/status"));
    for (std::string line; std::getline(in, line);)
        if (line.rfind(key + ":", 0) == 0) return std::atol(line.c_str() + key.size() + 1);
    return -1;
}

struct Snapshot {
    std::size_t mailboxes = 0, active = 0, errors = 0, events = 0;
    std::vector<std::string> last_syncs;  // per mailbox, in UPN order
};

std::optional<Snapshot> status(const calconn::e2e::TempDir& dir) {
    const auto rows = calconn::e2e::mailboxRows(dir);
    if (rows.empty()) return std::nullopt;
    Snapshot s;
    for (const auto& [upn, row] : rows) {
        ++s.mailboxes;
        if (row.state == "active") ++s.active;
        if (row.state == "error") ++s.errors;
        s.events += row.events;
        s.last_syncs.push_back(row.last_sync.value_or(""));
    }
    return s;
}

int usage() {
    std::cerr << "usage: calconn_sync_load [--users N] [--rooms R] [--events-per-mailbox E]\n"
                 "       [--workers W] [--poll-interval-s S] [--steady-polls K] [--timeout-s T]"
                 " [--keep]\n";
    return 64;
}

}  // namespace

int main(int argc, char** argv) {
    Options opt;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto next = [&](int& field) {
            if (i + 1 >= argc) return false;
            field = std::atoi(argv[++i]);
            return true;
        };
        bool ok = true;
        if (a == "--users")
            ok = next(opt.users);
        else if (a == "--rooms")
            ok = next(opt.rooms);
        else if (a == "--events-per-mailbox")
            ok = next(opt.events);
        else if (a == "--workers")
            ok = next(opt.workers);
        else if (a == "--poll-interval-s")
            ok = next(opt.poll_interval_s);
        else if (a == "--steady-polls")
            ok = next(opt.steady_polls);
        else if (a == "--timeout-s")
            ok = next(opt.timeout_s);
        else if (a == "--keep")
            opt.keep = true;
        else
            ok = false;
        if (!ok) return usage();
    }

    calconn::e2e::TempDir dir;
    auto file = [&](const std::string& name) { return dir.file(name); };

    // graphsim with a generated tenant and CA.
    const auto gen_start = Clock::now();
    calconn::e2e::GraphsimOptions sim_options;
    sim_options.users = opt.users;
    sim_options.rooms = opt.rooms;
    sim_options.events_per_mailbox = opt.events;
    sim_options.client_secret = "load-bench-secret";
    sim_options.start_timeout = 600s;
    auto graphsim = std::make_unique<calconn::e2e::Graphsim>(dir, sim_options);
    if (!graphsim->started()) {
        std::cerr << "graphsim did not start:\n" << graphsim->log();
        return 1;
    }
    const double gen_s = std::chrono::duration<double>(Clock::now() - gen_start).count();
    std::vector<std::string> upns;
    try {
        upns = graphsim->mailboxes();
    } catch (const std::exception& e) {
        std::cerr << e.what() << "\n";
        return 1;
    }

    calconn::e2e::SyncConfig sync_config;
    sync_config.users = upns;
    sync_config.poll_interval = std::to_string(opt.poll_interval_s) + "s";
    sync_config.workers = opt.workers;
    const std::string config = calconn::e2e::writeSyncConfig(dir, *graphsim, sync_config);

    // Graph requests calconnd made, summed over mailboxes, from graphsim's counters.
    auto graphRequests = [&]() -> long {
        try {
            auto mailboxes = graphsim->counters()->getObject("mailboxes");
            long total = 0;
            for (const auto& [upn, value] : *mailboxes)
                total += value.extract<Poco::JSON::Object::Ptr>()->getValue<long>("requests");
            return total;
        } catch (const std::exception&) {
            return -1;
        }
    };

    // Initial sync: until every mailbox is active (status polled every 2 s; its cost is
    // included in calconnd's CPU time).
    const auto sync_start = Clock::now();
    auto daemon = std::make_unique<calconn::e2e::DaemonProcess>(config, file("calconnd.log"));
    const pid_t pid = daemon->pid();
    Snapshot initial;
    double sync_s = 0;
    for (;;) {
        std::this_thread::sleep_for(2s);
        if (daemon->waitExit(0ms)) {
            std::cerr << "calconnd exited:\n" << readFile(file("calconnd.log"));
            return 1;
        }
        auto s = status(dir);
        if (s && s->mailboxes == upns.size() && s->active == upns.size()) {
            sync_s = std::chrono::duration<double>(Clock::now() - sync_start).count();
            initial = *s;
            break;
        }
        if (s)
            std::cerr << "\r"
                      << static_cast<int>(
                             std::chrono::duration<double>(Clock::now() - sync_start).count())
                      << " s: " << s->active << "/" << upns.size() << " active, " << s->errors
                      << " error, " << s->events << " events" << std::flush;
        if (Clock::now() - sync_start > std::chrono::seconds(opt.timeout_s)) {
            std::cerr << "\ntimed out; log in " << dir.path() << "\n";
            dir.keep();
            return 1;
        }
    }
    std::cerr << "\n";
    const double cpu_initial = cpuSeconds(pid);
    const long initial_requests = graphRequests();
    const long rss_initial = statusKib(pid, "VmRSS");
    const long hwm_initial = statusKib(pid, "VmHWM");

    // Steady state: incremental polls with no changes in graphsim.
    const long requests_before = graphRequests();
    const double cpu_before = cpuSeconds(pid);
    const auto steady_start = Clock::now();
    std::this_thread::sleep_for(std::chrono::seconds(opt.poll_interval_s * opt.steady_polls));
    const double cpu_after = cpuSeconds(pid);
    const double steady_s = std::chrono::duration<double>(Clock::now() - steady_start).count();
    const long steady_requests = graphRequests() - requests_before;
    auto after = status(dir);
    std::size_t polled = 0;  // mailboxes whose last_sync moved during the steady phase
    if (after && after->last_syncs.size() == initial.last_syncs.size())
        for (std::size_t i = 0; i < initial.last_syncs.size(); ++i)
            polled += after->last_syncs[i] != initial.last_syncs[i];
    const long rss_steady = statusKib(pid, "VmRSS");
    const long hwm_steady = statusKib(pid, "VmHWM");

    const double n = static_cast<double>(upns.size());
    const double polls = n * steady_s / opt.poll_interval_s;  // nominal mailbox polls
    std::printf(
        "calconn_sync_load: %zu mailboxes x %d events (graphsim --users %d --rooms %d), "
        "workers %d, poll_interval %d s\n",
        upns.size(), opt.events, opt.users, opt.rooms, opt.workers, opt.poll_interval_s);
    std::printf("  graphsim tenant generation          %10.1f s wall\n", gen_s);
    std::printf("  initial sync wall time              %10.1f s\n", sync_s);
    std::printf("  events synced (sum of status)       %10zu\n", initial.events);
    std::printf("  calconnd CPU, initial sync          %10.2f s\n", cpu_initial);
    std::printf("  events synced per CPU second        %10.0f\n", initial.events / cpu_initial);
    std::printf("  Graph requests in initial sync      %10ld\n", initial_requests);
    std::printf("  calconnd CPU per mailbox, initial   %10.3f ms\n", 1000 * cpu_initial / n);
    std::printf("  RSS after initial sync              %10.1f MiB (%.1f KiB/mailbox)\n",
                rss_initial / 1024.0, rss_initial / n);
    std::printf("  peak RSS (VmHWM) after initial sync %10.1f MiB (%.1f KiB/mailbox)\n",
                hwm_initial / 1024.0, hwm_initial / n);
    std::printf("  steady state: %.1f s wall, %zu/%zu mailboxes polled (last_sync moved)\n",
                steady_s, polled, upns.size());
    std::printf("  calconnd CPU in steady state        %10.2f s\n", cpu_after - cpu_before);
    std::printf("  CPU per mailbox per poll (nominal)  %10.3f ms\n",
                1000 * (cpu_after - cpu_before) / polls);
    std::printf("  Graph requests in steady state      %10ld (nominal polls %.0f)\n",
                steady_requests, polls);
    std::printf("  CPU per Graph request (steady)      %10.3f ms\n",
                1000 * (cpu_after - cpu_before) / static_cast<double>(steady_requests));
    std::printf("  calconnd CPU share in steady state  %10.1f %% of one core\n",
                100 * (cpu_after - cpu_before) / steady_s);
    std::printf(
        "  RSS after steady state              %10.1f MiB (%.1f KiB/mailbox), peak %.1f MiB\n",
        rss_steady / 1024.0, rss_steady / n, hwm_steady / 1024.0);

    daemon->signal(SIGTERM);
    daemon->waitExit(30s);
    daemon.reset();
    graphsim.reset();
    if (opt.keep) {
        dir.keep();
        std::printf("  files kept in %s\n", dir.path().c_str());
    }
    return 0;
}
