#include "SyncFixture.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "graph/TimeZones.h"
#include "net/PocoHttpClient.h"

namespace calconn::e2e {

namespace {

// One comparable line per instance: every field both the dump and the truth carry.
std::string row(const std::string& id, const std::string& type, const std::string& master,
                const std::string& start, const std::string& end, bool all_day, bool cancelled,
                const std::string& subject, const std::string& change_key) {
    const auto s = graph::parseIsoDateTime(start);
    const auto e = graph::parseIsoDateTime(end);
    std::ostringstream out;
    out << id << " | " << type << " | " << master << " | "
        << (s.ok() ? graph::formatIsoUtc(*s) : "bad:" + start) << " | "
        << (e.ok() ? graph::formatIsoUtc(*e) : "bad:" + end) << " | "
        << (all_day ? "allday" : "timed") << " | " << (cancelled ? "cancelled" : "live") << " | "
        << subject << " | " << change_key;
    return out.str();
}

}  // namespace

Window syncWindow() {
    const auto now = std::chrono::system_clock::now();
    return {now - std::chrono::hours(24), now + std::chrono::hours(24 * 30)};
}

Window comparableWindow() {
    const auto [from, to] = syncWindow();
    return {from, to - std::chrono::hours(1)};
}

Poco::JSON::Object::Ptr parseObject(const std::string& text) {
    Poco::JSON::Parser parser;
    return parser.parse(text).extract<Poco::JSON::Object::Ptr>();
}

std::string graphDateTime(SysTime at) { return graph::formatIsoUtc(at).substr(0, 19); }

std::string eventJson(const std::string& subject, SysTime start, std::chrono::minutes length) {
    return R"({"subject":")" + subject + R"(","start":{"dateTime":")" + graphDateTime(start) +
           R"(","timeZone":"UTC"},"end":{"dateTime":")" + graphDateTime(start + length) +
           R"(","timeZone":"UTC"}})";
}

Graphsim::Graphsim(const TempDir& dir, GraphsimOptions options)
    : options_(std::move(options)), ca_dir_(dir.file("ca")) {
    std::vector<std::string> argv{GRAPHSIM_PATH,
                                  "--port",
                                  "0",
                                  "--tenant-id",
                                  kSimTenantId,
                                  "--client-id",
                                  kSimClientId,
                                  "--client-secret",
                                  options_.client_secret,
                                  "--tenant-seed",
                                  options_.tenant_seed,
                                  "--users",
                                  std::to_string(options_.users),
                                  "--rooms",
                                  std::to_string(options_.rooms),
                                  "--events-per-mailbox",
                                  std::to_string(options_.events_per_mailbox),
                                  "--gen-ca",
                                  ca_dir_};
    argv.insert(argv.end(), options_.extra_args.begin(), options_.extra_args.end());
    process_ = std::make_unique<ChildProcess>(argv, dir.file("graphsim.log"));
    if (!process_->waitForLog("graphsim listening on ", options_.start_timeout)) return;
    // The line is complete once the log holds its newline.
    std::string log;
    eventually([&] {
        log = process_->log();
        const auto at = log.find("graphsim listening on ");
        return log.find('\n', at) != std::string::npos;
    });
    const auto at = log.find("https://", log.find("graphsim listening on "));
    if (at == std::string::npos) return;
    net::PocoHttpClientOptions http_options;
    http_options.tls.ca_file = caFile();
    auto http = net::PocoHttpClient::create(http_options);
    if (!http) return;
    http_ = std::move(*http);
    base_ = log.substr(at, log.find('\n', at) - at);
}

Graphsim::~Graphsim() = default;

SimReply Graphsim::send(const std::string& method, const std::string& path,
                        const std::string& body) {
    if (!http_) return {};
    net::HttpRequest request;
    request.method = method;
    request.url = base_ + path;
    request.body = body;
    if (!body.empty()) request.headers.add("Content-Type", "application/json");
    auto response = http_->send(request);
    if (!response.ok()) return {};
    return {response->status, response->body};
}

