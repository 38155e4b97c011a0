// The REST API end to end: calconnd syncing a graphsim tenant and serving its API over HTTPS
// (graphsim's test CA and certificate), with tokens made by calconnctl. Checks that a token
// scoped to one user reads that user and nothing else, that meeting.starting arrives on the
// user's event stream at the configured lead of the (test) clock, and ETag revalidation.
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <thread>

#include "Harness.h"
#include "SyncFixture.h"
#include "common/IsoTime.h"
#include "ctl/ControlClient.h"
#include "net/PocoHttpClient.h"

namespace calconn::e2e {
namespace {

using std::chrono::minutes;

std::string isoUtc(SysTime at) {
    return common::formatIsoUtc(std::chrono::floor<std::chrono::seconds>(at));
}

// A server-sent event stream read by a background thread: complete frames (events and
// comments) are collected as they arrive.
class SseReader {
public:
    struct Frame {
        std::string comment;  // ": text" lines, without ": "
        std::string id;
        std::string event;
        std::string data;
    };

    SseReader(const std::string& ca_file, std::uint16_t port, const std::string& path,
              const std::string& token) {
        Poco::Net::Context::Ptr context =
            new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, "", "", ca_file,
                                   Poco::Net::Context::VERIFY_RELAXED);
        session_ = std::make_unique<Poco::Net::HTTPSClientSession>("127.0.0.1", port, context);
        session_->setTimeout(Poco::Timespan(60, 0));
        Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_GET, path,
                                       Poco::Net::HTTPMessage::HTTP_1_1);
        request.set("Authorization", "Bearer " + token);
        request.set("Accept", "text/event-stream");
        session_->sendRequest(request);
        std::istream& in = session_->receiveResponse(response_);
        thread_ = std::thread([this, &in] { read(in); });
    }
    ~SseReader() {
        session_->abort();
        thread_.join();
    }

    int status() const { return response_.getStatus(); }
    std::string contentType() const { return response_.getContentType(); }

    // Waits until a comment equal to `text` arrived; returns every frame before it.
    std::optional<std::vector<Frame>> until(const std::string& text,
                                            std::chrono::milliseconds timeout = kDeadline) {
        std::unique_lock lock(mutex_);
        std::optional<std::vector<Frame>> result;
        arrived_.wait_for(lock, timeout, [&] {
            for (std::size_t i = 0; i < frames_.size(); ++i) {
                if (frames_[i].comment == text) {
                    result.emplace(frames_.begin(), frames_.begin() + static_cast<long>(i));
                    return true;
                }
            }
            return false;
        });
        return result;
    }
    std::vector<Frame> frames() const {
        std::lock_guard lock(mutex_);
        return frames_;
    }
    bool waitForEvent(const std::string& event, std::chrono::milliseconds timeout = kDeadline) {
        std::unique_lock lock(mutex_);
        return arrived_.wait_for(lock, timeout, [&] {
            return std::any_of(frames_.begin(), frames_.end(),
                               [&](const Frame& f) { return f.event == event; });
        });
    }

private:
    void read(std::istream& in) {
        Frame frame;
        std::string line;
        try {
            while (std::getline(in, line)) {
                if (!line.empty() && line.back() == '\r') line.pop_back();
                if (line.empty()) {
                    if (frame.comment.empty() && frame.event.empty() && frame.data.empty())
                        continue;
                    std::lock_guard lock(mutex_);
                    frames_.push_back(std::move(frame));
                    frame = Frame{};
                    arrived_.notify_all();
                } else if (line.rfind(": ", 0) == 0) {
                    frame.comment = line.substr(2);
                } else if (line.rfind("id: ", 0) == 0) {
                    frame.id = line.substr(4);
                } else if (line.rfind("event: ", 0) == 0) {
                    frame.event = line.substr(7);
                } else if (line.rfind("data: ", 0) == 0) {
                    frame.data += line.substr(6);
                }
            }
        } catch (const Poco::Exception&) {
            // aborted by the destructor
        }
    }

    std::unique_ptr<Poco::Net::HTTPSClientSession> session_;
    Poco::Net::HTTPResponse response_;
    mutable std::mutex mutex_;
    std::condition_variable arrived_;
    std::vector<Frame> frames_;
    std::thread thread_;
};

