// MailboxSync over the real stack (PocoHttpClient, AppTokenProvider, GraphClient, MeetingStore)
// against an in-process graphsim over HTTPS; the cache is compared with graphsim's ground truth.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <random>
#include <set>

#include "GraphsimTestSupport.h"
#include "graph/GraphClient.h"
#include "graph/TimeZones.h"
#include "kms/LocalKeyProvider.h"
#include "net/PocoHttpClient.h"
#include "store/MeetingStore.h"
#include "sync/MailboxSync.h"

namespace calconn::sync {
namespace {

using namespace std::chrono_literals;
using graphsim::testing::GraphsimFixture;
namespace fs = std::filesystem;

class TempDir {
public:
    TempDir() {
        std::string tmpl = (fs::temp_directory_path() / "calconn-sync-XXXXXX").string();
        path_ = ::mkdtemp(tmpl.data());
    }
    ~TempDir() {
        std::error_code ignored;
        fs::remove_all(path_, ignored);
    }
    const fs::path& path() const { return path_; }

private:
    fs::path path_;
};

class SyncStack {
public:
    explicit SyncStack(int users = 3, int rooms = 1, int events = 10, int page_size = 7)
        : f_(users, rooms, events, 23) {
        net::PocoHttpClientOptions http_options;
        http_options.tls.ca_file = graphsim::testing::testPki().ca_cert_file;
        http_options.read_timeout = 10s;
        http_ = std::move(net::PocoHttpClient::create(http_options).value());
        graph::ClientCredential credential;
        credential.client_id = GraphsimFixture::kClientId;
        credential.secret =
            std::make_shared<crypto::SecretString>(std::string_view(GraphsimFixture::kSecret));
        tokens_ = std::make_unique<graph::AppTokenProvider>(
            graph::TokenFetchDeps{*http_, f_.clock(), sleeper_, retry_},
            graph::IdentityEndpoint{f_.base(), GraphsimFixture::kTenant}, credential,
            "https://graph.microsoft.com/.default");
        client_ = std::make_unique<graph::GraphClient>(
            graph::GraphClientDeps{*http_, *tokens_, f_.clock(), sleeper_, retry_, slots_, budget_},
            graph::GraphClientOptions{f_.base(), page_size});
        source_ = std::make_unique<GraphCalendarSource>(*client_);
        openStore();
        bus_.subscribe([this](const core::MeetingChange& c) { events_.push_back(c); });
    }

    void openStore() {
        sync_.reset();
        publisher_.reset();
        store_.reset();
        kms::LocalKeyProviderOptions key_options;
        key_options.state_directory = dir_.path();
        keys_ = std::move(kms::LocalKeyProvider::open(key_options).value());
        store::StoreOptions options;
        options.state_directory = dir_.path();
        options.clock = &f_.clock();
        auto store = store::MeetingStore::open(options, *keys_);
        if (!store) throw std::runtime_error(store.error().toString());
        store_ = std::move(*store);
        publisher_ = std::make_unique<OutboxPublisher>(*store_, bus_);
        sync_ =
            std::make_unique<MailboxSync>(*store_, *source_, *publisher_, f_.clock(), SyncWindow{});
    }

    GraphsimFixture& f() { return f_; }
    MailboxSync& sync() { return *sync_; }
    store::MeetingStore& store() { return *store_; }
    std::vector<core::MeetingChange>& events() { return events_; }
    const net::FakeSleeper& sleeper() const { return sleeper_; }
    std::string upn(std::size_t i) { return f_.sim().tenant().mailboxes.at(i)->upn; }

    core::UtcSeconds windowStart() const {
        return std::chrono::floor<std::chrono::seconds>(f_clock().now() - 24h);
    }
    core::UtcSeconds windowEnd() const {
        return std::chrono::floor<std::chrono::seconds>(f_clock().now() + 24h * 30);
    }

