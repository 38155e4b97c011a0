// Subscriptions: the validation handshake, expiry limits, change and lifecycle notifications,
// delivered over HTTPS to a listener in the test.
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/StreamCopier.h>
#include <gtest/gtest.h>

#include <mutex>

#include "GraphsimTestSupport.h"
#include "SimHttp.h"

namespace calconn::graphsim {
namespace {

using testing::GraphsimFixture;

// A webhook receiver: echoes validation tokens (or not, when told to misbehave) and records
// notification bodies.
class Listener {
public:
    enum class Mode { Echo, WrongEcho, Refuse };

    Listener() {
        Poco::Net::Context::Ptr context = new Poco::Net::Context(
            Poco::Net::Context::TLS_SERVER_USE, testing::testPki().server_key_file, testing::testPki().server_cert_file, "",
            Poco::Net::Context::VERIFY_NONE);
        Poco::Net::SecureServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0), 64, context);
        port_ = socket.address().port();
        server_ = std::make_unique<Poco::Net::HTTPServer>(new Factory(*this), socket, new Poco::Net::HTTPServerParams);
        server_->start();
    }
    ~Listener() { server_->stopAll(true); }

    std::string url(const std::string& path) const { return "https://127.0.0.1:" + std::to_string(port_) + path; }
    void setMode(Mode mode) {
        std::lock_guard lock(mutex_);
        mode_ = mode;
    }
    std::vector<std::pair<std::string, std::string>> received() {
        std::lock_guard lock(mutex_);
        return received_;
    }
    int validations() {
        std::lock_guard lock(mutex_);
        return validations_;
    }

private:
    class Handler : public Poco::Net::HTTPRequestHandler {
    public:
        explicit Handler(Listener& l) : l_(l) {}
        void handleRequest(Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp) override {
            std::string body;
            Poco::StreamCopier::copyToString(req.stream(), body);
            const std::string& uri = req.getURI();
            const size_t q = uri.find('?');
            auto query = parseQuery(q == std::string::npos ? "" : uri.substr(q + 1));
            std::lock_guard lock(l_.mutex_);
            if (query.count("validationToken")) {
                ++l_.validations_;
                if (l_.mode_ == Mode::Refuse) {
                    resp.setStatus(Poco::Net::HTTPResponse::HTTP_FORBIDDEN);
                    resp.send();
                    return;
                }
                std::string echo = l_.mode_ == Mode::Echo ? query["validationToken"] : "<b>wrong</b>";
                resp.setContentType("text/plain");
                resp.setContentLength(static_cast<std::streamsize>(echo.size()));
                resp.send() << echo;
                return;
            }
            l_.received_.emplace_back(uri.substr(0, q), body);
            resp.setStatus(Poco::Net::HTTPResponse::HTTP_ACCEPTED);
            resp.setContentLength(0);
            resp.send();
        }

    private:
        Listener& l_;
    };
    class Factory : public Poco::Net::HTTPRequestHandlerFactory {
    public:
        explicit Factory(Listener& l) : l_(l) {}
        Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override {
            return new Handler(l_);
        }

    private:
        Listener& l_;
    };

    std::mutex mutex_;
    Mode mode_ = Mode::Echo;
    std::vector<std::pair<std::string, std::string>> received_;
    int validations_ = 0;
    int port_ = 0;
    std::unique_ptr<Poco::Net::HTTPServer> server_;
};

std::string subscriptionBody(const Listener& l, const std::string& upn, const std::string& expiration = "2026-11-30T08:00:00Z") {
    return R"({"changeType":"created,updated,deleted","notificationUrl":")" + l.url("/hook") +
           R"(","lifecycleNotificationUrl":")" + l.url("/lifecycle") + R"(","resource":"users/)" + upn +
           R"(/events","expirationDateTime":")" + expiration + R"(","clientState":"s3cr3t-state"})";
}

