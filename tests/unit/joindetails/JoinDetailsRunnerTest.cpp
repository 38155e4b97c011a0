// The runner between sync's change bus and the join-details service: which changes lead to a
// Graph read, that a series is handled once through its master, that our own PATCH coming
// back is a no-op, and that nothing is lost to a crash, a full queue or a transient failure.
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>

#include "Eventually.h"
#include "TestSupport.h"
#include "common/Metrics.h"
#include "joindetails/BodyBlock.h"
#include "joindetails/JoinDetailsRunner.h"

namespace calconn::joindetails {
namespace {

using namespace std::chrono_literals;
using testing::countOccurrences;

constexpr auto kWait = 10s;
const std::string kAlice = "alice@example.com";
const std::string kRoom = "room-4b@example.com";

std::string keyOf(const std::string& upn, const std::string& id) { return upn + "\n" + id; }

// sync's cache: mailboxes and their meetings, as the store would hand them out.
class FakeCache : public MeetingCache {
public:
    void addMailbox(const std::string& upn, core::MailboxKind kind) {
        std::lock_guard lock(mutex_);
        core::Mailbox mailbox;
        mailbox.upn = upn;
        mailbox.kind = kind;
        mailboxes_.push_back(mailbox);
    }
    void put(const core::Meeting& meeting) {
        std::lock_guard lock(mutex_);
        meetings_[keyOf(meeting.mailbox, meeting.id)] = meeting;
    }

    common::Result<std::vector<core::Mailbox>> mailboxes() override {
        std::lock_guard lock(mutex_);
        return mailboxes_;
    }
    common::Result<std::optional<core::Mailbox>> mailbox(const std::string& upn) override {
        std::lock_guard lock(mutex_);
        for (const auto& m : mailboxes_)
            if (m.upn == upn) return std::optional<core::Mailbox>(m);
        return std::optional<core::Mailbox>();
    }
    common::Result<std::optional<core::Meeting>> meeting(const std::string& upn,
                                                         const std::string& id) override {
        std::lock_guard lock(mutex_);
        auto it = meetings_.find(keyOf(upn, id));
        if (it == meetings_.end()) return std::optional<core::Meeting>();
        return std::optional<core::Meeting>(it->second);
    }
    common::Result<std::vector<core::Meeting>> meetings(const std::string& upn) override {
        std::lock_guard lock(mutex_);
        std::vector<core::Meeting> out;
        for (const auto& [key, m] : meetings_)
            if (m.mailbox == upn) out.push_back(m);
        return out;
    }

private:
    std::mutex mutex_;
    std::vector<core::Mailbox> mailboxes_;
    std::map<std::string, core::Meeting> meetings_;
};

// Graph for several events: reads, and PATCHes judged by etag like Graph does.
class FakeGraph : public EventUpdater {
public:
    void put(const EventSnapshot& event) {
        std::lock_guard lock(mutex_);
        events_[event.id] = event;
    }
    EventSnapshot get(const std::string& id) {
        std::lock_guard lock(mutex_);
        return events_.at(id);
    }
    void failNextReads(common::ErrorCode code, int times) {
        std::lock_guard lock(mutex_);
        for (int i = 0; i < times; ++i) read_failures_.push_back(code);
    }
    int reads(const std::string& id) {
        std::lock_guard lock(mutex_);
        return reads_[id];
    }
    // While held, a read is counted and then waits for release(): the worker stays busy.
    void holdReads() {
        std::lock_guard lock(mutex_);
        held_ = true;
    }
    void releaseReads() {
        {
            std::lock_guard lock(mutex_);
            held_ = false;
        }
        released_.notify_all();
    }
    int patches() {
        std::lock_guard lock(mutex_);
        return patches_;
    }

