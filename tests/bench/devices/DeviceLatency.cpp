// Notification-to-booking latency (issue 6, BENCHMARKS.md): the real graphsim, one real roomsim
// per room and the real calconnd as processes. Creates meetings in the rooms through graphsim's
// control API at a steady rate and times each one from the create request until the room's
// roomsim holds a booking with its subject (roomsim polled every 20 ms). Reports p50/p90/p99/max
// over all changes, the pushes the devices received, and calconnd's CPU time.
//
//   calconn_device_latency [--rooms R] [--changes N] [--rate PER_SECOND]
//                          [--poll-interval-s S] [--notifications] [--keep]
//
// Without --notifications calconnd finds changes by polling (sync.poll_interval); with it,
// graphsim delivers Graph change notifications to calconnd's HTTPS API (sync.notifications).
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "Harness.h"
#include "SyncFixture.h"
#include "net/PocoHttpClient.h"

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;
using calconn::e2e::ChildProcess;
using calconn::e2e::cpuSeconds;
using calconn::e2e::DaemonProcess;
using calconn::e2e::freePort;
using calconn::e2e::graphDateTime;
using calconn::e2e::kSimClientId;
using calconn::e2e::kSimTenantId;
using calconn::e2e::readFile;
using calconn::e2e::runProgram;
using calconn::e2e::simTenantYaml;
using calconn::e2e::tlsAndLoggingYaml;
using calconn::e2e::writeSecretFile;

constexpr const char* kSecret = "latency-bench-secret";
constexpr const char* kDevicePassword = "bench-device-pw";
constexpr auto kSeenPoll = 20ms;
constexpr auto kChangeTimeout = 120s;

struct Options {
    int rooms = 10;
    int changes = 1000;
    double rate = 2.0;  // changes per second, spread round-robin over the rooms
    int poll_interval_s = 10;
    bool notifications = false;
    bool keep = false;
};

// The URL a simulator prints once it serves ("... listening on https://127.0.0.1:PORT").
std::optional<std::string> waitForUrl(const ChildProcess& process) {
    if (process.waitForLog("listening on https://", 60s)) {
        const std::string log = process.log();
        const auto url = log.find("https://", log.find("listening on https://"));
        const auto end = log.find('\n', url);
        if (end != std::string::npos) return log.substr(url, end - url);
    }
    std::cerr << "did not start:\n" << process.log();
    return std::nullopt;
}

double percentile(std::vector<double> sorted, double p) {
    if (sorted.empty()) return 0;
    const double rank = p / 100.0 * static_cast<double>(sorted.size() - 1);
    const auto low = static_cast<std::size_t>(rank);
    const auto high = std::min(low + 1, sorted.size() - 1);
    return sorted[low] + (sorted[high] - sorted[low]) * (rank - static_cast<double>(low));
}

int usage() {
    std::cerr << "usage: calconn_device_latency [--rooms R] [--changes N] [--rate PER_SECOND]\n"
                 "       [--poll-interval-s S] [--notifications] [--keep]\n";
    return 64;
}

}  // namespace

