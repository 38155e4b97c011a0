// MailboxSync against a scripted CalendarSource and the real store: hydration order, master
// fetches, window filtering and error mapping, without any network.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <deque>
#include <filesystem>
#include <functional>

#include "graph/Decoders.h"
#include "kms/LocalKeyProvider.h"
#include "store/MeetingStore.h"
#include "sync/MailboxSync.h"

namespace calconn::sync {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

const common::TimePoint kNow = std::chrono::sys_days{std::chrono::year{2026} / 11 / 27} + 8h;
constexpr const char* kUpn = "alice@contoso.com";

graph::Event event(const std::string& id, const std::string& type, const std::string& subject,
                   const std::string& master = {}, int day = 1, const std::string& key = "k1") {
    graph::Event e;
    e.id = id;
    e.type = type == "seriesMaster" ? graph::EventType::SeriesMaster
             : type == "occurrence" ? graph::EventType::Occurrence
                                    : graph::EventType::SingleInstance;
    e.subject = subject;
    e.series_master_id = master;
    e.bare = type == "occurrence";
    e.change_key = e.bare ? "" : key;
    e.etag = "W/\"" + key + "\"";
    e.start =
        std::chrono::sys_days{std::chrono::year{2026} / 11 / 27} + std::chrono::days(day) + 9h;
    e.end = *e.start + 30min;
    return e;
}

graph::DeltaEntry upsert(graph::Event e) { return graph::DeltaEntry{false, "", std::move(e)}; }

// Plays scripted rounds; each round is a list of pages.
class ScriptedSource final : public CalendarSource {
public:
    std::deque<std::vector<graph::DeltaPage>> rounds;
    std::map<std::string, graph::Event> events;  // for getEvent
    std::optional<common::Error> fail;
    int fetches = 0;
    std::vector<std::string> resume_links;
    std::function<void()> during;  // runs inside the round, before the pages

