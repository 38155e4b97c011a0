#include "GraphsimTestSupport.h"

#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/StreamCopier.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <sstream>

namespace calconn::graphsim::testing {

Poco::JSON::Object::Ptr HttpResult::json() const {
    Poco::JSON::Parser parser;
    return parser.parse(body).extract<Poco::JSON::Object::Ptr>();
}

Poco::JSON::Array::Ptr HttpResult::jsonArray() const {
    Poco::JSON::Parser parser;
    return parser.parse(body).extract<Poco::JSON::Array::Ptr>();
}

const TestPki& testPki() {
    static TestPki pki = [] {
        std::string dir = std::string(CALCONN_BINARY_DIR) + "/graphsim-test-pki-" + std::to_string(::getpid());
        auto r = generateTestPki(dir);
        if (!r) std::abort();
        // ctest runs each case in its own process; do not leave a directory behind per case.
        std::atexit([] {
            std::error_code ignored;
            std::filesystem::remove_all(std::string(CALCONN_BINARY_DIR) + "/graphsim-test-pki-" +
                                            std::to_string(::getpid()),
                                        ignored);
        });
        return r.value();
    }();
    return pki;
}

Poco::Net::Context::Ptr clientContext() {
    static std::once_flag once;
    std::call_once(once, [] { Poco::Net::initializeSSL(); });
    static Poco::Net::Context::Ptr context = new Poco::Net::Context(
        Poco::Net::Context::TLS_CLIENT_USE, "", "", testPki().ca_cert_file, Poco::Net::Context::VERIFY_RELAXED, 9,
        false, "ALL:!ADH:!LOW:!EXP:!MD5:@STRENGTH");
    return context;
}

struct HttpClient::Impl {
    std::unique_ptr<Poco::Net::HTTPSClientSession> session;
};

HttpClient::HttpClient(const std::string& ca_file, int port) : impl_(std::make_unique<Impl>()) {
    (void)ca_file;
    impl_->session = std::make_unique<Poco::Net::HTTPSClientSession>("127.0.0.1", static_cast<Poco::UInt16>(port),
                                                                      clientContext());
    impl_->session->setKeepAlive(true);
    impl_->session->setTimeout(Poco::Timespan(20, 0));
}

HttpClient::~HttpClient() = default;

HttpResult HttpClient::request(const std::string& method, const std::string& path_and_query, const std::string& body,
                               const std::map<std::string, std::string>& headers) {
    HttpResult result;
    for (int attempt = 0; attempt < 2; ++attempt) {
        try {
            Poco::Net::HTTPRequest req(method, path_and_query, Poco::Net::HTTPMessage::HTTP_1_1);
            req.setKeepAlive(true);
            for (const auto& [k, v] : headers) req.add(k, v);
            if (!body.empty() || method == "POST" || method == "PATCH") {
                if (!req.has("Content-Type")) req.setContentType("application/json");
                req.setContentLength(static_cast<std::streamsize>(body.size()));
            }
            impl_->session->sendRequest(req) << body;
            Poco::Net::HTTPResponse resp;
            std::istream& in = impl_->session->receiveResponse(resp);
            std::ostringstream out;
            Poco::StreamCopier::copyStream(in, out);
            result.status = resp.getStatus();
            for (const auto& [k, v] : resp) {
                std::string lower = k;
                for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
                result.headers[lower] = v;
            }
            result.body = out.str();
            return result;
        } catch (const Poco::Exception& e) {
            impl_->session->reset();
            result.status = 0;
            result.body = e.displayText();
        }
    }
    return result;
}

GraphsimFixture::GraphsimFixture(int users, int rooms, int events, std::uint64_t seed,
                                 std::string client_cert_pem)
    : clock_(std::chrono::system_clock::time_point(std::chrono::seconds(daysFromCivil(2026, 11, 27) * kDay + 8 * 3600))) {
    SimulatorConfig config;
    config.generator.seed = seed;
    config.generator.users = users;
    config.generator.rooms = rooms;
    config.generator.events_per_mailbox = events;
    config.generator.base_day = daysFromCivil(2026, 11, 27);
    config.generator.tenant_id = kTenant;
    config.client_id = kClientId;
    config.client_secret = kSecret;
    config.client_cert_pem = std::move(client_cert_pem);
    config.notification_ca_file = testPki().ca_cert_file;
    sim_ = std::make_unique<Simulator>(config, clock_);
    ServerConfig sc;
    sc.cert_file = testPki().server_cert_file;
    sc.key_file = testPki().server_key_file;
    sc.threads = 16;
    server_ = std::make_unique<Server>(*sim_, sc);
    auto started = server_->start();
    if (!started) throw std::runtime_error(started.error().toString());
    http_ = std::make_unique<HttpClient>(testPki().ca_cert_file, server_->port());
}

GraphsimFixture::~GraphsimFixture() {
    http_.reset();
    server_->stop();
}

std::string GraphsimFixture::token() {
    if (token_.empty()) {
        auto r = http_->request("POST", std::string("/") + kTenant + "/oauth2/v2.0/token",
                                std::string("client_id=") + kClientId + "&client_secret=" + kSecret +
                                    "&grant_type=client_credentials&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default",
                                {{"Content-Type", "application/x-www-form-urlencoded"}});
        if (r.status != 200) throw std::runtime_error("token request failed: " + r.body);
        token_ = r.json()->getValue<std::string>("access_token");
    }
    return token_;
}

HttpResult GraphsimFixture::graph(const std::string& method, const std::string& path, const std::string& body,
                                  std::map<std::string, std::string> headers) {
    headers.emplace("Authorization", "Bearer " + token());
    return http_->request(method, path, body, headers);
}

HttpResult GraphsimFixture::control(const std::string& method, const std::string& path, const std::string& body) {
    return http_->request(method, path, body);
}

std::string GraphsimFixture::firstUser() { return sim_->tenant().mailboxes[0]->upn; }

std::string GraphsimFixture::relative(const std::string& link) const {
    const std::string b = base();
    return link.rfind(b, 0) == 0 ? link.substr(b.size()) : link;
}

DeltaRound runDelta(GraphsimFixture& f, const std::string& first_path, const std::map<std::string, std::string>& headers) {
    DeltaRound round;
    std::string path = first_path;
    for (int guard = 0; guard < 1000; ++guard) {
        auto r = f.graph("GET", path, {}, headers);
        round.status = r.status;
        if (r.status != 200) {
            round.error_code = r.json()->getObject("error")->getValue<std::string>("code");
            return round;
        }
        ++round.pages;
        auto obj = r.json();
        auto value = obj->getArray("value");
        for (size_t i = 0; i < value->size(); ++i) round.items.push_back(value->getObject(static_cast<unsigned>(i)));
        if (obj->has("@odata.deltaLink")) {
            round.delta_link = f.relative(obj->getValue<std::string>("@odata.deltaLink"));
            return round;
        }
        path = f.relative(obj->getValue<std::string>("@odata.nextLink"));
    }
    ADD_FAILURE() << "delta round did not end";
    return round;
}

}  // namespace calconn::graphsim::testing