std::string Graphsim::control(const std::string& method, const std::string& path,
                              const std::string& body) {
    auto reply = send(method, path, body);
    if (reply.status < 200 || reply.status > 299)
        throw std::runtime_error("graphsim " + method + " " + path + ": " +
                                 std::to_string(reply.status) + " " + reply.body);
    return reply.body;
}

SimReply Graphsim::graph(const std::string& method, const std::string& path,
                         const std::string& body) {
    if (!http_) return {};
    if (app_token_.empty()) {
        net::HttpRequest token;
        token.method = "POST";
        token.url = base_ + "/" + kSimTenantId + "/oauth2/v2.0/token";
        token.headers.add("Content-Type", "application/x-www-form-urlencoded");
        token.body = std::string("grant_type=client_credentials&client_id=") + kSimClientId +
                     "&client_secret=" + options_.client_secret +
                     "&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default";
        auto response = http_->send(token);
        if (!response.ok() || response->status != 200) return {};
        app_token_ = parseObject(response->body)->getValue<std::string>("access_token");
    }
    net::HttpRequest request;
    request.method = method;
    request.url = base_ + path;
    request.body = body;
    request.headers.add("Authorization", "Bearer " + app_token_);
    if (!body.empty()) request.headers.add("Content-Type", "application/json");
    auto response = http_->send(request);
    if (!response.ok()) return {};
    return {response->status, response->body};
}

std::vector<std::string> Graphsim::mailboxes() {
    Poco::JSON::Parser parser;
    auto list = parser.parse(control("GET", "/_sim/mailboxes")).extract<Poco::JSON::Array::Ptr>();
    std::vector<std::string> out;
    for (std::size_t i = 0; i < list->size(); ++i)
        out.push_back(list->getObject(static_cast<unsigned>(i))->getValue<std::string>("upn"));
    return out;
}

Poco::JSON::Object::Ptr Graphsim::counters() {
    return parseObject(control("GET", "/_sim/counters"));
}

std::int64_t Graphsim::mailboxRequests(const std::string& upn) {
    auto per_mailbox = counters()->getObject("mailboxes");
    if (!per_mailbox || !per_mailbox->has(upn)) return 0;
    return per_mailbox->getObject(upn)->getValue<std::int64_t>("requests");
}

std::multiset<std::string> Graphsim::truthRows(const std::string& upn, const Window& w) {
    std::multiset<std::string> out;
    const std::string path = "/_sim/truth/" + upn +
                             "?startDateTime=" + graph::formatIsoUtc(w.first) +
                             "&endDateTime=" + graph::formatIsoUtc(w.second);
    auto list = parseObject(control("GET", path))->getArray("value");
    for (std::size_t i = 0; list && i < list->size(); ++i) {
        auto e = list->getObject(static_cast<unsigned>(i));
        out.insert(row(
            e->getValue<std::string>("id"), e->optValue<std::string>("type", ""),
            e->optValue<std::string>("seriesMasterId", ""),
            e->getObject("start")->getValue<std::string>("dateTime"),
            e->getObject("end")->getValue<std::string>("dateTime"),
            e->optValue<bool>("isAllDay", false), e->optValue<bool>("isCancelled", false),
            e->optValue<std::string>("subject", ""), e->optValue<std::string>("changeKey", "")));
    }
    return out;
}

std::string simTenantYaml(const std::string& graph_base, const std::string& secret_file) {
    return std::string("microsoft365:\n"
                       "  tenants:\n"
                       "    - name: sim\n"
                       "      tenant_id: ") + kSimTenantId + "\n" +
           "      client_id: " + kSimClientId + "\n" +
           "      client_secret_file: " + secret_file + "\n" +
           "      login_endpoint: " + graph_base + "\n" +
           "      graph_endpoint: " + graph_base + "\n";
}

std::string tlsAndLoggingYaml(const std::string& ca_file, const std::string& level) {
    return "tls:\n"
           "  ca_file: " + ca_file + "\n"
           "logging:\n"
           "  level: " + level + "\n"
           "  target: stderr\n";
}

