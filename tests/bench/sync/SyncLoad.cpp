// Load benchmark of the mailbox sync (issue 4, BENCHMARKS.md): starts the real graphsim with a
// generated tenant and the real calconnd syncing every mailbox of it, then reads calconnd's CPU
// time and memory from /proc. Reports events synced per second of calconnd CPU time in the
// initial sync, CPU per mailbox per incremental poll with no changes, and RSS per mailbox.
//
//   calconn_sync_load [--users N] [--rooms R] [--events-per-mailbox E] [--workers W]
//                     [--poll-interval-s S] [--steady-polls K] [--timeout-s T] [--keep]
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "net/PocoHttpClient.h"

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr const char* kTenant = "72f988bf-86f1-41af-91ab-2d7cd011db47";
constexpr const char* kClientId = "6731de76-14a6-49ae-97bc-6eba6914391e";
constexpr const char* kSecret = "load-bench-secret";

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

std::string readFile(const std::string& path) {
    std::ifstream in(path);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

// A background process, stdout and stderr into `log`; SIGTERM then SIGKILL on destruction.
class Process {
public:
    Process(const std::vector<std::string>& argv, const std::string& log) {
        pid_ = ::fork();
        if (pid_ == 0) {
            const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
            ::dup2(fd, 1);
            ::dup2(fd, 2);
            std::vector<char*> args;
            for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
            args.push_back(nullptr);
            ::execv(args[0], args.data());
            ::_exit(127);
        }
    }
    ~Process() {
        if (pid_ <= 0) return;
        ::kill(pid_, SIGTERM);
        for (int i = 0; i < 300; ++i) {
            if (::waitpid(pid_, nullptr, WNOHANG) == pid_) return;
            std::this_thread::sleep_for(100ms);
        }
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
    }
    Process(const Process&) = delete;
    Process& operator=(const Process&) = delete;
    pid_t pid() const { return pid_; }
    bool alive() const { return ::waitpid(pid_, nullptr, WNOHANG) == 0; }

private:
    pid_t pid_ = -1;
};

// Runs a program to completion and returns its stdout, or nullopt on a non-zero exit.
std::optional<std::string> capture(const std::vector<std::string>& argv) {
    int fds[2];
    if (::pipe(fds) != 0) return std::nullopt;
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::dup2(fds[1], 1);
        const int null = ::open("/dev/null", O_WRONLY);
        ::dup2(null, 2);
        ::close(fds[0]);
        std::vector<char*> args;
        for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        ::execv(args[0], args.data());
        ::_exit(127);
    }
    ::close(fds[1]);
    std::string out;
    char buf[65536];
    for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) out.append(buf, static_cast<size_t>(n));
    ::close(fds[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return std::nullopt;
    return out;
}

// utime + stime of a process, in seconds.
double cpuSeconds(pid_t pid) {
    const std::string stat = readFile("/proc/" + std::to_string(pid) + "/stat");
    std::istringstream in(stat.substr(stat.rfind(')') + 2));
    std::string field;
    unsigned long utime = 0, stime = 0;
    for (int i = 3; i <= 15 && in >> field; ++i) {
        if (i == 14) utime = std::stoul(field);
        if (i == 15) stime = std::stoul(field);
    }
    return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

// A "Vm...:   1234 kB" line of /proc/PID/status, in KiB.
long statusKib(pid_t pid, const std::string& key) {
    std::istringstream in(readFile("/proc/" + std::to_string(pid) + "/status"));
    for (std::string line; std::getline(in, line);)
        if (line.rfind(key + ":", 0) == 0) return std::atol(line.c_str() + key.size() + 1);
    return -1;
}

struct Snapshot {
    std::size_t mailboxes = 0, active = 0, errors = 0, events = 0;
    std::vector<std::string> last_syncs;  // per mailbox, in status order
};

std::optional<Snapshot> status(const std::string& socket) {
    auto out = capture({CALCONNCTL_PATH, "--socket", socket, "status", "--json"});
    if (!out) return std::nullopt;
    try {
        Poco::JSON::Parser parser;
        auto root = parser.parse(*out).extract<Poco::JSON::Object::Ptr>();
        auto list = root->getArray("mailboxes");
        Snapshot s;
        for (std::size_t i = 0; list && i < list->size(); ++i) {
            auto m = list->getObject(static_cast<unsigned>(i));
            const std::string state = m->getValue<std::string>("state");
            ++s.mailboxes;
            if (state == "active") ++s.active;
            if (state == "error") ++s.errors;
            s.events += static_cast<std::size_t>(m->getValue<Poco::Int64>("events"));
            s.last_syncs.push_back(m->isNull("last_sync") ? "" : m->getValue<std::string>("last_sync"));
        }
        return s;
    } catch (const Poco::Exception&) {
        return std::nullopt;
    }
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
        if (a == "--users") ok = next(opt.users);
        else if (a == "--rooms") ok = next(opt.rooms);
        else if (a == "--events-per-mailbox") ok = next(opt.events);
        else if (a == "--workers") ok = next(opt.workers);
        else if (a == "--poll-interval-s") ok = next(opt.poll_interval_s);
        else if (a == "--steady-polls") ok = next(opt.steady_polls);
        else if (a == "--timeout-s") ok = next(opt.timeout_s);
        else if (a == "--keep") opt.keep = true;
        else ok = false;
        if (!ok) return usage();
    }

    char tmpl[] = "/tmp/calconn-sync-load-XXXXXX";
    const std::string dir = ::mkdtemp(tmpl);
    auto file = [&](const std::string& name) { return dir + "/" + name; };
    std::filesystem::create_directories(file("run"));

    // graphsim with a generated tenant and CA.
    const auto gen_start = Clock::now();
    auto graphsim = std::make_unique<Process>(
        std::vector<std::string>{GRAPHSIM_PATH, "--port", "0", "--tenant-id", kTenant,
                                 "--client-id", kClientId, "--client-secret", kSecret,
                                 "--tenant-seed", "17", "--users", std::to_string(opt.users),
                                 "--rooms", std::to_string(opt.rooms), "--events-per-mailbox",
                                 std::to_string(opt.events), "--gen-ca", file("ca")},
        file("graphsim.log"));
    std::string base;
    while (base.empty()) {
        const std::string log = readFile(file("graphsim.log"));
        const auto at = log.find("graphsim listening on ");
        if (at != std::string::npos && log.find('\n', at) != std::string::npos) {
            const auto url = log.find("https://", at);
            base = log.substr(url, log.find('\n', url) - url);
            break;
        }
        if (!graphsim->alive() || Clock::now() - gen_start > 600s) {
            std::cerr << "graphsim did not start:\n" << log;
            return 1;
        }
        std::this_thread::sleep_for(100ms);
    }
    const double gen_s = std::chrono::duration<double>(Clock::now() - gen_start).count();

    calconn::net::PocoHttpClientOptions http_options;
    http_options.tls.ca_file = file("ca/ca.pem");
    auto http = calconn::net::PocoHttpClient::create(http_options);
    if (!http.ok()) {
        std::cerr << "http client: " << http.error().message << "\n";
        return 1;
    }
    calconn::net::HttpRequest request;
    request.method = "GET";
    request.url = base + "/_sim/mailboxes";
    auto response = (*http)->send(request);
    if (!response.ok() || response->status != 200) {
        std::cerr << "GET /_sim/mailboxes failed\n";
        return 1;
    }
    std::vector<std::string> upns;
    {
        Poco::JSON::Parser parser;
        auto list = parser.parse(response->body).extract<Poco::JSON::Array::Ptr>();
        for (std::size_t i = 0; i < list->size(); ++i)
            upns.push_back(list->getObject(static_cast<unsigned>(i))->getValue<std::string>("upn"));
    }

    // calconnd's configuration, as tests/e2e/SyncTest.cpp writes it.
    const std::string secret = file("client-secret");
    std::ofstream(secret) << kSecret << "\n";
    ::chmod(secret.c_str(), 0600);
    const std::string config = file("calconnd.yaml");
    {
        std::ofstream out(config);
        out << "daemon:\n"
            << "  state_directory: " << file("state") << "\n"
            << "  control_socket: " << file("run/control.sock") << "\n"
            << "  shutdown_timeout: 10s\n"
            << "microsoft365:\n"
            << "  tenants:\n"
            << "    - name: sim\n"
            << "      tenant_id: " << kTenant << "\n"
            << "      client_id: " << kClientId << "\n"
            << "      client_secret_file: " << secret << "\n"
            << "      login_endpoint: " << base << "\n"
            << "      graph_endpoint: " << base << "\n"
            << "sync:\n"
            << "  poll_interval: " << opt.poll_interval_s << "s\n"
            << "  workers: " << opt.workers << "\n"
            << "mailboxes:\n"
            << "  users:\n";
        for (const auto& upn : upns) out << "    - " << upn << "\n";
        out << "tls:\n"
            << "  ca_file: " << file("ca/ca.pem") << "\n"
            << "logging:\n"
            << "  level: info\n"
            << "  target: stderr\n";
    }

    // Graph requests calconnd made, summed over mailboxes, from graphsim's counters.
    auto graphRequests = [&]() -> long {
        calconn::net::HttpRequest get;
        get.method = "GET";
        get.url = base + "/_sim/counters";
        auto r = (*http)->send(get);
        if (!r.ok() || r->status != 200) return -1;
        Poco::JSON::Parser parser;
        auto mailboxes = parser.parse(r->body).extract<Poco::JSON::Object::Ptr>()->getObject("mailboxes");
        long total = 0;
        for (const auto& [upn, value] : *mailboxes)
            total += value.extract<Poco::JSON::Object::Ptr>()->getValue<long>("requests");
        return total;
    };

    // Initial sync: until every mailbox is active (status polled every 2 s; its cost is
    // included in calconnd's CPU time).
    const std::string socket = file("run/control.sock");
    const auto sync_start = Clock::now();
    auto daemon = std::make_unique<Process>(std::vector<std::string>{CALCONND_PATH, "--config", config},
                                            file("calconnd.log"));
    const pid_t pid = daemon->pid();
    Snapshot initial;
    double sync_s = 0;
    for (;;) {
        std::this_thread::sleep_for(2s);
        if (!daemon->alive()) {
            std::cerr << "calconnd exited:\n" << readFile(file("calconnd.log"));
            return 1;
        }
        auto s = status(socket);
        if (s && s->mailboxes == upns.size() && s->active == upns.size()) {
            sync_s = std::chrono::duration<double>(Clock::now() - sync_start).count();
            initial = *s;
            break;
        }
        if (s)
            std::cerr << "\r" << static_cast<int>(std::chrono::duration<double>(Clock::now() - sync_start).count())
                      << " s: " << s->active << "/" << upns.size() << " active, " << s->errors
                      << " error, " << s->events << " events" << std::flush;
        if (Clock::now() - sync_start > std::chrono::seconds(opt.timeout_s)) {
            std::cerr << "\ntimed out; log in " << dir << "\n";
            opt.keep = true;
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
    auto after = status(socket);
    std::size_t polled = 0;  // mailboxes whose last_sync moved during the steady phase
    if (after && after->last_syncs.size() == initial.last_syncs.size())
        for (std::size_t i = 0; i < initial.last_syncs.size(); ++i)
            polled += after->last_syncs[i] != initial.last_syncs[i];
    const long rss_steady = statusKib(pid, "VmRSS");
    const long hwm_steady = statusKib(pid, "VmHWM");

    const double n = static_cast<double>(upns.size());
    const double polls = n * steady_s / opt.poll_interval_s;  // nominal mailbox polls
    std::printf("calconn_sync_load: %zu mailboxes x %d events (graphsim --users %d --rooms %d), "
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
    std::printf("  Graph requests in steady state      %10ld (nominal polls %.0f)\n", steady_requests,
                polls);
    std::printf("  CPU per Graph request (steady)      %10.3f ms\n",
                1000 * (cpu_after - cpu_before) / static_cast<double>(steady_requests));
    std::printf("  calconnd CPU share in steady state  %10.1f %% of one core\n",
                100 * (cpu_after - cpu_before) / steady_s);
    std::printf("  RSS after steady state              %10.1f MiB (%.1f KiB/mailbox), peak %.1f MiB\n",
                rss_steady / 1024.0, rss_steady / n, hwm_steady / 1024.0);

    daemon.reset();
    graphsim.reset();
    if (!opt.keep) std::filesystem::remove_all(dir);
    else std::printf("  files kept in %s\n", dir.c_str());
    return 0;
}