    // "id|start|end|subject|cancelled" for each instance graphsim lists in the window.
    std::multiset<std::string> truth(const std::string& upn, core::UtcSeconds from,
                                     core::UtcSeconds to) {
        auto r =
            f_.control("GET", "/_sim/truth/" + upn + "?startDateTime=" + graph::formatIsoUtc(from) +
                                  "&endDateTime=" + graph::formatIsoUtc(to));
        EXPECT_EQ(r.status, 200) << r.body;
        std::multiset<std::string> out;
        auto list = r.json()->getArray("value");
        for (std::size_t i = 0; i < list->size(); ++i) {
            auto e = list->getObject(static_cast<unsigned>(i));
            auto start =
                graph::parseIsoDateTime(e->getObject("start")->getValue<std::string>("dateTime"));
            auto end =
                graph::parseIsoDateTime(e->getObject("end")->getValue<std::string>("dateTime"));
            out.insert(row(e->getValue<std::string>("id"),
                           std::chrono::floor<std::chrono::seconds>(*start),
                           std::chrono::floor<std::chrono::seconds>(*end),
                           e->getValue<std::string>("subject"), e->getValue<bool>("isCancelled")));
        }
        return out;
    }
    std::multiset<std::string> cached(const std::string& upn, core::UtcSeconds from,
                                      core::UtcSeconds to) {
        auto meetings = store_->meetingsInWindow(upn, from, to);
        EXPECT_TRUE(meetings.ok());
        std::multiset<std::string> out;
        for (const auto& m : *meetings)
            out.insert(row(m.id, m.start, m.end, m.subject, m.is_cancelled));
        return out;
    }
    void expectCacheEqualsTruth(const std::string& upn) {
        auto from = windowStart();
        auto to = windowEnd();
        // The window of the last round (retries may have moved the clock since).
        if (auto cursor = store_->cursor(upn);
            cursor.ok() && cursor->window_start && cursor->window_end) {
            from = *cursor->window_start;
            to = *cursor->window_end;
        }
        auto expected = truth(upn, from, to);
        EXPECT_FALSE(expected.empty());
        EXPECT_EQ(cached(upn, from, to), expected) << upn;
        auto count = store_->countMeetings(upn, from, to);
        ASSERT_TRUE(count.ok());
        EXPECT_EQ(*count, expected.size());
    }

    std::string post(const std::string& path, const std::string& body) {
        auto r = f_.control("POST", path, body);
        EXPECT_TRUE(r.status == 200 || r.status == 201 || r.status == 202) << path << " " << r.body;
        return r.status == 201 ? r.json()->getValue<std::string>("id") : std::string();
    }

private:
    const common::FakeClock& f_clock() const { return const_cast<GraphsimFixture&>(f_).clock(); }
    static std::string row(const std::string& id, core::UtcSeconds start, core::UtcSeconds end,
                           const std::string& subject, bool cancelled) {
        return id + "|" + std::to_string(start.time_since_epoch().count()) + "|" +
               std::to_string(end.time_since_epoch().count()) + "|" + subject + "|" +
               (cancelled ? "cancelled" : "");
    }

    GraphsimFixture f_;
    net::FakeSleeper sleeper_{f_.clock()};
    net::RetryPolicy retry_{{}, std::make_shared<net::SeededJitter>(5)};
    net::ConcurrencyLimiter slots_{4, f_.clock()};
    net::TokenBucketLimiter budget_{{1000.0, 1000.0}, f_.clock()};
    std::unique_ptr<net::PocoHttpClient> http_;
    std::unique_ptr<graph::AppTokenProvider> tokens_;
    std::unique_ptr<graph::GraphClient> client_;
    std::unique_ptr<GraphCalendarSource> source_;
    TempDir dir_;
    std::unique_ptr<kms::LocalKeyProvider> keys_;
    std::unique_ptr<store::MeetingStore> store_;
    core::InProcessChangeBus bus_;
    std::vector<core::MeetingChange> events_;
    std::unique_ptr<OutboxPublisher> publisher_;
    std::unique_ptr<MailboxSync> sync_;
};

const std::string kWhen =
    R"("start":{"dateTime":"2026-12-03T10:00:00","timeZone":"UTC"},"end":{"dateTime":"2026-12-03T11:00:00","timeZone":"UTC"})";

TEST(MailboxSync, InitialRoundEqualsGroundTruth) {
    SyncStack s;
    for (std::size_t i = 0; i < 4; ++i) {
        const std::string upn = s.upn(i);
        auto report = s.sync().run(upn);
        ASSERT_TRUE(report.ok) << report.message;
        EXPECT_EQ(report.mode, RoundMode::Initial);
        EXPECT_GT(report.pages, 1);
        s.expectCacheEqualsTruth(upn);
        auto mailbox = s.store().mailbox(upn);
        ASSERT_TRUE(mailbox.ok() && mailbox->has_value());
        EXPECT_EQ((*mailbox)->state, core::MailboxState::Active);
        EXPECT_TRUE((*mailbox)->last_sync.has_value());
        auto cursor = s.store().cursor(upn);
        ASSERT_TRUE(cursor.ok());
        EXPECT_TRUE(cursor->is_delta_link);
    }
    EXPECT_FALSE(s.events().empty());
    for (const auto& e : s.events()) EXPECT_EQ(e.kind, core::ChangeKind::Added);
}

TEST(MailboxSync, MutationsThenIncrementalRoundConverge) {
    SyncStack s;
    const std::string upn = s.upn(0);
    ASSERT_TRUE(s.sync().run(upn).ok);
    const std::size_t initial_events = s.events().size();

    // A new single meeting, a new recurring series, an edit, a cancellation and a deletion.
    const std::string single = s.post("/_sim/mailboxes/" + upn + "/events",
                                      R"({"subject":"Fresh meeting",)" + kWhen + "}");
    const std::string series = s.post("/_sim/mailboxes/" + upn + "/events", R"({
        "subject":"Daily standup","start":{"dateTime":"2026-12-01T09:00:00","timeZone":"W. Europe Standard Time"},
        "end":{"dateTime":"2026-12-01T09:15:00","timeZone":"W. Europe Standard Time"},
        "recurrence":{"pattern":{"type":"daily","interval":1},
                      "range":{"type":"numbered","startDate":"2026-12-01","numberOfOccurrences":6}}})");
    ASSERT_FALSE(single.empty());
    ASSERT_FALSE(series.empty());
    auto r = s.f().control("PATCH", "/_sim/mailboxes/" + upn + "/events/" + single,
                           R"J({"subject":"Fresh meeting (moved)"})J");
    ASSERT_EQ(r.status, 200) << r.body;