class ApiE2e : public ::testing::Test {
protected:
    void startGraphsim(int users, int rooms, int events) {
        GraphsimOptions options;
        options.users = users;
        options.rooms = rooms;
        options.events_per_mailbox = events;
        options.client_secret = "e2e-api-secret";
        sim_ = std::make_unique<Graphsim>(dir_, options);
        ASSERT_TRUE(sim_->started()) << sim_->log();
        auto list =
            parseObject("{\"m\":" + sim_->control("GET", "/_sim/mailboxes") + "}")->getArray("m");
        for (std::size_t i = 0; i < list->size(); ++i) {
            auto m = list->getObject(static_cast<unsigned>(i));
            auto& into = m->getValue<std::string>("kind") == "room" ? rooms_ : users_;
            into.push_back(m->getValue<std::string>("upn"));
        }
        net::PocoHttpClientOptions http;
        http.tls.ca_file = sim_->caFile();
        http_ = std::move(net::PocoHttpClient::create(http).value());
    }

    std::string tokensFile() const { return dir_.file("api-tokens.yaml"); }

    // `calconnctl token create`: the token is the last line it prints.
    std::string createToken(const std::string& name, const std::string& scope) {
        auto result = runProgram({CALCONNCTL_PATH, "token", "create", name, "--scope", scope,
                                  "--tokens-file", tokensFile()});
        EXPECT_EQ(result.exit_code, 0) << result.err;
        std::string out = result.out;
        while (!out.empty() && out.back() == '\n') out.pop_back();
        return out.substr(out.rfind('\n') + 1);
    }

    std::string writeConfig() {
        SyncConfig config;
        config.users = users_;
        config.rooms = rooms_;
        config.extra = "devices:\n"
                       "  join_lead: 5m\n"
                       "api:\n"
                       "  listen: 127.0.0.1:0\n"
                       "  tls:\n"
                       "    certificate_file: " + sim_->serverCertificate() + "\n"
                       "    private_key_file: " + sim_->serverKey() + "\n"
                       "  tokens_file: " + tokensFile() + "\n";
        return writeSyncConfig(dir_, *sim_, config);
    }

    // Starts calconnd (with --test-clock when given) and waits until the API is bound and
    // every mailbox has synced.
    void startDaemon(const std::string& test_clock = {}) {
        std::vector<std::string> argv{CALCONND_PATH, "--config", writeConfig()};
        if (!test_clock.empty()) argv.insert(argv.end(), {"--test-clock", test_clock});
        daemon_ = std::make_unique<ChildProcess>(argv, dir_.file("calconnd.log"));
        ASSERT_TRUE(daemon_->waitForLog("api listening on https://127.0.0.1:")) << daemon_->log();
        std::string api_url;
        ASSERT_TRUE(eventually([&] {
            auto status = calconnctl(dir_, {"status", "--json"});
            if (status.exit_code != 0) return false;
            auto root = parseObject(status.out);
            if (root->isNull("api_url")) return false;
            api_url = root->getValue<std::string>("api_url");
            return true;
        })) << daemon_->log();
        ASSERT_NE(daemon_->log().find("api listening on " + api_url), std::string::npos);
        base_ = api_url;
        port_ = static_cast<std::uint16_t>(std::stoi(api_url.substr(api_url.rfind(':') + 1)));
        const std::size_t total = users_.size() + rooms_.size();
        ASSERT_TRUE(eventually([&] {
            auto status = calconnctl(dir_, {"status", "--json"});
            if (status.exit_code != 0) return false;
            auto list = parseObject(status.out)->getArray("mailboxes");
            std::size_t active = 0;
            for (std::size_t i = 0; list && i < list->size(); ++i) {
                if (list->getObject(static_cast<unsigned>(i))->getValue<std::string>("state") ==
                    "active")
                    ++active;
            }
            return active == total;
        })) << calconnctl(dir_, {"status"}).out
            << daemon_->log();
    }

