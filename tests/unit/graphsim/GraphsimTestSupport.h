// In-process graphsim over real HTTPS on 127.0.0.1 (ephemeral port), a client that trusts the
// generated test CA, and small JSON helpers shared by the graphsim tests.
#pragma once

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/Net/Context.h>

#include <map>
#include <memory>
#include <string>

#include "CertGen.h"
#include "Server.h"
#include "Simulator.h"
#include "common/Clock.h"

namespace calconn::graphsim::testing {

struct HttpResult {
    int status = 0;
    std::map<std::string, std::string> headers;  // lower-case names
    std::string body;
    Poco::JSON::Object::Ptr json() const;
    Poco::JSON::Array::Ptr jsonArray() const;
    std::string header(const std::string& lower_name) const {
        auto it = headers.find(lower_name);
        return it == headers.end() ? std::string() : it->second;
    }
};

// One keep-alive HTTPS connection to a base URL, trusting the test CA.
class HttpClient {
public:
    HttpClient(const std::string& ca_file, int port);
    ~HttpClient();
    HttpResult request(const std::string& method, const std::string& path_and_query,
                       const std::string& body = {},
                       const std::map<std::string, std::string>& headers = {});

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// Test PKI generated once per test binary.
const TestPki& testPki();
Poco::Net::Context::Ptr clientContext();

class GraphsimFixture {
public:
    explicit GraphsimFixture(int users = 4, int rooms = 2, int events = 8, std::uint64_t seed = 7,
                             std::string client_cert_pem = {});
    ~GraphsimFixture();

    Simulator& sim() { return *sim_; }
    int port() const { return server_->port(); }
    std::string base() const { return server_->baseUrl(); }
    HttpClient& http() { return *http_; }
    common::FakeClock& clock() { return clock_; }

    // Graph call with a bearer token (fetched once).
    HttpResult graph(const std::string& method, const std::string& path, const std::string& body = {},
                     std::map<std::string, std::string> headers = {});
    HttpResult control(const std::string& method, const std::string& path, const std::string& body = {});
    std::string token();
    std::string firstUser();
    // Strips scheme://host:port from an absolute link.
    std::string relative(const std::string& link) const;

    static constexpr const char* kTenant = "72f988bf-86f1-41af-91ab-2d7cd011db47";
    static constexpr const char* kClientId = "6731de76-14a6-49ae-97bc-6eba6914391e";
    static constexpr const char* kSecret = "graphsim-test-secret";

private:
    common::FakeClock clock_;
    std::unique_ptr<Simulator> sim_;
    std::unique_ptr<Server> server_;
    std::unique_ptr<HttpClient> http_;
    std::string token_;
};

// Follows a delta round (nextLinks until deltaLink); returns the items and the deltaLink.
struct DeltaRound {
    std::vector<Poco::JSON::Object::Ptr> items;
    std::string delta_link;
    int pages = 0;
    int status = 200;
    std::string error_code;
};
DeltaRound runDelta(GraphsimFixture& f, const std::string& first_path,
                    const std::map<std::string, std::string>& headers = {});

}  // namespace calconn::graphsim::testing