    common::Result<std::string> deltaRound(const graph::DeltaRoundRequest& request,
                                           const PageHandler& on_page) override {
        resume_links.push_back(request.resume_link);
        if (during) during();
        if (fail) return *fail;
        if (rounds.empty())
            return common::makeError(common::ErrorCode::Internal, "no round scripted");
        auto pages = rounds.front();
        rounds.pop_front();
        for (std::size_t i = 0; i < pages.size(); ++i) {
            auto& page = pages[i];
            if (i + 1 < pages.size())
                page.next_link = "https://graph/next" + std::to_string(i);
            else
                page.delta_link = "https://graph/delta" + std::to_string(resume_links.size());
            if (auto status = on_page(page); !status) return status.error();
        }
        return pages.back().delta_link;
    }
    common::Result<graph::Event> getEvent(const std::string&, const std::string& id) override {
        ++fetches;
        auto it = events.find(id);
        if (it == events.end())
            return graph::toError(graph::decodeGraphError(
                404, R"({"error":{"code":"ErrorItemNotFound","message":"not found"}})"));
        return it->second;
    }
};

class Fixture {
public:
    Fixture() {
        std::string tmpl = (fs::temp_directory_path() / "calconn-syncfake-XXXXXX").string();
        dir_ = ::mkdtemp(tmpl.data());
        kms::LocalKeyProviderOptions key_options;
        key_options.state_directory = dir_;
        keys_ = std::move(kms::LocalKeyProvider::open(key_options).value());
        store::StoreOptions options;
        options.state_directory = dir_;
        options.clock = &clock_;
        store_ = std::move(store::MeetingStore::open(options, *keys_).value());
        publisher_ = std::make_unique<OutboxPublisher>(*store_, bus_);
        sync_ = std::make_unique<MailboxSync>(*store_, source_, *publisher_, clock_, SyncWindow{});
        bus_.subscribe([this](const core::MeetingChange& c) { changes_.push_back(c); });
    }
    ~Fixture() {
        sync_.reset();
        publisher_.reset();
        store_.reset();
        std::error_code ignored;
        fs::remove_all(dir_, ignored);
    }
    ScriptedSource& source() { return source_; }
    MailboxSync& sync() { return *sync_; }
    store::MeetingStore& store() { return *store_; }
    std::vector<core::MeetingChange>& changes() { return changes_; }
    std::string subjectOf(const std::string& id) {
        auto m = store_->meeting(kUpn, id);
        return m.ok() && *m ? (*m)->subject : "<missing>";
    }

private:
    fs::path dir_;
    common::FakeClock clock_{kNow};
    ScriptedSource source_;
    std::unique_ptr<kms::LocalKeyProvider> keys_;
    std::unique_ptr<store::MeetingStore> store_;
    core::InProcessChangeBus bus_;
    std::vector<core::MeetingChange> changes_;
    std::unique_ptr<OutboxPublisher> publisher_;
    std::unique_ptr<MailboxSync> sync_;
};

TEST(MailboxSyncScripted, InitialRoundCommitsPagesAndFiltersTheWindow) {
    Fixture f;
    graph::DeltaPage p1, p2;
    p1.entries = {upsert(event("s1", "singleInstance", "Inside", "", 2)),
                  upsert(event("s2", "singleInstance", "Far future", "", 90))};
    p2.entries = {upsert(event("s3", "singleInstance", "Also inside", "", 3))};
    f.source().rounds.push_back({p1, p2});
    auto report = f.sync().run(kUpn);
    ASSERT_TRUE(report.ok) << report.message;
    EXPECT_EQ(report.mode, RoundMode::Initial);
    EXPECT_EQ(report.pages, 2);
    EXPECT_EQ(f.subjectOf("s1"), "Inside");
    EXPECT_EQ(f.subjectOf("s2"), "<missing>");
    EXPECT_EQ(f.subjectOf("s3"), "Also inside");
    auto cursor = f.store().cursor(kUpn);
    ASSERT_TRUE(cursor.ok());
    EXPECT_EQ(cursor->link, "https://graph/delta1");
    EXPECT_TRUE(cursor->is_delta_link);
    EXPECT_EQ(f.changes().size(), 2u);
}

TEST(MailboxSyncScripted, FetchesAnUnknownMasterOncePerRound) {
    Fixture f;
    f.source().events["m1"] = event("m1", "seriesMaster", "Weekly sync", "", 1, "mk");
    graph::DeltaPage page;
    page.entries = {upsert(event("o1", "occurrence", "", "m1", 1)),
                    upsert(event("o2", "occurrence", "", "m1", 8)),
                    upsert(event("o3", "occurrence", "", "gone", 9))};
    f.source().rounds.push_back({page});
    auto report = f.sync().run(kUpn);
    ASSERT_TRUE(report.ok) << report.message;
    EXPECT_EQ(f.source().fetches, 2);  // m1 once, the vanished master once
    EXPECT_EQ(report.master_fetches, 2);
    EXPECT_EQ(f.subjectOf("o1"), "Weekly sync");
    EXPECT_EQ(f.subjectOf("o2"), "Weekly sync");
    EXPECT_EQ(f.subjectOf("o3"), "<missing>");
}

TEST(MailboxSyncScripted, OccurrenceBeforeItsChangedMasterGetsTheNewFields) {
    Fixture f;
    graph::DeltaPage first;
    first.entries = {upsert(event("m1", "seriesMaster", "Old title", "", 1, "v1")),
                     upsert(event("o1", "occurrence", "", "m1", 2, "o-v1"))};
    f.source().rounds.push_back({first});
    ASSERT_TRUE(f.sync().run(kUpn).ok);
    EXPECT_EQ(f.subjectOf("o1"), "Old title");
    // The occurrence comes on a page before its renamed master.
    graph::DeltaPage a, b;
    a.entries = {upsert(event("o1", "occurrence", "", "m1", 2, "o-v2"))};
    b.entries = {upsert(event("m1", "seriesMaster", "New title", "", 1, "v2"))};
    f.source().rounds.push_back({a, b});
    auto report = f.sync().run(kUpn);
    ASSERT_TRUE(report.ok) << report.message;
    EXPECT_EQ(report.mode, RoundMode::Incremental);
    EXPECT_EQ(f.subjectOf("o1"), "New title");
    EXPECT_EQ(f.source().fetches, 0);
}

TEST(MailboxSyncScripted, ThrottlingBeyondRetriesLeavesTheMailboxThrottledWithItsHint) {
    Fixture f;
    auto error = graph::decodeGraphError(
        429, R"({"error":{"code":"ApplicationThrottled","message":"slow down"}})", {});
    f.source().fail = graph::toError(error);
    auto report = f.sync().run(kUpn);
    EXPECT_FALSE(report.ok);
    EXPECT_EQ(report.reason, core::MailboxErrorReason::Throttled);
    auto mailbox = f.store().mailbox(kUpn);
    ASSERT_TRUE(mailbox.ok() && *mailbox);
    EXPECT_EQ((*mailbox)->state, core::MailboxState::Error);
    EXPECT_EQ((*mailbox)->error_reason, core::MailboxErrorReason::Throttled);
    // Recovery clears the error.
    f.source().fail.reset();
    graph::DeltaPage page;
    page.entries = {upsert(event("s1", "singleInstance", "Back", "", 2))};
    f.source().rounds.push_back({page});
    ASSERT_TRUE(f.sync().run(kUpn).ok);
    mailbox = f.store().mailbox(kUpn);
    EXPECT_EQ((*mailbox)->state, core::MailboxState::Active);
    EXPECT_EQ((*mailbox)->error_reason, core::MailboxErrorReason::None);
    EXPECT_TRUE((*mailbox)->error_message.empty());
}

TEST(MailboxSyncScripted, UnusableSavedLinkFallsBackToAFullRound) {
    Fixture f;
    graph::DeltaPage page;
    page.entries = {upsert(event("s1", "singleInstance", "Keep", "", 2)),
                    upsert(event("s2", "singleInstance", "Vanishes", "", 3))};
    f.source().rounds.push_back({page});
    ASSERT_TRUE(f.sync().run(kUpn).ok);
    // The first call fails as Graph does for an expired token; the fallback round succeeds.
    struct GoneOnce final : CalendarSource {
        ScriptedSource& inner;
        bool failed = false;
        explicit GoneOnce(ScriptedSource& s) : inner(s) {}
        common::Result<std::string> deltaRound(const graph::DeltaRoundRequest& r,
                                               const PageHandler& h) override {
            if (!failed) {
                failed = true;
                return graph::toError(graph::decodeGraphError(
                    410, R"({"error":{"code":"SyncStateNotFound","message":"expired"}})"));
            }
            return inner.deltaRound(r, h);
        }
        common::Result<graph::Event> getEvent(const std::string& m,
                                              const std::string& id) override {
            return inner.getEvent(m, id);
        }
    } gone(f.source());
    graph::DeltaPage fresh;
    fresh.entries = {upsert(event("s1", "singleInstance", "Keep", "", 2))};
    f.source().rounds.push_back({fresh});
    common::FakeClock clock(kNow);
    core::InProcessChangeBus bus;
    OutboxPublisher publisher(f.store(), bus);
    MailboxSync sync(f.store(), gone, publisher, clock, SyncWindow{});
    auto report = sync.run(kUpn);
    ASSERT_TRUE(report.ok) << report.message;
    EXPECT_TRUE(report.fell_back_to_full);
    EXPECT_EQ(f.subjectOf("s1"), "Keep");
    EXPECT_EQ(f.subjectOf("s2"), "<missing>");
    EXPECT_TRUE(f.source().resume_links.back().empty());  // the full round starts over
}

TEST(MailboxSyncScripted, MailboxRemovedDuringItsRoundStaysRemoved) {
    Fixture f;
    graph::DeltaPage page;
    page.entries = {upsert(event("s1", "singleInstance", "First", "", 2))};
    f.source().rounds.push_back({page});
    ASSERT_TRUE(f.sync().run(kUpn).ok);
    f.source().rounds.push_back({page});
    f.source().during = [&] { ASSERT_TRUE(f.store().removeMailbox(kUpn).ok()); };
    f.sync().run(kUpn);
    auto mailbox = f.store().mailbox(kUpn);
    ASSERT_TRUE(mailbox.ok());
    EXPECT_FALSE(mailbox->has_value());
}

TEST(MailboxSyncScripted, AChangedWindowLeadsToAFullRound) {
    Fixture f;
    graph::DeltaPage page;
    page.entries = {upsert(event("s1", "singleInstance", "First", "", 2))};
    f.source().rounds.push_back({page});
    f.source().rounds.push_back({page});
    f.source().rounds.push_back({page});
    ASSERT_TRUE(f.sync().run(kUpn).ok);
    EXPECT_EQ(f.sync().run(kUpn).mode, RoundMode::Incremental);
    f.sync().setWindow(SyncWindow{std::chrono::hours(48), std::chrono::hours(24 * 14)});
    auto report = f.sync().run(kUpn);
    ASSERT_TRUE(report.ok) << report.message;
    EXPECT_EQ(report.mode, RoundMode::Full);
    auto cursor = f.store().cursor(kUpn);
    ASSERT_TRUE(cursor.ok() && cursor->window_start && cursor->window_end);
    EXPECT_EQ(*cursor->window_end - *cursor->window_start, std::chrono::hours(24 * 16));
}

}  // namespace
}  // namespace calconn::sync