    net::HttpResponse get(const std::string& path, const std::string& token,
                          const std::string& if_none_match = {}) {
        net::HttpRequest request;
        request.url = base_ + path;
        if (!token.empty()) request.headers.add("Authorization", "Bearer " + token);
        if (!if_none_match.empty()) request.headers.add("If-None-Match", if_none_match);
        auto response = http_->send(request);
        EXPECT_TRUE(response.ok())
            << path << ": " << (response.ok() ? "" : response.error().toString());
        return response.ok() ? *response : net::HttpResponse{};
    }

    // The meetings path with a window that covers the sync window.
    std::string meetingsPath(const std::string& upn) const {
        const Window w = syncWindow();
        return "/api/v1/users/" + upn + "/meetings?from=" + isoUtc(w.first) +
               "&to=" + isoUtc(w.second);
    }

    void setClock(SysTime now) {
        ctl::ControlClient client(controlSocket(dir_));
        auto reply = client.request("POST", "/v1/test/clock", "{\"now\":\"" + isoUtc(now) + "\"}");
        ASSERT_TRUE(reply.ok()) << reply.error().toString();
        ASSERT_EQ(reply->status, 200) << reply->body;
    }

    TempDir dir_;
    std::unique_ptr<Graphsim> sim_;
    std::unique_ptr<ChildProcess> daemon_;
    std::unique_ptr<net::PocoHttpClient> http_;
    std::vector<std::string> users_;
    std::vector<std::string> rooms_;
    std::string base_;
    std::uint16_t port_ = 0;
};

TEST_F(ApiE2e, ATokenScopedToOneUserReadsOnlyThatUser) {
    startGraphsim(4, 2, 6);
    ASSERT_GE(users_.size(), 4u);
    ASSERT_EQ(rooms_.size(), 2u);
    const std::string me = users_[0];
    const std::string admin = createToken("ops", "admin");
    const std::string user = createToken("phone", "user:" + me);
    const std::string room = createToken("panel", "room:" + rooms_[0]);
    startDaemon();

    // No token, or a wrong one: 401 everywhere, before anything is looked up.
    for (const std::string& path :
         {meetingsPath(me), "/api/v1/users/" + me + "/presence",
          "/api/v1/users/" + me + "/notifications", "/api/v1/rooms/" + rooms_[0] + "/bookings",
          std::string("/api/v1/status"), std::string("/metrics")}) {
        const auto none = get(path, "");
        EXPECT_EQ(none.status, 401) << path;
        EXPECT_EQ(none.headers.get("WWW-Authenticate").value_or(""), "Bearer realm=\"calconn\"");
        EXPECT_EQ(get(path, "cc_" + std::string(43, 'A')).status, 401) << path;
    }

    // The user's own meetings, with their join targets.
    const auto mine = get(meetingsPath(me), user);
    ASSERT_EQ(mine.status, 200) << mine.body;
    EXPECT_GT(parseObject(mine.body)->getArray("meetings")->size(), 0u);
    // Presence is in scope too: known (200) or not read yet (404), never refused.
    const auto presence = get("/api/v1/users/" + me + "/presence", user);
    EXPECT_TRUE(presence.status == 200 || presence.status == 404)
        << presence.status << presence.body;

    // Every other user and every room: 403, the same answer as for a mailbox that does not exist.
    const auto refused = get(meetingsPath("nobody@" + me.substr(me.find('@') + 1)), user);
    EXPECT_EQ(refused.status, 403);
    std::size_t tried = 0;
    for (const std::string& other : users_) {
        if (other == me) continue;
        for (const std::string& path : {meetingsPath(other), "/api/v1/users/" + other + "/presence",
                                        "/api/v1/users/" + other + "/notifications"}) {
            const auto response = get(path, user);
            EXPECT_EQ(response.status, 403) << path;
            EXPECT_EQ(response.body, refused.body) << path;
            ++tried;
        }
    }
    for (const std::string& r : rooms_) {
        for (const std::string& path : {"/api/v1/rooms/" + r + "/bookings", meetingsPath(r)}) {
            const auto response = get(path, user);
            EXPECT_EQ(response.status, 403) << path;
            EXPECT_EQ(response.body, refused.body) << path;
            ++tried;
        }
    }
    EXPECT_EQ(tried, (users_.size() - 1) * 3 + rooms_.size() * 2);
    EXPECT_EQ(get("/api/v1/status", user).status, 403);
    EXPECT_EQ(get("/metrics", user).status, 403);

    // A room token: its own room only.
    EXPECT_EQ(get("/api/v1/rooms/" + rooms_[0] + "/bookings", room).status, 200);
    EXPECT_EQ(get("/api/v1/rooms/" + rooms_[1] + "/bookings", room).status, 403);
    EXPECT_EQ(get(meetingsPath(me), room).status, 403);

    // Admin: everything, and 404 for what does not exist.
    for (const std::string& u : users_) EXPECT_EQ(get(meetingsPath(u), admin).status, 200) << u;
    for (const std::string& r : rooms_)
        EXPECT_EQ(get("/api/v1/rooms/" + r + "/bookings", admin).status, 200) << r;
    EXPECT_EQ(get(meetingsPath("nobody@example.com"), admin).status, 404);
    // Presence as the presence module publishes it (users are read one after another).
    EXPECT_TRUE(eventually([&] {
        for (const std::string& u : users_) {
            const auto p = get("/api/v1/users/" + u + "/presence", admin);
            if (p.status == 200 && parseObject(p.body)->getValue<std::string>("upn") == u)
                return true;
        }
        return false;
    }));
    const auto status = get("/api/v1/status", admin);
    ASSERT_EQ(status.status, 200);
    EXPECT_EQ(parseObject(status.body)->getValue<std::string>("api_url"), base_);
    const auto metrics = get("/metrics", admin);
    ASSERT_EQ(metrics.status, 200);
    EXPECT_NE(metrics.body.find("calconn_mailboxes{state=\"active\"} " +
                                std::to_string(users_.size() + rooms_.size())),
              std::string::npos)
        << metrics.body;

    // Revoked: refused from the next request on, without a reload.
    auto revoke =
        runProgram({CALCONNCTL_PATH, "token", "revoke", "phone", "--tokens-file", tokensFile()});
    ASSERT_EQ(revoke.exit_code, 0) << revoke.err;
    EXPECT_EQ(get(meetingsPath(me), user).status, 401);
}