    auto report = s.sync().run(upn);
    ASSERT_TRUE(report.ok) << report.message;
    EXPECT_EQ(report.mode, RoundMode::Incremental);
    s.expectCacheEqualsTruth(upn);
    EXPECT_GT(s.events().size(), initial_events);

    // Shorten the series and delete the single meeting: occurrences dropped by the series
    // edit and the tombstone both leave the cache.
    r = s.f().control(
        "PATCH", "/_sim/mailboxes/" + upn + "/events/" + series,
        R"({"subject":"Daily standup v2","recurrence":{"pattern":{"type":"daily","interval":1},
                      "range":{"type":"numbered","startDate":"2026-12-01","numberOfOccurrences":3}}})");
    ASSERT_EQ(r.status, 200) << r.body;
    r = s.f().control("DELETE", "/_sim/mailboxes/" + upn + "/events/" + single);
    ASSERT_TRUE(r.status == 204 || r.status == 200) << r.body;
    report = s.sync().run(upn);
    ASSERT_TRUE(report.ok) << report.message;
    s.expectCacheEqualsTruth(upn);
    bool removed = false;
    for (const auto& e : s.events())
        removed = removed || (e.kind == core::ChangeKind::Removed && e.meeting_id == single);
    EXPECT_TRUE(removed);
}

TEST(MailboxSync, ReplayedRoundYieldsNoDuplicateEvents) {
    SyncStack s;
    const std::string upn = s.upn(1);
    ASSERT_TRUE(s.sync().run(upn).ok);
    auto before = s.store().cursor(upn);
    ASSERT_TRUE(before.ok());
    s.post("/_sim/mailboxes/" + upn + "/events", R"({"subject":"Replay me",)" + kWhen + "}");
    ASSERT_TRUE(s.sync().run(upn).ok);
    const auto events_after_first = s.events();
    // As after a crash before the link was saved: the same changes come again.
    ASSERT_TRUE(s.store().saveCursor(upn, *before).ok());
    auto report = s.sync().run(upn);
    ASSERT_TRUE(report.ok) << report.message;
    EXPECT_GT(report.upserts, 0u);
    EXPECT_EQ(s.events(), events_after_first);
    std::set<std::tuple<std::string, std::string, int, std::string>> unique;
    for (const auto& e : s.events())
        EXPECT_TRUE(unique.insert({e.mailbox, e.meeting_id, static_cast<int>(e.kind), e.change_key})
                        .second);
    s.expectCacheEqualsTruth(upn);
}