std::string writeSyncConfig(const TempDir& dir, const Graphsim& sim, const SyncConfig& config) {
    const std::string secret = dir.file("client-secret");
    writeSecretFile(secret, sim.options().client_secret);
    const std::string path = dir.file("calconnd.yaml");
    std::ofstream out(path);
    out << daemonYaml(dir) << simTenantYaml(sim.baseUrl(), secret) << "sync:\n"
        << "  poll_interval: " << config.poll_interval << "\n"
        << "  workers: " << config.workers << "\n"
        << config.sync_extra << "mailboxes:\n"
        << "  users:\n";
    for (const auto& upn : config.users) out << "    - " << upn << "\n";
    if (!config.rooms.empty()) out << "  rooms:\n";
    for (const auto& room : config.rooms) out << "    - mailbox: " << room << "\n";
    out << tlsAndLoggingYaml(sim.caFile(), config.level);
    if (config.extra.rfind("api:", 0) != 0 && config.extra.find("\napi:") == std::string::npos)
        out << "api:\n  listen: 127.0.0.1:0\n";
    out << config.extra;
    return path;
}

std::string controlSocket(const TempDir& dir) { return dir.file("run/control.sock"); }

ProcessResult calconnctl(const TempDir& dir, std::vector<std::string> args) {
    args.insert(args.begin(), {CALCONNCTL_PATH, "--socket", controlSocket(dir)});
    return runProgram(args);
}

std::map<std::string, MailboxRow> mailboxRows(const TempDir& dir) {
    std::map<std::string, MailboxRow> rows;
    auto result = calconnctl(dir, {"status", "--json"});
    if (result.exit_code != 0) return rows;
    try {
        auto list = parseObject(result.out)->getArray("mailboxes");
        for (std::size_t i = 0; list && i < list->size(); ++i) {
            auto m = list->getObject(static_cast<unsigned>(i));
            MailboxRow r;
            r.state = m->getValue<std::string>("state");
            r.reason = m->optValue<std::string>("reason", "");
            r.error = m->optValue<std::string>("error", "");
            r.events = static_cast<std::size_t>(m->getValue<Poco::Int64>("events"));
            if (!m->isNull("last_sync")) r.last_sync = m->getValue<std::string>("last_sync");
            rows[m->getValue<std::string>("upn")] = r;
        }
    } catch (const Poco::Exception&) {
        rows.clear();
    }
    return rows;
}

std::optional<std::multiset<std::string>> cachedRows(const TempDir& dir, const std::string& upn,
                                                     const Window& w) {
    auto dump = calconnctl(dir, {"mailbox", "dump", upn});
    if (dump.exit_code != 0) return std::nullopt;
    std::multiset<std::string> out;
    try {
        auto meetings = parseObject(dump.out)->getArray("meetings");
        for (std::size_t i = 0; meetings && i < meetings->size(); ++i) {
            auto m = meetings->getObject(static_cast<unsigned>(i));
            const std::string type = m->getValue<std::string>("type");
            if (type == "seriesMaster") continue;
            const auto start = graph::parseIsoDateTime(m->getValue<std::string>("start"));
            const auto end = graph::parseIsoDateTime(m->getValue<std::string>("end"));
            if (!start.ok() || !end.ok()) return std::nullopt;
            if (!(*start<w.second&& * end> w.first)) continue;
            // The cache keeps "instance|master" change keys for occurrences.
            const std::string change_key = m->optValue<std::string>("change_key", "");
            out.insert(row(
                m->getValue<std::string>("id"), type,
                m->optValue<std::string>("series_master_id", ""), m->getValue<std::string>("start"),
                m->getValue<std::string>("end"), m->optValue<bool>("is_all_day", false),
                m->optValue<bool>("is_cancelled", false), m->optValue<std::string>("subject", ""),
                change_key.substr(0, change_key.find('|'))));
        }
    } catch (const Poco::Exception&) {
        return std::nullopt;
    }
    return out;
}

}  // namespace calconn::e2e