TEST_F(ApiE2e, MeetingStartingArrivesAtTheLeadOfTheTestClock) {
    startGraphsim(2, 0, 2);
    const std::string me = users_[0];
    // A Teams meeting three hours from now (graphsim adds the join link).
    const SysTime start =
        std::chrono::floor<minutes>(std::chrono::system_clock::now() + std::chrono::hours(3));
    std::string event = eventJson("API reminder check", start, minutes(30));
    event.pop_back();
    event += R"(,"isOnlineMeeting":true,"onlineMeetingProvider":"teamsForBusiness"})";
    const std::string id =
        parseObject(sim_->control("POST", "/_sim/mailboxes/" + me + "/events", event))
            ->getValue<std::string>("id");
    const std::string token = createToken("alice-app", "user:" + me);
    const SysTime lead_at = start - minutes(5);
    startDaemon(isoUtc(lead_at - minutes(1)));

    // The meeting is in the list with its Teams join target.
    const std::string window = "/api/v1/users/" + me +
                               "/meetings?from=" + isoUtc(start - minutes(1)) +
                               "&to=" + isoUtc(start + minutes(1));
    ASSERT_TRUE(eventually([&] {
        const auto list = get(window, token);
        return list.status == 200 && list.body.find(id) != std::string::npos;
    }));
    const auto list = parseObject(get(window, token).body)->getArray("meetings");
    ASSERT_EQ(list->size(), 1u);
    auto join = list->getObject(0)->getObject("join");
    ASSERT_TRUE(join) << "the meeting has a join target";
    EXPECT_EQ(join->getValue<std::string>("service"), "teams");

    SseReader stream(sim_->caFile(), port_, "/api/v1/users/" + me + "/notifications", token);
    ASSERT_EQ(stream.status(), 200);
    EXPECT_EQ(stream.contentType(), "text/event-stream");
    ASSERT_TRUE(stream.until("connected"));

    auto starting = [](const std::vector<SseReader::Frame>& frames) {
        return std::count_if(frames.begin(), frames.end(), [](const SseReader::Frame& f) {
            return f.event == "meeting.starting";
        });
    };
    // One second before start - lead: nothing. The marker comes after everything that was due.
    setClock(lead_at - std::chrono::seconds(1));
    auto before = stream.until("clock " + isoUtc(lead_at - std::chrono::seconds(1)));
    ASSERT_TRUE(before);
    EXPECT_EQ(starting(*before), 0);

    // Past start - lead: exactly one meeting.starting for this meeting.
    setClock(lead_at + std::chrono::seconds(1));
    auto after = stream.until("clock " + isoUtc(lead_at + std::chrono::seconds(1)));
    ASSERT_TRUE(after);
    ASSERT_EQ(starting(*after), 1);
    const auto& event_frame =
        *std::find_if(after->begin(), after->end(),
                      [](const SseReader::Frame& f) { return f.event == "meeting.starting"; });
    EXPECT_FALSE(event_frame.id.empty());
    auto data = parseObject(event_frame.data);
    EXPECT_EQ(data->getValue<std::string>("starts_at"), isoUtc(start));
    EXPECT_EQ(data->getObject("meeting")->getValue<std::string>("id"), id);
    EXPECT_EQ(data->getObject("meeting")->getObject("join")->getValue<std::string>("service"),
              "teams");

    // Later, still before the start: no second one.
    setClock(start - minutes(1));
    auto later = stream.until("clock " + isoUtc(start - minutes(1)));
    ASSERT_TRUE(later);
    EXPECT_EQ(starting(*later), 1);

    // A change to the meeting in Microsoft 365 reaches the stream as meeting.changed.
    sim_->control("PATCH", "/_sim/mailboxes/" + me + "/events/" + id,
                  R"({"subject":"API reminder moved"})");
    ASSERT_EQ(calconnctl(dir_, {"mailbox", "resync", me}).exit_code, 0);
    ASSERT_TRUE(stream.waitForEvent("meeting.changed")) << daemon_->log();
    for (const auto& frame : stream.frames()) {
        if (frame.event != "meeting.changed") continue;
        auto changed = parseObject(frame.data);
        EXPECT_EQ(changed->getValue<std::string>("id"), id);
        EXPECT_EQ(changed->getObject("meeting")->getValue<std::string>("subject"),
                  "API reminder moved");
    }
}

