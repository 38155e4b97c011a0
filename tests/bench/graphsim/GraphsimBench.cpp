// Requests per second graphsim sustains for calendarView/delta rounds of a large tenant.
//   GRAPHSIM_BENCH_USERS (default 10000), GRAPHSIM_BENCH_EVENTS (default 30) size the tenant.
// BM_DeltaRoundInProcess measures the simulator alone (Simulator::handle, no sockets);
// BM_DeltaRoundHttps drives it over TLS keep-alive connections from several client threads.
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/StreamCopier.h>
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>
#include <sstream>

#include "CertGen.h"
#include "Server.h"
#include "SimHttp.h"
#include "Simulator.h"

namespace {

using namespace calconn::graphsim;

int envInt(const char* name, int fallback) {
    const char* v = std::getenv(name);
    return v ? std::atoi(v) : fallback;
}

const std::string kWindow = "startDateTime=2026-11-20T00:00:00Z&endDateTime=2026-12-27T00:00:00Z";

struct World {
    calconn::common::SystemClock clock;
    std::unique_ptr<Simulator> sim;
    std::unique_ptr<Server> server;
    TestPki pki;
    std::string token;
    std::vector<std::string> upns;
    std::string pki_dir;

    ~World() {
        server.reset();
        std::error_code ignored;
        std::filesystem::remove_all(pki_dir, ignored);
    }