    common::Result<EventSnapshot> readEvent(const std::string&, const std::string& id) override {
        std::unique_lock lock(mutex_);
        ++reads_[id];
        released_.wait(lock, [this] { return !held_; });
        if (!read_failures_.empty()) {
            auto code = read_failures_.front();
            read_failures_.pop_front();
            return common::makeError(code, "injected failure");
        }
        auto it = events_.find(id);
        if (it == events_.end()) return common::makeError(common::ErrorCode::NotFound, "no event");
        return it->second;
    }

    common::Result<std::string> patchEvent(const std::string&, const std::string& id,
                                           const std::string& etag,
                                           const std::string& json) override {
        std::lock_guard lock(mutex_);
        auto it = events_.find(id);
        if (it == events_.end()) return common::makeError(common::ErrorCode::NotFound, "no event");
        EventSnapshot& event = it->second;
        if (etag != event.etag) return common::makeError(common::ErrorCode::Conflict, "412");
        Poco::JSON::Parser parser;
        auto object = parser.parse(json).extract<Poco::JSON::Object::Ptr>();
        event.state.body = object->getObject("body")->getValue<std::string>("content");
        event.state.property = object->getArray("singleValueExtendedProperties")
                                   ->getObject(0)
                                   ->getValue<std::string>("value");
        ++patches_;
        event.etag = "W/\"v" + std::to_string(++version_) + "\"";
        return event.etag;
    }

private:
    std::mutex mutex_;
    std::condition_variable released_;
    bool held_ = false;
    std::map<std::string, EventSnapshot> events_;
    std::map<std::string, int> reads_;
    std::deque<common::ErrorCode> read_failures_;
    int patches_ = 0;
    int version_ = 100;
};

class RunnerTest : public ::testing::Test {
protected:
    void SetUp() override {
        cache.addMailbox(kAlice, core::MailboxKind::User);
        cache.addMailbox(kRoom, core::MailboxKind::Room);
    }
    void TearDown() override {
        if (runner) runner->stop();
    }

    std::shared_ptr<RunnerConfig> config() {
        auto c = std::make_shared<RunnerConfig>();
        c->rules = defaultKeywordRules("acme");
        c->templates = std::make_shared<const TemplateStore>(TemplateStore::shipped());
        return c;
    }

    void start(RunnerOptions options = fastOptions()) {
        runner = std::make_unique<JoinDetailsRunner>(
            bus, cache, graph,
            [this](const std::string&) -> common::Result<std::string> {
                ++locale_lookups;
                return std::string("de-DE");
            },
            config(), options);
        runner->start();
    }

    static RunnerOptions fastOptions() {
        RunnerOptions options;
        options.retry_delays = {1ms, 1ms};
        options.sweep_at_start = false;
        return options;
    }

    // A meeting in both the cache and Graph, as sync would have it after a round.
    core::Meeting meeting(const std::string& upn, const std::string& id,
                          const std::string& location,
                          core::MeetingType type = core::MeetingType::SingleInstance,
                          const std::string& master = {}) {
        core::Meeting m;
        m.mailbox = upn;
        m.id = id;
        m.type = type;
        m.series_master_id = master;
        m.organizer = {"Alice Example", upn};
        m.response = core::ResponseType::Organizer;
        m.location.display_name = location;
        m.body = {"<html><body><p>Agenda</p></body></html>", core::BodyType::Html};
        cache.put(m);
        if (type != core::MeetingType::Occurrence) {
            EventSnapshot e;
            e.id = id;
            e.etag = "W/\"v1\"";
            e.subject = "Planning";
            e.start = "2030-01-01T10:00:00Z";
            e.end = "2030-01-01T11:00:00Z";
            e.organizer_email = upn;
            e.organizer_name = "Alice Example";
            e.state.location = location;
            e.state.body = m.body.content;
            e.state.kind = type == core::MeetingType::SeriesMaster ? EventKind::SeriesMaster
                                                                   : EventKind::SingleInstance;
            graph.put(e);
        }
        return m;
    }