TEST_F(ApiE2e, ListsAnswer304WhileNothingChanged) {
    startGraphsim(2, 1, 4);
    const std::string me = users_[0];
    const std::string token = createToken("ops", "admin");
    startDaemon();

    const std::string path = meetingsPath(me);
    const auto first = get(path, token);
    ASSERT_EQ(first.status, 200);
    const std::string etag = first.headers.get("ETag").value_or("");
    ASSERT_FALSE(etag.empty());
    const auto same = get(path, token, etag);
    EXPECT_EQ(same.status, 304);
    EXPECT_EQ(same.body, "");
    EXPECT_EQ(same.headers.get("ETag").value_or(""), etag);

    // A fixed window: without from/to it starts at this minute, and a minute boundary between
    // the two requests would rightly change the list.
    const Window w = syncWindow();
    const std::string bookings = "/api/v1/rooms/" + rooms_[0] + "/bookings?from=" +
                                 isoUtc(w.first) + "&to=" + isoUtc(w.second);
    const std::string room_etag = get(bookings, token).headers.get("ETag").value_or("");
    ASSERT_FALSE(room_etag.empty());
    EXPECT_EQ(get(bookings, token, room_etag).status, 304);

    // A new meeting: the next revalidation gets the new list and a new tag.
    sim_->control("POST", "/_sim/mailboxes/" + me + "/events",
                  eventJson("ETag check", std::chrono::system_clock::now() + std::chrono::hours(5),
                            minutes(30)));
    ASSERT_EQ(calconnctl(dir_, {"mailbox", "resync", me}).exit_code, 0);
    net::HttpResponse changed;
    ASSERT_TRUE(eventually([&] {
        changed = get(path, token, etag);
        return changed.status == 200;
    }));
    EXPECT_NE(changed.headers.get("ETag").value_or(""), etag);
    EXPECT_NE(changed.body.find("ETag check"), std::string::npos);
}

}  // namespace
}  // namespace calconn::e2e