    World() {
        SimulatorConfig config;
        config.generator.users = envInt("GRAPHSIM_BENCH_USERS", 10000);
        config.generator.rooms = config.generator.users / 20;
        config.generator.events_per_mailbox = envInt("GRAPHSIM_BENCH_EVENTS", 30);
        config.generator.seed = 2026;
        config.generator.base_day = daysFromCivil(2026, 11, 27);
        config.generator.tenant_id = "72f988bf-86f1-41af-91ab-2d7cd011db47";
        config.client_id = "bench-app";
        config.client_secret = "bench-secret";
        auto started = std::chrono::steady_clock::now();
        sim = std::make_unique<Simulator>(config, clock);
        std::fprintf(stderr, "graphsim bench: generated %zu mailboxes in %.1f s\n", sim->tenant().mailboxes.size(),
                     std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
        for (const auto& m : sim->tenant().mailboxes) upns.push_back(m->upn);
        pki_dir = (std::filesystem::temp_directory_path() / ("graphsim-bench-pki-" + std::to_string(::getpid()))).string();
        auto p = generateTestPki(pki_dir);
        if (!p) std::abort();
        pki = p.value();
        ServerConfig sc;
        sc.cert_file = pki.server_cert_file;
        sc.key_file = pki.server_key_file;
        sc.threads = 16;
        server = std::make_unique<Server>(*sim, sc);
        if (!server->start()) std::abort();
        SimRequest req;
        req.method = "POST";
        req.path = "/" + config.generator.tenant_id + "/oauth2/v2.0/token";
        req.body = "client_id=bench-app&client_secret=bench-secret&grant_type=client_credentials&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default";
        req.headers["Content-Type"] = "application/x-www-form-urlencoded";
        auto r = sim->handle(req);
        Poco::JSON::Parser parser;
        token = parser.parse(r.body).extract<Poco::JSON::Object::Ptr>()->getValue<std::string>("access_token");
    }
};

World& world() {
    static World w;
    return w;
}

std::string nextPath(const std::string& body, const std::string& base, bool& done) {
    // Cheap scan instead of a DOM parse: the client cost should not dominate.
    static const std::string kNext = "\"@odata.nextLink\":\"";
    size_t pos = body.find(kNext);
    if (pos == std::string::npos) {
        done = true;
        return {};
    }
    pos += kNext.size();
    std::string link = body.substr(pos, body.find('"', pos) - pos);
    return link.rfind(base, 0) == 0 ? link.substr(base.size()) : link;
}

void BM_DeltaRoundInProcess(benchmark::State& state) {
    World& w = world();
    std::atomic<std::size_t> next{0};
    std::int64_t requests = 0;
    const std::string base = w.server->baseUrl();
    for (auto _ : state) {
        const std::string& upn = w.upns[next++ % w.upns.size()];
        SimRequest req;
        req.method = "GET";
        req.headers["Authorization"] = "Bearer " + w.token;
        req.headers["Prefer"] = "odata.maxpagesize=" + std::to_string(state.range(0));
        std::string path = "/v1.0/users/" + upn + "/calendarView/delta?" + kWindow;
        bool done = false;
        while (!done) {
            size_t q = path.find('?');
            req.path = path.substr(0, q);
            req.query = path.substr(q + 1);
            SimResponse r = w.sim->handle(req);
            ++requests;
            if (r.status != 200) {
                state.SkipWithError("delta request failed");
                return;
            }
            path = nextPath(r.body, base, done);
        }
    }
    state.counters["requests/s"] = benchmark::Counter(static_cast<double>(requests), benchmark::Counter::kIsRate);
    state.counters["requests/round"] = static_cast<double>(requests) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_DeltaRoundInProcess)->Arg(10)->Arg(50)->UseRealTime()->Unit(benchmark::kMicrosecond);

// Steady state of a connector: every mailbox already holds a deltaLink; a round is one GET of
// it (no changes). Links are collected on first use.
void BM_DeltaIncrementalInProcess(benchmark::State& state) {
    World& w = world();
    static std::vector<std::string> links;
    static std::once_flag once;
    const std::string base = w.server->baseUrl();
    std::call_once(once, [&] {
        const size_t n = std::min<size_t>(w.upns.size(), 2000);
        for (size_t i = 0; i < n; ++i) {
            SimRequest req;
            req.method = "GET";
            req.headers["Authorization"] = "Bearer " + w.token;
            req.headers["Prefer"] = "odata.maxpagesize=1000";
            req.path = "/v1.0/users/" + w.upns[i] + "/calendarView/delta";
            req.query = kWindow;
            SimResponse r = w.sim->handle(req);
            static const std::string kDelta = "\"@odata.deltaLink\":\"";
            size_t pos = r.body.find(kDelta) + kDelta.size();
            links.push_back(r.body.substr(pos, r.body.find('"', pos) - pos).substr(base.size()));
        }
    });
    size_t next = 0;
    std::int64_t requests = 0;
    for (auto _ : state) {
        const std::string& link = links[next++ % links.size()];
        SimRequest req;
        req.method = "GET";
        req.headers["Authorization"] = "Bearer " + w.token;
        size_t q = link.find('?');
        req.path = link.substr(0, q);
        req.query = link.substr(q + 1);
        SimResponse r = w.sim->handle(req);
        ++requests;
        if (r.status != 200) {
            state.SkipWithError("incremental delta failed");
            return;
        }
    }
    state.counters["requests/s"] = benchmark::Counter(static_cast<double>(requests), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_DeltaIncrementalInProcess)->UseRealTime()->Unit(benchmark::kMicrosecond);

void BM_DeltaRoundHttps(benchmark::State& state) {
    World& w = world();
    static std::once_flag once;
    std::call_once(once, [] { Poco::Net::initializeSSL(); });
    Poco::Net::Context::Ptr context = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, "", "", w.pki.ca_cert_file,
                                                             Poco::Net::Context::VERIFY_RELAXED, 9, false);
    Poco::Net::HTTPSClientSession session("127.0.0.1", static_cast<Poco::UInt16>(w.server->port()), context);
    session.setKeepAlive(true);
    static std::atomic<std::size_t> next{0};
    const std::string base = w.server->baseUrl();
    std::int64_t requests = 0;
    for (auto _ : state) {
        const std::string& upn = w.upns[(next++ * 7919) % w.upns.size()];
        std::string path = "/v1.0/users/" + upn + "/calendarView/delta?" + kWindow;
        bool done = false;
        while (!done) {
            Poco::Net::HTTPRequest req("GET", path, Poco::Net::HTTPMessage::HTTP_1_1);
            req.setKeepAlive(true);
            req.set("Authorization", "Bearer " + w.token);
            req.set("Prefer", "odata.maxpagesize=" + std::to_string(state.range(0)));
            session.sendRequest(req);
            Poco::Net::HTTPResponse resp;
            std::istream& in = session.receiveResponse(resp);
            std::string body;
            Poco::StreamCopier::copyToString(in, body);
            ++requests;
            if (resp.getStatus() != 200) {
                state.SkipWithError("delta request failed");
                return;
            }
            path = nextPath(body, base, done);
        }
    }
    state.counters["requests/s"] = benchmark::Counter(static_cast<double>(requests), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_DeltaRoundHttps)->Arg(50)->Threads(1)->Threads(4)->UseRealTime()->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