TEST(MailboxSync, ExpiredDeltaTokenLeadsToAFullResyncThatConverges) {
    SyncStack s;
    const std::string upn = s.upn(0);
    const std::string victim =
        s.post("/_sim/mailboxes/" + upn + "/events", R"({"subject":"Doomed",)" + kWhen + "}");
    ASSERT_FALSE(victim.empty());
    ASSERT_TRUE(s.sync().run(upn).ok);
    ASSERT_TRUE(s.store().meeting(upn, victim)->has_value());
    // Changes while the token expires, including a deletion the full round must reconcile.
    auto r = s.f().control("DELETE", "/_sim/mailboxes/" + upn + "/events/" + victim);
    ASSERT_TRUE(r.status == 204 || r.status == 200) << r.body;
    s.post("/_sim/mailboxes/" + upn + "/events", R"({"subject":"After expiry",)" + kWhen + "}");
    r = s.f().control("POST", "/_sim/delta/expire", R"({"mailbox":")" + upn + R"("})");
    ASSERT_EQ(r.status, 200) << r.body;

    auto report = s.sync().run(upn);
    ASSERT_TRUE(report.ok) << report.message;
    EXPECT_TRUE(report.fell_back_to_full);
    EXPECT_EQ(report.mode, RoundMode::Full);
    s.expectCacheEqualsTruth(upn);
    bool removed = false;
    for (const auto& e : s.events())
        removed = removed || (e.kind == core::ChangeKind::Removed && e.meeting_id == victim);
    EXPECT_TRUE(removed);
    // And incremental rounds work again from the new link.
    report = s.sync().run(upn);
    ASSERT_TRUE(report.ok) << report.message;
    EXPECT_EQ(report.mode, RoundMode::Incremental);
}

TEST(MailboxSync, MailboxOutsideTheAccessPolicyEndsOutOfScope) {
    SyncStack s;
    const std::string inside = s.upn(0);
    const std::string outside = s.upn(1);
    auto r = s.f().control("POST", "/_sim/policy", R"({"mailboxes":[")" + inside + R"("]})");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_TRUE(s.sync().run(inside).ok);
    auto report = s.sync().run(outside);
    EXPECT_FALSE(report.ok);
    EXPECT_EQ(report.state, core::MailboxState::Error);
    EXPECT_EQ(report.reason, core::MailboxErrorReason::OutOfScope);
    auto mailbox = s.store().mailbox(outside);
    ASSERT_TRUE(mailbox.ok() && mailbox->has_value());
    EXPECT_EQ((*mailbox)->state, core::MailboxState::Error);
    EXPECT_EQ((*mailbox)->error_reason, core::MailboxErrorReason::OutOfScope);
    EXPECT_FALSE((*mailbox)->error_message.empty());
}

TEST(MailboxSync, UnknownAndDisabledMailboxesGetTheirReasons) {
    SyncStack s;
    auto report = s.sync().run("nobody@" + s.upn(0).substr(s.upn(0).find('@') + 1));
    EXPECT_EQ(report.reason, core::MailboxErrorReason::MailboxNotFound);
    const std::string upn = s.upn(2);
    auto r = s.f().control("POST", "/_sim/mailboxes/" + upn + "/state", R"({"restEnabled":false})");
    ASSERT_EQ(r.status, 200) << r.body;
    report = s.sync().run(upn);
    EXPECT_EQ(report.reason, core::MailboxErrorReason::NotEnabledForRest);
}

TEST(MailboxSync, WindowSlidesDailyWithAFullResync) {
    SyncStack s;
    const std::string upn = s.upn(0);
    ASSERT_TRUE(s.sync().run(upn).ok);
    s.f().clock().advance(25h);
    auto report = s.sync().run(upn);
    ASSERT_TRUE(report.ok) << report.message;
    EXPECT_EQ(report.mode, RoundMode::Full);
    auto cursor = s.store().cursor(upn);
    ASSERT_TRUE(cursor.ok() && cursor->window_start.has_value());
    EXPECT_EQ(*cursor->window_start, s.windowStart());
    s.expectCacheEqualsTruth(upn);
    // Within the day the rounds stay incremental.
    s.f().clock().advance(2h);
    EXPECT_EQ(s.sync().run(upn).mode, RoundMode::Incremental);
}