    void publish(const std::string& upn, const std::string& id,
                 core::ChangeKind kind = core::ChangeKind::Changed) {
        core::MeetingChange change;
        change.sequence = ++sequence;
        change.kind = kind;
        change.mailbox = upn;
        change.meeting_id = id;
        change.change_key = "ck" + std::to_string(sequence);
        bus.publish(change);
    }

    // Our PATCH, seen by sync: the cache takes Graph's new body, the bus says "changed".
    void syncBack(const std::string& upn, const std::string& id) {
        auto cached = cache.meeting(upn, id).value().value();
        cached.body.content = graph.get(id).state.body;
        cache.put(cached);
        publish(upn, id);
    }

    std::uint64_t count(RunResult result) {
        auto counts = runner->counts();
        return counts.count(result) != 0 ? counts[result] : 0;
    }

    core::InProcessChangeBus bus;
    FakeCache cache;
    FakeGraph graph;
    std::atomic<int> locale_lookups{0};
    std::uint64_t sequence = 0;
    std::unique_ptr<JoinDetailsRunner> runner;
};

TEST_F(RunnerTest, KeywordMeetingGetsOneBlockAndOurOwnChangeComingBackIsANoOp) {
    start();
    const double before = common::metrics().value(kJoinDetailsMetric, {{"result", "inserted"}});
    meeting(kAlice, "E1", "Room 4.12; @webex");
    publish(kAlice, "E1", core::ChangeKind::Added);
    ASSERT_TRUE(runner->waitIdle(kWait));
    EXPECT_EQ(count(RunResult::Inserted), 1u);
    const std::string body = graph.get("E1").state.body;
    EXPECT_EQ(countOccurrences(body, std::string(kBlockBeginToken)), 1u);
    EXPECT_NE(body.find("Meinem persönlichen Webex-Raum beitreten"), std::string::npos);
    EXPECT_NE(body.find("https://acme.webex.com/meet/alice"), std::string::npos);
    EXPECT_EQ(common::metrics().value(kJoinDetailsMetric, {{"result", "inserted"}}), before + 1);

    for (int i = 0; i < 5; ++i) {
        syncBack(kAlice, "E1");
        ASSERT_TRUE(runner->waitIdle(kWait));
    }
    EXPECT_EQ(graph.patches(), 1);
    EXPECT_EQ(count(RunResult::Unchanged), 5u);
    EXPECT_EQ(graph.get("E1").state.body, body);
    // The locale is only needed when there is something to write.
    EXPECT_EQ(locale_lookups.load(), 1);
}

TEST_F(RunnerTest, LooksOnlyAtMeetingsThatUsersOrganiseWithAKeywordOrABlock) {
    start();
    meeting(kAlice, "plain", "Room 4.12");
    auto invited = meeting(kAlice, "invite", "@webex");
    invited.response = core::ResponseType::Accepted;
    invited.organizer = {"Bob", "bob@example.com"};
    cache.put(invited);
    meeting(kRoom, "room-copy", "@webex");
    auto cancelled = meeting(kAlice, "cancelled", "@webex");
    cancelled.is_cancelled = true;
    cache.put(cancelled);
    for (const char* id : {"plain", "invite", "cancelled"}) publish(kAlice, id);
    publish(kRoom, "room-copy");
    publish(kAlice, "unknown-id");
    publish("stranger@example.com", "plain");
    ASSERT_TRUE(runner->waitIdle(kWait));
    for (const char* id : {"plain", "invite", "room-copy", "cancelled"}) {
        EXPECT_EQ(graph.reads(id), 0) << id;
    }
    EXPECT_EQ(graph.patches(), 0);
    EXPECT_TRUE(runner->counts().empty());
}

TEST_F(RunnerTest, ASeriesGetsItsBlockOnceInTheMaster) {
    start();
    meeting(kAlice, "M", "@webex", core::MeetingType::SeriesMaster);
    for (int i = 0; i < 30; ++i) {
        meeting(kAlice, "O" + std::to_string(i), "@webex", core::MeetingType::Occurrence, "M");
    }
    // The first occurrence's change leads to a read of the master; the other 29 arrive while
    // that read is under way and collapse into one more look at the master.
    graph.holdReads();
    publish(kAlice, "O0", core::ChangeKind::Added);
    ASSERT_TRUE(test::eventually([&] { return graph.reads("M") == 1; }, kWait));
    for (int i = 1; i < 30; ++i) publish(kAlice, "O" + std::to_string(i), core::ChangeKind::Added);
    graph.releaseReads();
    ASSERT_TRUE(runner->waitIdle(kWait));
    EXPECT_EQ(graph.patches(), 1);
    EXPECT_EQ(countOccurrences(graph.get("M").state.body, std::string(kBlockBeginToken)), 1u);
    EXPECT_EQ(graph.reads("M"), 2);
    for (int i = 0; i < 30; ++i) EXPECT_EQ(graph.reads("O" + std::to_string(i)), 0);
}

TEST_F(RunnerTest, DuplicateChangesAreQueuedOnce) {
    meeting(kAlice, "E1", "@webex");
    start();
    // The worker is busy reading E1 when a burst of replays (a drained outbox, repeated
    // notifications) for the same meeting arrives: the burst collapses into one queued change.
    graph.holdReads();
    publish(kAlice, "E1");
    ASSERT_TRUE(test::eventually([&] { return graph.reads("E1") == 1; }, kWait));
    for (int i = 0; i < 199; ++i) publish(kAlice, "E1");
    graph.releaseReads();
    ASSERT_TRUE(runner->waitIdle(kWait));
    EXPECT_EQ(graph.patches(), 1);
    EXPECT_EQ(graph.reads("E1"), 2);  // the change being read, and the one queued behind it
}

TEST_F(RunnerTest, RemovingTheKeywordRemovesTheBlock) {
    start();
    meeting(kAlice, "E1", "@webex");
    publish(kAlice, "E1");
    ASSERT_TRUE(runner->waitIdle(kWait));
    ASSERT_TRUE(hasBlock(graph.get("E1").state.body, BodyType::Html));

    // The user clears the location; sync sees the change (the cached body still has the block).
    auto event = graph.get("E1");
    event.state.location = "Room 4.12";
    event.etag = "W/\"user-edit\"";
    graph.put(event);
    auto cached = cache.meeting(kAlice, "E1").value().value();
    cached.location.display_name = "Room 4.12";
    cached.body.content = event.state.body;
    cache.put(cached);
    publish(kAlice, "E1");
    ASSERT_TRUE(runner->waitIdle(kWait));
    EXPECT_EQ(count(RunResult::Removed), 1u);
    EXPECT_FALSE(hasBlock(graph.get("E1").state.body, BodyType::Html));
    EXPECT_NE(graph.get("E1").state.body.find("<p>Agenda</p>"), std::string::npos);
}

TEST_F(RunnerTest, StartUpSweepFindsWorkThatWasQueuedWhenTheProcessDied) {
    meeting(kAlice, "E1", "@webex");
    meeting(kAlice, "E2", "no keyword here");
    meeting(kRoom, "R1", "@webex");
    RunnerOptions options = fastOptions();
    options.sweep_at_start = true;
    start(options);
    ASSERT_TRUE(runner->waitIdle(kWait));
    EXPECT_EQ(count(RunResult::Inserted), 1u);
    EXPECT_TRUE(hasBlock(graph.get("E1").state.body, BodyType::Html));
    EXPECT_EQ(graph.reads("E2"), 0);
    EXPECT_EQ(graph.reads("R1"), 0);
}

TEST_F(RunnerTest, AFullQueueIsCaughtUpBySweepingTheCache) {
    RunnerOptions options = fastOptions();
    options.max_queued_changes = 3;
    start(options);
    for (int i = 0; i < 40; ++i) meeting(kAlice, "E" + std::to_string(i), "@webex");
    for (int i = 0; i < 40; ++i) publish(kAlice, "E" + std::to_string(i));
    ASSERT_TRUE(runner->waitIdle(kWait));
    EXPECT_EQ(count(RunResult::Inserted), 40u);
    for (int i = 0; i < 40; ++i) {
        EXPECT_EQ(countOccurrences(graph.get("E" + std::to_string(i)).state.body,
                                   std::string(kBlockBeginToken)),
                  1u);
    }
}

TEST_F(RunnerTest, TransientFailuresAreRetriedPermanentOnesAreNot) {
    start();
    meeting(kAlice, "E1", "@webex");
    graph.failNextReads(common::ErrorCode::Unavailable, 1);
    publish(kAlice, "E1");
    ASSERT_TRUE(runner->waitIdle(kWait));
    // The retry is due after 1 ms; wait for it to have run.
    const auto deadline = std::chrono::steady_clock::now() + kWait;
    while (count(RunResult::Inserted) == 0 && std::chrono::steady_clock::now() < deadline) {
        ASSERT_TRUE(runner->waitIdle(kWait));
    }
    EXPECT_EQ(count(RunResult::Failed), 1u);
    EXPECT_EQ(count(RunResult::Inserted), 1u);

    meeting(kAlice, "E2", "@webex");
    graph.failNextReads(common::ErrorCode::PermissionDenied, 1);
    publish(kAlice, "E2");
    ASSERT_TRUE(runner->waitIdle(kWait));
    EXPECT_EQ(runner->pendingRetries(), 0u);
    EXPECT_EQ(count(RunResult::Failed), 2u);
    EXPECT_FALSE(hasBlock(graph.get("E2").state.body, BodyType::Html));
}

TEST_F(RunnerTest, GivesUpAfterTheLastRetryUntilTheMeetingChanges) {
    start();
    meeting(kAlice, "E1", "@webex");
    graph.failNextReads(common::ErrorCode::Throttled, 3);  // first try + both retries
    publish(kAlice, "E1");
    const auto deadline = std::chrono::steady_clock::now() + kWait;
    while (count(RunResult::Failed) < 3 && std::chrono::steady_clock::now() < deadline) {
        ASSERT_TRUE(runner->waitIdle(kWait));
    }
    ASSERT_TRUE(runner->waitIdle(kWait));
    EXPECT_EQ(count(RunResult::Failed), 3u);
    EXPECT_EQ(runner->pendingRetries(), 0u);
    EXPECT_EQ(graph.patches(), 0);
    publish(kAlice, "E1");
    ASSERT_TRUE(runner->waitIdle(kWait));
    EXPECT_EQ(count(RunResult::Inserted), 1u);
}

TEST_F(RunnerTest, DisabledConfigurationDoesNothingAndReconfigureSweeps) {
    auto off = config();
    off->enabled = false;
    runner = std::make_unique<JoinDetailsRunner>(
        bus, cache, graph, [](const std::string&) { return common::Result<std::string>("en-US"); },
        off, fastOptions());
    runner->start();
    meeting(kAlice, "E1", "@webex");
    publish(kAlice, "E1");
    ASSERT_TRUE(runner->waitIdle(kWait));
    EXPECT_EQ(graph.reads("E1"), 0);

    runner->reconfigure(config());  // turned on by a reload: the cache is swept
    ASSERT_TRUE(runner->waitIdle(kWait));
    EXPECT_EQ(count(RunResult::Inserted), 1u);
}

TEST_F(RunnerTest, StopsPromptlyWithWorkQueued) {
    start();
    for (int i = 0; i < 50; ++i) meeting(kAlice, "E" + std::to_string(i), "@webex");
    for (int i = 0; i < 50; ++i) publish(kAlice, "E" + std::to_string(i));
    runner->stop();
    runner->stop();  // idempotent
    const int patched = graph.patches();
    publish(kAlice, "E1");  // after stop: not even queued
    EXPECT_EQ(graph.patches(), patched);
}

}  // namespace
}  // namespace calconn::joindetails