TEST(Subscriptions, ValidatesBothUrlsThenDeliversBatchedChangeNotifications) {
    GraphsimFixture f;
    Listener listener;
    const std::string upn = f.firstUser();
    auto created = f.graph("POST", "/v1.0/subscriptions", subscriptionBody(listener, upn));
    ASSERT_EQ(created.status, 201) << created.body;
    EXPECT_EQ(listener.validations(), 2);
    auto sub = created.json();
    const std::string id = sub->getValue<std::string>("id");
    EXPECT_EQ(sub->getValue<std::string>("clientState"), "s3cr3t-state");
    EXPECT_EQ(sub->getValue<std::string>("expirationDateTime"), "2026-11-30T08:00:00.0000000Z");

    auto ev = f.control("POST", "/_sim/mailboxes/" + upn + "/events",
                        R"({"subject":"Notify me","start":{"dateTime":"2026-12-01T10:00:00","timeZone":"UTC"},"end":{"dateTime":"2026-12-01T11:00:00","timeZone":"UTC"}})");
    ASSERT_EQ(ev.status, 201);
    const std::string event_id = ev.json()->getValue<std::string>("id");
    ASSERT_EQ(f.control("PATCH", "/_sim/mailboxes/" + upn + "/events/" + event_id, R"({"subject":"Changed"})").status, 200);
    ASSERT_EQ(f.control("POST", "/_sim/subscriptions/flush").status, 200);

    std::vector<Poco::JSON::Object::Ptr> notifications;
    for (const auto& [path, body] : listener.received()) {
        EXPECT_EQ(path, "/hook");
        Poco::JSON::Parser parser;
        auto value = parser.parse(body).extract<Poco::JSON::Object::Ptr>()->getArray("value");
        for (size_t i = 0; i < value->size(); ++i) notifications.push_back(value->getObject(static_cast<unsigned>(i)));
    }
    ASSERT_EQ(notifications.size(), 2u);
    EXPECT_EQ(notifications[0]->getValue<std::string>("changeType"), "created");
    EXPECT_EQ(notifications[1]->getValue<std::string>("changeType"), "updated");
    const auto& n = notifications[1];
    EXPECT_EQ(n->getValue<std::string>("subscriptionId"), id);
    EXPECT_EQ(n->getValue<std::string>("clientState"), "s3cr3t-state");
    EXPECT_EQ(n->getValue<std::string>("tenantId"), GraphsimFixture::kTenant);
    const std::string mailbox_id = f.sim().tenant().mailboxes[0]->id;
    EXPECT_EQ(n->getValue<std::string>("resource"), "Users/" + mailbox_id + "/Events/" + event_id);
    auto data = n->getObject("resourceData");
    EXPECT_EQ(data->getValue<std::string>("@odata.type"), "#Microsoft.Graph.Event");
    EXPECT_EQ(data->getValue<std::string>("id"), event_id);
    EXPECT_TRUE(data->has("@odata.etag"));

    // Renew, lifecycle, delete.
    auto renewed = f.graph("PATCH", "/v1.0/subscriptions/" + id, R"({"expirationDateTime":"2026-12-02T08:00:00Z"})");
    EXPECT_EQ(renewed.status, 200);
    EXPECT_EQ(renewed.json()->getValue<std::string>("expirationDateTime"), "2026-12-02T08:00:00.0000000Z");
    ASSERT_EQ(f.control("POST", "/_sim/subscriptions/lifecycle", R"({"event":"reauthorizationRequired"})").status, 200);
    ASSERT_EQ(f.control("POST", "/_sim/subscriptions/flush").status, 200);
    bool saw_lifecycle = false;
    for (const auto& [path, body] : listener.received())
        if (path == "/lifecycle" && body.find("\"lifecycleEvent\":\"reauthorizationRequired\"") != std::string::npos)
            saw_lifecycle = true;
    EXPECT_TRUE(saw_lifecycle);
    EXPECT_EQ(f.graph("DELETE", "/v1.0/subscriptions/" + id).status, 204);
    EXPECT_EQ(f.graph("GET", "/v1.0/subscriptions/" + id).status, 404);
}

TEST(Subscriptions, RefusesFailedValidationAndTooLongExpiry) {
    GraphsimFixture f;
    Listener listener;
    listener.setMode(Listener::Mode::WrongEcho);
    auto wrong = f.graph("POST", "/v1.0/subscriptions", subscriptionBody(listener, f.firstUser()));
    EXPECT_EQ(wrong.status, 400);
    EXPECT_EQ(wrong.json()->getObject("error")->getValue<std::string>("code"), "ValidationError");
    listener.setMode(Listener::Mode::Refuse);
    auto refused = f.graph("POST", "/v1.0/subscriptions", subscriptionBody(listener, f.firstUser()));
    EXPECT_EQ(refused.status, 400);
    listener.setMode(Listener::Mode::Echo);
    auto too_long = f.graph("POST", "/v1.0/subscriptions", subscriptionBody(listener, f.firstUser(), "2026-12-10T08:00:00Z"));
    EXPECT_EQ(too_long.status, 400);
    EXPECT_EQ(too_long.json()->getObject("error")->getValue<std::string>("code"), "ExtensionError");
}

}  // namespace
}  // namespace calconn::graphsim