int main(int argc, char** argv) {
    Options opt;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto value = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
        const char* v = nullptr;
        if (a == "--rooms" && (v = value())) opt.rooms = std::atoi(v);
        else if (a == "--changes" && (v = value())) opt.changes = std::atoi(v);
        else if (a == "--rate" && (v = value())) opt.rate = std::atof(v);
        else if (a == "--poll-interval-s" && (v = value())) opt.poll_interval_s = std::atoi(v);
        else if (a == "--notifications") opt.notifications = true;
        else if (a == "--keep") opt.keep = true;
        else return usage();
    }
    if (opt.rooms < 1 || opt.changes < 1 || opt.rate <= 0) return usage();

    char tmpl[] = "/tmp/calconn-device-latency-XXXXXX";
    const std::string dir = ::mkdtemp(tmpl);
    auto file = [&](const std::string& name) { return dir + "/" + name; };
    std::filesystem::create_directories(file("run"));

    auto graphsim = std::make_unique<ChildProcess>(
        std::vector<std::string>{GRAPHSIM_PATH, "--port", "0", "--tenant-id", kSimTenantId,
                                 "--client-id", kSimClientId, "--client-secret", kSecret,
                                 "--tenant-seed", "29", "--users", "1", "--rooms",
                                 std::to_string(opt.rooms), "--events-per-mailbox", "2",
                                 "--gen-ca", file("ca")},
        file("graphsim.log"));
    const auto base = waitForUrl(*graphsim);
    if (!base) return 1;

    calconn::net::PocoHttpClientOptions http_options;
    http_options.tls.ca_file = file("ca/ca.pem");
    http_options.max_idle_per_host = 4;
    auto created_client = calconn::net::PocoHttpClient::create(http_options);
    if (!created_client.ok()) {
        std::cerr << "http client: " << created_client.error().message << "\n";
        return 1;
    }
    auto& http = **created_client;
    auto get = [&](const std::string& url) -> std::optional<std::string> {
        calconn::net::HttpRequest request;
        request.method = "GET";
        request.url = url;
        auto response = http.send(request);
        if (!response.ok() || response->status != 200) return std::nullopt;
        return response->body;
    };

    std::string user;
    std::vector<std::string> rooms;
    {
        auto body = get(*base + "/_sim/mailboxes");
        if (!body) return 1;
        Poco::JSON::Parser parser;
        auto list = parser.parse(*body).extract<Poco::JSON::Array::Ptr>();
        for (std::size_t i = 0; i < list->size(); ++i) {
            auto m = list->getObject(static_cast<unsigned>(i));
            if (m->getValue<std::string>("kind") == "room")
                rooms.push_back(m->getValue<std::string>("upn"));
            else
                user = m->getValue<std::string>("upn");
        }
    }

    // One simulated device per room, serving graphsim's certificate (signed by the test CA).
    std::vector<std::unique_ptr<ChildProcess>> roomsims;
    std::vector<std::string> device_urls;
    for (std::size_t r = 0; r < rooms.size(); ++r) {
        const std::string log = file("roomsim-" + std::to_string(r) + ".log");
        roomsims.push_back(std::make_unique<ChildProcess>(
            std::vector<std::string>{ROOMSIM_PATH, "--port", "0", "--tls-cert", file("ca/server.pem"),
                                     "--tls-key", file("ca/server.key"), "--user",
                                     std::string("calconn:") + kDevicePassword + ":Admin"},
            log));
        auto url = waitForUrl(*roomsims.back());
        if (!url) return 1;
        device_urls.push_back(*url);
    }

    const std::string secret = file("client-secret");
    writeSecretFile(secret, kSecret);
    const std::string password = file("device.pw");
    writeSecretFile(password, kDevicePassword);
    const int api_port = freePort();
    const std::string config = file("calconnd.yaml");
    {
        std::ofstream out(config);
        out << "daemon:\n"
            << "  state_directory: " << file("state") << "\n"
            << "  control_socket: " << file("run/control.sock") << "\n"
            << simTenantYaml(*base, secret)
            << "sync:\n"
            << "  poll_interval: " << opt.poll_interval_s << "s\n"
            << "  workers: 4\n";
        if (opt.notifications) {
            out << "  notifications:\n"
                << "    public_url: https://127.0.0.1:" << api_port << "/graph/notifications\n";
        }
        out << "mailboxes:\n"
            << "  users: [" << user << "]\n"
            << "  rooms:\n";
        for (std::size_t r = 0; r < rooms.size(); ++r) {
            out << "    - mailbox: " << rooms[r] << "\n"
                << "      devices:\n"
                << "        - {name: codec, type: roomos, url: " << device_urls[r]
                << ", username: calconn, password_file: " << password
                << ", ca_file: " << file("ca/ca.pem") << "}\n";
        }
        out << "api:\n"
            << "  listen: 127.0.0.1:" << api_port << "\n"
            << "  tls:\n"
            << "    certificate_file: " << file("ca/server.pem") << "\n"
            << "    private_key_file: " << file("ca/server.key") << "\n"
            << tlsAndLoggingYaml(file("ca/ca.pem"));
    }

    auto daemon = std::make_unique<DaemonProcess>(config, file("calconnd.log"));
    const std::string socket = file("run/control.sock");
    // Every device has taken its first list.
    const auto start_deadline = Clock::now() + 120s;
    for (;;) {
        std::this_thread::sleep_for(200ms);
        if (daemon->waitExit(0ms)) {
            std::cerr << "calconnd exited:\n" << readFile(file("calconnd.log"));
            return 1;
        }
        std::size_t ok = 0;
        if (auto run = runProgram({CALCONNCTL_PATH, "--socket", socket, "devices", "list", "--json"});
            run.exit_code == 0) {
            Poco::JSON::Parser parser;
            auto list = parser.parse(run.out).extract<Poco::JSON::Object::Ptr>()->getArray("devices");
            for (std::size_t i = 0; list && i < list->size(); ++i)
                ok += list->getObject(static_cast<unsigned>(i))->getValue<std::string>("state") == "ok";
        }
        if (ok == rooms.size()) break;
        if (Clock::now() > start_deadline) {
            std::cerr << "devices not ready; files in " << dir << "\n";
            return 1;
        }
    }
    auto putsOk = [&] {
        long total = 0;
        for (const auto& url : device_urls) {
            if (auto body = get(url + "/_sim/counters")) {
                Poco::JSON::Parser parser;
                total += parser.parse(*body).extract<Poco::JSON::Object::Ptr>()->getValue<long>("puts_ok");
            }
        }
        return total;
    };
    if (opt.notifications) {
        // Subscriptions are created after each mailbox's first round; wait for them.
        const auto deadline = Clock::now() + 60s;
        for (;;) {
            auto body = get(*base + "/_sim/subscriptions");
            std::size_t active = 0;
            if (body) {
                Poco::JSON::Parser parser;
                auto root = parser.parse(*body).extract<Poco::JSON::Object::Ptr>();
                active = static_cast<std::size_t>(root->optValue<Poco::Int64>("subscriptions", 0));
            }
            if (active >= rooms.size() + 1) break;
            if (Clock::now() > deadline) {
                std::cerr << "no Graph subscriptions (" << (body ? *body : "?")
                          << "); is sync.notifications wired? files in " << dir << "\n";
                return 1;
            }
            std::this_thread::sleep_for(200ms);
        }
    }

    const long puts_before = putsOk();
    const double cpu_before = cpuSeconds(daemon->pid());

    // Outstanding changes: subject -> (room index, sent at); a watcher thread polls the
    // devices of rooms with outstanding changes and records when each subject shows up.
    std::mutex mutex;
    std::map<std::string, std::pair<std::size_t, Clock::time_point>> outstanding;
    std::vector<double> latencies_ms;
    std::atomic<bool> done{false};
    std::thread watcher([&] {
        auto watcher_client = calconn::net::PocoHttpClient::create(http_options);
        auto& client = **watcher_client;
        while (!done) {
            std::map<std::size_t, std::vector<std::string>> by_room;
            {
                std::lock_guard lock(mutex);
                for (const auto& [subject, entry] : outstanding) by_room[entry.first].push_back(subject);
            }
            for (const auto& [room, subjects] : by_room) {
                calconn::net::HttpRequest request;
                request.method = "GET";
                request.url = device_urls[room] + "/_sim/bookings";
                auto response = client.send(request);
                const auto now = Clock::now();
                if (!response.ok() || response->status != 200) continue;
                std::lock_guard lock(mutex);
                for (const auto& subject : subjects) {
                    if (response->body.find("\"" + subject + "\"") == std::string::npos) continue;
                    auto it = outstanding.find(subject);
                    latencies_ms.push_back(
                        std::chrono::duration<double, std::milli>(now - it->second.second).count());
                    outstanding.erase(it);
                }
            }
            std::this_thread::sleep_for(kSeenPoll);
        }
    });

    const auto period = std::chrono::duration<double>(1.0 / opt.rate);
    const auto run_start = Clock::now();
    const auto wall_now = std::chrono::system_clock::now();
    int failed_creates = 0;
    for (int n = 0; n < opt.changes; ++n) {
        std::this_thread::sleep_until(run_start + std::chrono::duration_cast<Clock::duration>(period * n));
        const std::size_t room = static_cast<std::size_t>(n) % rooms.size();
        const std::string subject = "bench-" + std::to_string(n);
        // Within devices.horizon (72 h), one hour apart per room so the lists stay readable.
        const auto start = std::chrono::floor<std::chrono::hours>(wall_now) +
                           std::chrono::hours(1 + (n / static_cast<int>(rooms.size())) % 70);
        std::ostringstream event;
        event << R"({"subject":")" << subject << R"(","start":{"dateTime":")" << graphDateTime(start)
              << R"(","timeZone":"UTC"},"end":{"dateTime":")"
              << graphDateTime(start + std::chrono::minutes(30))
              << R"(","timeZone":"UTC"},"organizer":{"emailAddress":{"name":"Bench","address":")"
              << user << R"("}},"location":{"displayName":"Microsoft Teams Meeting"},)"
              << R"("onlineMeeting":{"joinUrl":"https://teams.microsoft.com/l/meetup-join/19%3ameeting_)"
              << n << R"(%40thread.v2/0"}})";
        calconn::net::HttpRequest request;
        request.method = "POST";
        request.url = *base + "/_sim/mailboxes/" + rooms[room] + "/events";
        request.body = event.str();
        request.headers.add("Content-Type", "application/json");
        const auto sent = Clock::now();
        {
            std::lock_guard lock(mutex);
            outstanding[subject] = {room, sent};
        }
        auto response = http.send(request);
        if (!response.ok() || response->status != 201) {
            std::lock_guard lock(mutex);
            outstanding.erase(subject);
            ++failed_creates;
        }
        if (n % 50 == 0) {
            std::lock_guard lock(mutex);
            std::cerr << "\r" << n << "/" << opt.changes << " changes, " << latencies_ms.size()
                      << " seen" << std::flush;
        }
    }
    const auto deadline = Clock::now() + kChangeTimeout;
    for (;;) {
        {
            std::lock_guard lock(mutex);
            if (outstanding.empty() || Clock::now() > deadline) break;
        }
        std::this_thread::sleep_for(100ms);
    }
    done = true;
    watcher.join();
    std::cerr << "\n";
    const double run_s = std::chrono::duration<double>(Clock::now() - run_start).count();
    const double cpu = cpuSeconds(daemon->pid()) - cpu_before;
    const long puts = putsOk() - puts_before;

    std::sort(latencies_ms.begin(), latencies_ms.end());
    double sum = 0;
    for (double v : latencies_ms) sum += v;
    std::printf("calconn_device_latency: %zu room%s (one roomsim each), %d changes at %.1f/s, %s\n",
                rooms.size(), rooms.size() == 1 ? "" : "s", opt.changes, opt.rate,
                opt.notifications ? "Graph change notifications"
                                  : ("polling every " + std::to_string(opt.poll_interval_s) + " s").c_str());
    std::printf("  changes seen on the device    %8zu (missing %zu, create failures %d)\n",
                latencies_ms.size(), static_cast<std::size_t>(opt.changes - failed_creates) - latencies_ms.size(),
                failed_creates);
    std::printf("  latency p50                   %8.0f ms\n", percentile(latencies_ms, 50));
    std::printf("  latency p90                   %8.0f ms\n", percentile(latencies_ms, 90));
    std::printf("  latency p99                   %8.0f ms\n", percentile(latencies_ms, 99));
    std::printf("  latency max                   %8.0f ms\n", latencies_ms.empty() ? 0 : latencies_ms.back());
    std::printf("  latency mean                  %8.0f ms\n",
                latencies_ms.empty() ? 0 : sum / static_cast<double>(latencies_ms.size()));
    std::printf("  pushes the devices accepted   %8ld (%.2f changes per push)\n", puts,
                puts > 0 ? static_cast<double>(latencies_ms.size()) / static_cast<double>(puts) : 0);
    std::printf("  calconnd CPU during the run   %8.2f s over %.0f s wall (%.1f %% of a core)\n", cpu,
                run_s, 100 * cpu / run_s);

    daemon->signal(SIGTERM);
    daemon->waitExit();
    daemon.reset();
    roomsims.clear();
    graphsim.reset();
    if (!opt.keep) std::filesystem::remove_all(dir);
    else std::printf("  files kept in %s\n", dir.c_str());
    return latencies_ms.size() == static_cast<std::size_t>(opt.changes) ? 0 : 1;
}
