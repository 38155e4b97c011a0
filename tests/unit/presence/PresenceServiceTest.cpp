// The service with its threads: reads through a fake Graph, time from FakeClocks (the wall
// clock for evaluation, a second one for read pacing and sink retries), sinks that record.
// Waits poll with a deadline; the loop ticks every millisecond.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <mutex>
#include <thread>

#include "Eventually.h"
#include "common/IsoTime.h"
#include "common/Metrics.h"
#include "presence/PresenceService.h"

namespace calconn::presence {
namespace {

using test::eventually;

using namespace std::chrono_literals;
using core::PresenceState;

common::TimePoint at(const char* iso) { return *common::parseIsoUtc(iso); }

class RecordingSink final : public PresenceSink {
public:
    struct Shared {
        std::mutex mutex;
        std::vector<PresenceUpdate> received;
        int attempts = 0;
        bool failing = false;
    };
    explicit RecordingSink(std::shared_ptr<Shared> shared) : shared_(std::move(shared)) {}
    const std::string& name() const override { return name_; }
    const std::string& key() const override { return name_; }
    common::Status publish(const PresenceUpdate& update) override {
        std::lock_guard lock(shared_->mutex);
        ++shared_->attempts;
        if (shared_->failing) return common::makeError(common::ErrorCode::Unavailable, "down");
        shared_->received.push_back(update);
        return {};
    }

private:
    std::string name_ = "recorder";
    std::shared_ptr<Shared> shared_;
};

// A tenant in memory: settings per user, read counts, optional failures.
class FakeGraph {
public:
    void set(const std::string& upn, graph::MailboxSettings settings) {
        std::lock_guard lock(mutex_);
        settings_[upn] = std::move(settings);
    }
    void fail(const std::string& upn) {
        std::lock_guard lock(mutex_);
        failing_.insert(upn);
    }
    common::Result<graph::MailboxSettings> fetch(const std::string& upn) {
        std::lock_guard lock(mutex_);
        ++reads_[upn];
        if (failing_.count(upn)) {
            return common::makeError(common::ErrorCode::Unavailable, "graph unreachable");
        }
        auto it = settings_.find(upn);
        return it == settings_.end() ? graph::MailboxSettings{} : it->second;
    }
    int reads(const std::string& upn) {
        std::lock_guard lock(mutex_);
        return reads_[upn];
    }

private:
    std::mutex mutex_;
    std::map<std::string, graph::MailboxSettings> settings_;
    std::map<std::string, int> reads_;
    std::set<std::string> failing_;
};

graph::MailboxSettings scheduled(const char* start, const char* end, std::string message = {}) {
    graph::MailboxSettings s;
    s.automatic_replies.status = "scheduled";
    s.automatic_replies.scheduled_start = at(start);
    s.automatic_replies.scheduled_end = at(end);
    s.automatic_replies.external_reply_message = std::move(message);
    return s;
}

class PresenceServiceTest : public ::testing::Test {
protected:
    PresenceServiceTest() {
        dir_ = std::filesystem::temp_directory_path() /
               ("presence-service-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::remove_all(dir_);
        std::filesystem::create_directories(dir_);
    }
    ~PresenceServiceTest() override {
        service_.reset();
        std::filesystem::remove_all(dir_);
    }

    void start(std::vector<std::string> users, bool include_message = false) {
        users_ = std::move(users);
        PresenceServiceDeps deps{[this](const std::string& upn) { return graph_.fetch(upn); },
                                 [this]() -> common::Result<std::vector<std::string>> {
                                     std::lock_guard lock(users_mutex_);
                                     return users_;
                                 },
                                 wall_, real_};
        PresenceServiceOptions options;
        options.poll_interval = 60s;
        options.include_reply_message = include_message;
        options.state_file = stateFile();
        options.tick = 1ms;
        options.users_refresh = 1ms;
        options.state_flush = 0ms;
        options.sink_backoff = {1s, 4s};
        std::vector<std::unique_ptr<PresenceSink>> sinks;
        sinks.push_back(std::make_unique<RecordingSink>(sink_));
        auto created = PresenceService::create(std::move(deps), options, std::move(sinks));
        ASSERT_TRUE(created.ok()) << created.error().toString();
        service_ = std::move(*created);
        service_->start();
    }

    std::string stateFile() const { return (dir_ / "presence.json").string(); }
    std::size_t received() {
        std::lock_guard lock(sink_->mutex);
        return sink_->received.size();
    }
    PresenceUpdate receivedAt(std::size_t i) {
        std::lock_guard lock(sink_->mutex);
        return sink_->received.at(i);
    }
    // One more read of the user completed (the service saw it; sinks were offered).
    void readAgain(const std::string& upn) {
        const int before = graph_.reads(upn);
        const double completed =
            common::metrics().value("calconn_presence_polls_total", {{"result", "ok"}});
        real_.advance(60s);
        ASSERT_TRUE(eventually([&] { return graph_.reads(upn) > before; }));
        // Counted under the service's lock, before the sinks are offered the result; status()
        // takes that lock, so the offer is visible below.
        ASSERT_TRUE(eventually([&] {
            return common::metrics().value("calconn_presence_polls_total", {{"result", "ok"}}) >
                   completed;
        }));
        ASSERT_TRUE(eventually([&] {
            auto status = service_->status();
            return !status.sinks.empty() && status.sinks[0].pending == 0;
        }));
    }
    bool stateIs(const std::string& upn, const std::string& state) {
        for (const auto& row : service_->status().users) {
            if (row.upn == upn) return row.state == state;
        }
        return false;
    }

    std::filesystem::path dir_;
    common::FakeClock wall_{at("2026-03-02T08:00:00Z")};
    common::FakeClock real_{common::TimePoint(std::chrono::hours(1000))};
    FakeGraph graph_;
    std::shared_ptr<RecordingSink::Shared> sink_ = std::make_shared<RecordingSink::Shared>();
    std::mutex users_mutex_;
    std::vector<std::string> users_;
    std::unique_ptr<PresenceService> service_;
};

TEST_F(PresenceServiceTest, ScheduledWindowFlipsAtItsInstantsWithOneSinkCallEach) {
    graph_.set("ada@x", scheduled("2026-03-02T09:00:00Z", "2026-03-02T11:00:00Z"));
    start({"ada@x"});
    ASSERT_TRUE(eventually([&] { return stateIs("ada@x", "available"); }));
    EXPECT_EQ(received(), 0u);

    wall_.set(at("2026-03-02T09:00:00Z"));  // no new read needed: the wall clock decides
    ASSERT_TRUE(eventually([&] { return received() == 1; }));
    EXPECT_EQ(receivedAt(0).record.state, PresenceState::OutOfOffice);
    EXPECT_EQ(common::formatIsoUtc(receivedAt(0).record.since), "2026-03-02T09:00:00Z");
    auto now = service_->current("ADA@x");
    ASSERT_TRUE(now);
    EXPECT_EQ(now->state, PresenceState::OutOfOffice);

    wall_.set(at("2026-03-02T10:00:00Z"));
    readAgain("ada@x");
    EXPECT_EQ(received(), 1u);  // the state went on: nothing to announce

    wall_.set(at("2026-03-02T11:00:00Z"));
    ASSERT_TRUE(eventually([&] { return received() == 2; }));
    EXPECT_EQ(receivedAt(1).record.state, PresenceState::Available);
    readAgain("ada@x");
    EXPECT_EQ(received(), 2u);
    EXPECT_GE(
        common::metrics().value("calconn_presence_transitions_total", {{"state", "out_of_office"}}),
        1);
}

TEST_F(PresenceServiceTest, NoRepeatAfterARestartAndTheMessageIsNeverStored) {
    graph_.set("ada@x", scheduled("2026-03-02T07:00:00Z", "2026-03-02T11:00:00Z",
                                  "<p>Parental leave, call Bob</p>"));
    start({"ada@x"}, true);
    ASSERT_TRUE(eventually([&] { return received() == 1; }));
    EXPECT_EQ(receivedAt(0).message, "<p>Parental leave, call Bob</p>");
    service_->stop();
    std::ifstream in(stateFile());
    const std::string saved((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_NE(saved.find("out_of_office"), std::string::npos);
    EXPECT_EQ(saved.find("Parental"), std::string::npos);

    service_.reset();
    start({"ada@x"}, true);
    readAgain("ada@x");
    EXPECT_EQ(received(), 1u);
    wall_.set(at("2026-03-02T11:00:00Z"));
    ASSERT_TRUE(eventually([&] { return received() == 2; }));
    EXPECT_TRUE(receivedAt(1).message.empty());
}

TEST_F(PresenceServiceTest, ASinkThatIsDownGetsTheLatestStateWhenBack) {
    sink_->failing = true;
    graph_.set("ada@x", scheduled("2026-03-02T07:00:00Z", "2026-03-02T09:00:00Z"));
    start({"ada@x"});
    ASSERT_TRUE(eventually([&] { return sink_->attempts >= 1; }));
    EXPECT_TRUE(eventually([&] { return service_->status().sinks[0].consecutive_failures == 1; }));

    // Restart while the sink is down: the missed announcement is still owed.
    service_.reset();
    start({"ada@x"});
    ASSERT_TRUE(eventually([&] { return sink_->attempts >= 2; }));
    wall_.set(at("2026-03-02T09:00:00Z"));  // meanwhile the window ended
    ASSERT_TRUE(eventually([&] { return stateIs("ada@x", "available"); }));
    {
        std::lock_guard lock(sink_->mutex);
        sink_->failing = false;
    }
    real_.advance(5s);  // past the backoff
    ASSERT_TRUE(eventually([&] { return service_->status().sinks[0].pending == 0; }));
    // The sink never took "away", and the user is back: nothing is owed any more.
    EXPECT_EQ(received(), 0u);

    // A new absence: announced to the sink that is now up.
    graph_.set("ada@x", scheduled("2026-03-02T09:30:00Z", "2026-03-02T17:00:00Z"));
    wall_.set(at("2026-03-02T10:00:00Z"));
    readAgain("ada@x");
    ASSERT_TRUE(eventually([&] { return received() == 1; }));
    EXPECT_EQ(receivedAt(0).record.state, PresenceState::OutOfOffice);
}

TEST_F(PresenceServiceTest, ReadsAreSpreadOverTheIntervalAndErrorsAreCounted) {
    graph_.fail("u3@x");
    start({"u0@x", "u1@x", "u2@x", "u3@x"});
    ASSERT_TRUE(eventually([&] { return graph_.reads("u0@x") == 1; }));
    EXPECT_EQ(graph_.reads("u1@x"), 0);  // due 15 s later (60 s / 4 users)
    const double errors_before =
        common::metrics().value("calconn_presence_polls_total", {{"result", "unavailable"}});
    real_.advance(46s);
    ASSERT_TRUE(eventually([&] { return graph_.reads("u3@x") == 1; }));
    EXPECT_EQ(graph_.reads("u0@x"), 1);
    ASSERT_TRUE(eventually([&] {
        for (const auto& row : service_->status().users) {
            if (row.upn == "u3@x") return row.state == "unknown" && !row.last_error.empty();
        }
        return false;
    }));
    EXPECT_EQ(common::metrics().value("calconn_presence_polls_total", {{"result", "unavailable"}}),
              errors_before + 1);
}

TEST_F(PresenceServiceTest, MailboxesAddedLaterAreTracked) {
    start({"a@x"});
    ASSERT_TRUE(eventually([&] { return graph_.reads("a@x") == 1; }));
    graph_.set("new@x", scheduled("2026-03-02T07:00:00Z", "2026-03-02T11:00:00Z"));
    {
        std::lock_guard lock(users_mutex_);
        users_.push_back("new@x");
    }
    real_.advance(1s);  // the mailbox list is read again on the real clock
    ASSERT_TRUE(eventually([&] { return received() == 1; }));
    EXPECT_EQ(receivedAt(0).upn, "new@x");
    EXPECT_FALSE(service_->current("nobody@x"));
}

}  // namespace
}  // namespace calconn::presence