TEST(MailboxSync, ForcedFullResyncRemovesWhatVanishedWithoutDuplicates) {
    SyncStack s;
    const std::string upn = s.upn(3);
    ASSERT_TRUE(s.sync().run(upn).ok);
    const auto added = s.events().size();
    auto report = s.sync().run(upn, true);
    ASSERT_TRUE(report.ok) << report.message;
    EXPECT_EQ(report.mode, RoundMode::Full);
    EXPECT_EQ(s.events().size(), added);  // same data: no event
    s.expectCacheEqualsTruth(upn);
}

TEST(MailboxSync, ConvergesUnderInjectedFaults) {
    SyncStack s(4, 1, 16, 2);
    // 20% of Graph calls fail: 429 with and without Retry-After, 503, resets, truncated bodies.
    for (const char* rule :
         {R"({"pattern":"^GET /v1.0/","probability":0.05,"status":429})",
          R"({"pattern":"^GET /v1.0/","probability":0.04,"status":429,"retryAfter":"absent"})",
          R"({"pattern":"^GET /v1.0/","probability":0.04,"status":503})",
          R"({"pattern":"^GET /v1.0/","probability":0.04,"reset":true})",
          R"({"pattern":"^GET /v1.0/","probability":0.04,"truncate":true})"}) {
        auto r = s.f().control("POST", "/_sim/faults", rule);
        ASSERT_EQ(r.status, 200) << r.body;
    }
    std::vector<std::string> upns;
    for (std::size_t i = 0; i < 5; ++i) upns.push_back(s.upn(i));
    auto syncAll = [&] {
        for (const auto& upn : upns) {
            bool ok = false;
            for (int attempt = 0; attempt < 6 && !ok; ++attempt) {
                auto report = s.sync().run(upn);
                ok = report.ok;
            }
            EXPECT_TRUE(ok) << upn;
        }
    };
    syncAll();
    for (const auto& upn : upns) s.expectCacheEqualsTruth(upn);

    // Random creates, edits, cancellations and deletions, including a recurring series.
    std::mt19937 random(99);
    std::map<std::string, std::vector<std::string>> created;
    for (int i = 0; i < 40; ++i) {
        const std::string upn = upns[random() % upns.size()];
        auto& mine = created[upn];
        const int action = mine.empty() ? 0 : static_cast<int>(random() % 4);
        if (action == 0) {
            const int day = 1 + static_cast<int>(random() % 20);
            char start[32];
            std::snprintf(start, sizeof(start), "2026-12-%02dT%02d:00:00", day,
                          8 + static_cast<int>(random() % 8));
            std::string body = R"({"subject":"Random )" + std::to_string(i) +
                               R"(","start":{"dateTime":")" + start +
                               R"(","timeZone":"UTC"},"end":{"dateTime":")" + start +
                               R"(","timeZone":"UTC"})";
            body.replace(body.rfind(":00:00"), 6, ":45:00");
            if (random() % 4 == 0) {
                body +=
                    R"(,"recurrence":{"pattern":{"type":"daily","interval":1},"range":{"type":"numbered","startDate":"2026-12-)" +
                    std::string(start + 8, 2) + R"(","numberOfOccurrences":4}})";
            }
            const std::string id = s.post("/_sim/mailboxes/" + upn + "/events", body + "}");
            if (!id.empty()) mine.push_back(id);
        } else {
            const std::size_t pick = random() % mine.size();
            const std::string id = mine[pick];
            const std::string path = "/_sim/mailboxes/" + upn + "/events/" + id;
            if (action == 1) {
                s.f().control("PATCH", path,
                              R"({"subject":"Edited )" + std::to_string(i) + R"("})");
            } else if (action == 2) {
                s.f().control("POST", path + "/cancel");
                mine.erase(mine.begin() + static_cast<long>(pick));
            } else {
                s.f().control("DELETE", path);
                mine.erase(mine.begin() + static_cast<long>(pick));
            }
        }
        if (i % 10 == 9) syncAll();
    }
    syncAll();
    for (const auto& upn : upns) s.expectCacheEqualsTruth(upn);
    EXPECT_GT(s.sleeper().sleeps().size(), 10u);  // the faults fired and were retried
    // Replays caused by retried pages gave no duplicate event.
    std::set<std::tuple<std::string, std::string, int, std::string>> unique;
    for (const auto& e : s.events())
        EXPECT_TRUE(
            unique.insert({e.mailbox, e.meeting_id, static_cast<int>(e.kind), e.change_key}).second)
            << e.meeting_id;
}

}  // namespace
}  // namespace calconn::sync
