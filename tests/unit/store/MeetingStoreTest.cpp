#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "kms/LocalKeyProvider.h"
#include "store/MeetingStore.h"
#include "store/Outbox.h"
#include "Eventually.h"

namespace calconn::store {
namespace {

namespace fs = std::filesystem;
using core::ChangeKind;
using core::Meeting;
using core::MeetingChange;
using core::MeetingType;
using core::UtcSeconds;
using std::chrono::hours;
using std::chrono::minutes;

class TempDir {
public:
    TempDir() {
        std::string tmpl = (fs::temp_directory_path() / "calconn-store-XXXXXX").string();
        path_ = ::mkdtemp(tmpl.data());
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    const fs::path& path() const { return path_; }

private:
    fs::path path_;
};

const UtcSeconds kBase(std::chrono::seconds(1'800'000'000));
constexpr const char* kAlice = "alice@contoso.com";

Meeting makeMeeting(const std::string& id, int start_hour, const std::string& change_key = "ck1") {
    Meeting m;
    m.mailbox = kAlice;
    m.id = id;
    m.ical_uid = "uid-" + id;
    m.start = kBase + hours(start_hour);
    m.end = m.start + minutes(30);
    m.subject = "Subject of " + id;
    m.body = {"<p>Body of " + id + "</p>", core::BodyType::Html};
    m.location = {"Room 4B", "room-4b@contoso.com", "conferenceRoom"};
    m.locations = {m.location};
    m.organizer = {"Bob", "bob@contoso.com"};
    m.attendees = {
        {{"Carol", "carol@contoso.com"},
         core::AttendeeType::Required,
         core::ResponseType::Accepted},
        {{"Room", "room-4b@contoso.com"}, core::AttendeeType::Resource, core::ResponseType::None}};
    m.online_meeting_join_url = "https://teams.microsoft.com/l/meetup-join/" + id;
    m.change_key = change_key;
    m.last_modified = kBase - hours(1);
    m.show_as = core::ShowAs::Busy;
    return m;
}

core::SyncCursor link(const std::string& url, bool delta = false) {
    return core::SyncCursor{url, delta, kBase - hours(24), kBase + hours(24 * 30)};
}

std::vector<std::string> describe(const std::vector<MeetingChange>& changes) {
    std::vector<std::string> out;
    for (const auto& c : changes)
        out.push_back(std::string(core::changeKindName(c.kind)) + ":" + c.meeting_id);
    return out;
}

class MeetingStoreTest : public ::testing::Test {
protected:
    void SetUp() override {
        kms::LocalKeyProviderOptions key_options;
        key_options.state_directory = dir_.path();
        auto keys = kms::LocalKeyProvider::open(key_options);
        ASSERT_TRUE(keys.ok()) << keys.error().toString();
        keys_ = std::move(*keys);
        reopen();
    }

    void reopen() {
        store_.reset();
        StoreOptions options;
        options.state_directory = dir_.path();
        options.fault_injection = [this](std::string_view step) -> common::Status {
            if (step == fail_at_)
                return common::makeError(common::ErrorCode::Internal, "injected crash");
            return {};
        };
        auto store = MeetingStore::open(options, *keys_);
        ASSERT_TRUE(store.ok()) << store.error().toString();
        store_ = std::move(*store);
    }

    void addAlice() {
        core::Mailbox mb;
        mb.upn = kAlice;
        ASSERT_TRUE(store_->saveMailbox(mb).ok());
    }

    std::vector<MeetingChange> apply(const core::DeltaPage& page, const core::SyncCursor& next) {
        auto changes = store_->applyDeltaPage(kAlice, page, next);
        EXPECT_TRUE(changes.ok()) << changes.error().toString();
        return changes.ok() ? *changes : std::vector<MeetingChange>{};
    }

    std::vector<Meeting> dump() {
        auto all = store_->dumpDecrypted(kAlice);
        EXPECT_TRUE(all.ok()) << all.error().toString();
        return all.ok() ? *all : std::vector<Meeting>{};
    }

    TempDir dir_;
    std::unique_ptr<kms::LocalKeyProvider> keys_;
    std::unique_ptr<MeetingStore> store_;
    std::string fail_at_;
};

std::string rawQuery(const fs::path& db, const char* sql) {
    sqlite3* handle = nullptr;
    EXPECT_EQ(sqlite3_open(db.c_str(), &handle), SQLITE_OK);
    sqlite3_stmt* stmt = nullptr;
    std::string out;
    if (sqlite3_prepare_v2(handle, sql, -1, &stmt, nullptr) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_text(stmt, 0) != nullptr) {
        out = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    }
    sqlite3_finalize(stmt);
    sqlite3_close(handle);
    return out;
}

TEST_F(MeetingStoreTest, MigratesAnEmptyDatabaseInWalMode) {
    EXPECT_EQ(store_->schemaVersion(), 1);
    EXPECT_EQ(store_->path(), dir_.path() / "calconn.db");
    EXPECT_EQ(rawQuery(store_->path(), "PRAGMA journal_mode"), "wal");
    EXPECT_EQ(rawQuery(store_->path(), "SELECT version FROM schema_version"), "1");
}

TEST_F(MeetingStoreTest, ReopensIdempotentlyKeepingData) {
    addAlice();
    apply({{makeMeeting("m1", 1)}, {}}, link("next-1"));
    const std::string key_id = store_->activeDataKeyId();
    reopen();
    reopen();
    EXPECT_EQ(store_->schemaVersion(), 1);
    EXPECT_EQ(store_->activeDataKeyId(), key_id);
    EXPECT_EQ(rawQuery(store_->path(), "SELECT count(*) FROM schema_version"), "1");
    ASSERT_EQ(dump().size(), 1u);
    EXPECT_EQ(dump()[0], makeMeeting("m1", 1));
}

TEST_F(MeetingStoreTest, RefusesADatabaseNewerThanTheCode) {
    store_.reset();
    sqlite3* handle = nullptr;
    ASSERT_EQ(sqlite3_open((dir_.path() / "calconn.db").c_str(), &handle), SQLITE_OK);
    ASSERT_EQ(
        sqlite3_exec(handle, "UPDATE schema_version SET version = 99", nullptr, nullptr, nullptr),
        SQLITE_OK);
    sqlite3_close(handle);
    StoreOptions options;
    options.state_directory = dir_.path();
    auto store = MeetingStore::open(options, *keys_);
    ASSERT_FALSE(store.ok());
    EXPECT_EQ(store.error().code, common::ErrorCode::Storage);
    EXPECT_NE(store.error().message.find("newer than this calconnd supports"), std::string::npos);
}

TEST_F(MeetingStoreTest, RefusesToOpenWithAnotherMasterKey) {
    store_.reset();
    TempDir other;
    kms::LocalKeyProviderOptions key_options;
    key_options.state_directory = other.path();
    auto other_keys = kms::LocalKeyProvider::open(key_options);
    ASSERT_TRUE(other_keys.ok());
    StoreOptions options;
    options.state_directory = dir_.path();
    auto store = MeetingStore::open(options, **other_keys);
    ASSERT_FALSE(store.ok());
    EXPECT_EQ(store.error().code, common::ErrorCode::Crypto);
}

TEST_F(MeetingStoreTest, StoresMailboxesAndTheirState) {
    core::Mailbox mb;
    mb.upn = "Room-4B@contoso.com";
    mb.kind = core::MailboxKind::Room;
    ASSERT_TRUE(store_->saveMailbox(mb).ok());
    mb.state = core::MailboxState::Error;
    mb.error_reason = core::MailboxErrorReason::OutOfScope;
    mb.error_message = "access denied by application access policy";
    mb.last_sync = kBase;
    ASSERT_TRUE(store_->saveMailbox(mb).ok());
    auto got = store_->mailbox("room-4b@CONTOSO.com");  // UPNs compare case-insensitively
    ASSERT_TRUE(got.ok());
    ASSERT_TRUE(got->has_value());
    EXPECT_EQ(**got, mb);
    auto all = store_->listMailboxes();
    ASSERT_TRUE(all.ok());
    EXPECT_EQ(all->size(), 1u);
    auto missing = store_->mailbox("nobody@contoso.com");
    ASSERT_TRUE(missing.ok());
    EXPECT_FALSE(missing->has_value());
}

TEST_F(MeetingStoreTest, AppliesAPageAndItsLinkTogether) {
    addAlice();
    auto changes =
        apply({{makeMeeting("m1", 1), makeMeeting("m2", 2)}, {}}, link("https://graph/next-1"));
    EXPECT_EQ(describe(changes), (std::vector<std::string>{"added:m1", "added:m2"}));
    EXPECT_LT(changes[0].sequence, changes[1].sequence);
    auto cursor = store_->cursor(kAlice);
    ASSERT_TRUE(cursor.ok());
    EXPECT_EQ(*cursor, link("https://graph/next-1"));
    auto all = dump();
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[0], makeMeeting("m1", 1));
}

TEST_F(MeetingStoreTest, AppliesNothingWhenThePageFailsHalfway) {
    addAlice();
    apply({{makeMeeting("m1", 1)}, {}}, link("next-1"));
    const auto before = dump();

    fail_at_ = "page_applied";  // after the meetings were written, before the link
    reopen();
    auto failed = store_->applyDeltaPage(
        kAlice, {{makeMeeting("m2", 2), makeMeeting("m1", 1, "ck2")}, {"m1"}}, link("next-2"));
    ASSERT_FALSE(failed.ok());
    EXPECT_EQ(dump(), before);
    EXPECT_EQ(store_->cursor(kAlice)->link, "next-1");

    fail_at_ = "before_commit";  // after the link too
    reopen();
    ASSERT_FALSE(store_->applyDeltaPage(kAlice, {{makeMeeting("m2", 2)}, {}}, link("next-2")).ok());
    EXPECT_EQ(dump(), before);
    EXPECT_EQ(store_->cursor(kAlice)->link, "next-1");

    fail_at_.clear();
    reopen();
    // An invalid meeting in the middle of a page aborts the whole page too.
    Meeting bad = makeMeeting("", 3);
    ASSERT_FALSE(
        store_->applyDeltaPage(kAlice, {{makeMeeting("m2", 2), bad}, {}}, link("next-2")).ok());
    EXPECT_EQ(dump(), before);
    EXPECT_EQ(store_->cursor(kAlice)->link, "next-1");
    // No event of the failed attempts reached the outbox.
    auto pending = store_->pendingChanges();
    ASSERT_TRUE(pending.ok());
    EXPECT_EQ(describe(*pending), (std::vector<std::string>{"added:m1"}));
}

TEST_F(MeetingStoreTest, CommitsABatchOfPagesAllOrNothing) {
    core::Mailbox bob;
    bob.upn = "bob@contoso.com";
    core::Mailbox alice;
    alice.upn = kAlice;
    ASSERT_TRUE(store_->saveMailboxes({alice, bob}).ok());
    std::vector<core::PageUpdate> batch{
        {kAlice, {{makeMeeting("a1", 1)}, {}}, link("alice-d1", true)},
        {"bob@contoso.com",
         {{makeMeeting("b1", 1), makeMeeting("b2", 2)}, {}},
         link("bob-d1", true)},
        {"nobody@contoso.com", {{makeMeeting("x", 1)}, {}}, link("x", true)},
    };
    auto failed = store_->applyDeltaPages(batch);
    ASSERT_FALSE(failed.ok());
    EXPECT_EQ(failed.error().code, common::ErrorCode::NotFound);
    EXPECT_TRUE(dump().empty());
    EXPECT_EQ(store_->cursor(kAlice)->link, "");

    batch.pop_back();
    auto changes = store_->applyDeltaPages(batch);
    ASSERT_TRUE(changes.ok()) << changes.error().toString();
    EXPECT_EQ(describe(*changes), (std::vector<std::string>{"added:a1", "added:b1", "added:b2"}));
    EXPECT_EQ(changes->at(1).mailbox, "bob@contoso.com");
    EXPECT_EQ(store_->cursor("bob@contoso.com")->link, "bob-d1");
    EXPECT_EQ(*store_->countMeetings("bob@contoso.com", kBase, kBase + hours(24)), 2u);
}

TEST_F(MeetingStoreTest, YieldsNoEventsForAReplayedPage) {
    addAlice();
    const core::DeltaPage page{{makeMeeting("m1", 1), makeMeeting("m2", 2)}, {"gone"}};
    EXPECT_EQ(apply(page, link("d1", true)).size(), 2u);
    EXPECT_TRUE(apply(page, link("d1", true)).empty());
    const core::DeltaPage removal{{}, {"m2"}};
    EXPECT_EQ(describe(apply(removal, link("d2", true))), (std::vector<std::string>{"removed:m2"}));
    EXPECT_TRUE(apply(removal, link("d2", true)).empty());
    // Without changeKeys the content decides.
    Meeting no_key = makeMeeting("m3", 3, "");
    EXPECT_EQ(apply({{no_key}, {}}, link("d3", true)).size(), 1u);
    EXPECT_TRUE(apply({{no_key}, {}}, link("d3", true)).empty());
    no_key.subject = "renamed";
    EXPECT_EQ(describe(apply({{no_key}, {}}, link("d4", true))),
              (std::vector<std::string>{"changed:m3"}));
}

TEST_F(MeetingStoreTest, TellsChangesCancellationsAndRemovalsApart) {
    addAlice();
    apply({{makeMeeting("m1", 1), makeMeeting("m2", 2)}, {}}, link("d1", true));
    Meeting changed = makeMeeting("m1", 5, "ck2");
    Meeting cancelled = makeMeeting("m2", 2, "ck2");
    cancelled.is_cancelled = true;
    auto changes = apply({{changed, cancelled}, {}}, link("d2", true));
    EXPECT_EQ(describe(changes), (std::vector<std::string>{"changed:m1", "cancelled:m2"}));
    EXPECT_EQ(changes[1].change_key, "ck2");
    changes = apply({{}, {"m1"}}, link("d3", true));
    ASSERT_EQ(describe(changes), (std::vector<std::string>{"removed:m1"}));
    EXPECT_EQ(changes[0].change_key, "ck2");
    EXPECT_EQ(changes[0].mailbox, kAlice);
}

TEST_F(MeetingStoreTest, FullResyncReconcilesAgainstTheCache) {
    addAlice();
    apply({{makeMeeting("m1", 1), makeMeeting("m2", 2), makeMeeting("m3", 3)}, {}},
          link("d1", true));
    std::vector<Meeting> truth{makeMeeting("m1", 1), makeMeeting("m3", 4, "ck2"),
                               makeMeeting("m4", 5)};
    auto changes = store_->replaceAll(kAlice, truth, link("d-new", true));
    ASSERT_TRUE(changes.ok()) << changes.error().toString();
    EXPECT_EQ(describe(*changes),
              (std::vector<std::string>{"changed:m3", "added:m4", "removed:m2"}));
    EXPECT_EQ(dump(), truth);
    EXPECT_EQ(store_->cursor(kAlice)->link, "d-new");
    auto again = store_->replaceAll(kAlice, truth, link("d-new", true));
    ASSERT_TRUE(again.ok());
    EXPECT_TRUE(again->empty());
}

TEST_F(MeetingStoreTest, CountsLikeCalendarView) {
    addAlice();
    Meeting master = makeMeeting("master", 1);
    master.type = MeetingType::SeriesMaster;
    Meeting occ1 = makeMeeting("occ1", 1);
    occ1.type = MeetingType::Occurrence;
    occ1.series_master_id = "master";
    Meeting exc = makeMeeting("exc", 26);
    exc.type = MeetingType::Exception;
    exc.series_master_id = "master";
    Meeting cancelled = makeMeeting("cancelled", 3);
    cancelled.is_cancelled = true;
    Meeting before = makeMeeting("before", -48);
    Meeting edge = makeMeeting("edge", 0);  // ends exactly at the window start
    edge.start = kBase - minutes(30);
    edge.end = kBase;
    apply({{master, occ1, exc, cancelled, before, edge, makeMeeting("single", 2)}, {}},
          link("d", true));

    auto count = store_->countMeetings(kAlice, kBase, kBase + hours(48));
    ASSERT_TRUE(count.ok());
    EXPECT_EQ(*count, 4u);  // occ1, exc, cancelled, single
    auto listed = store_->meetingsInWindow(kAlice, kBase, kBase + hours(48));
    ASSERT_TRUE(listed.ok());
    ASSERT_EQ(listed->size(), 4u);
    EXPECT_EQ((*listed)[0].id, "occ1");
    EXPECT_EQ((*listed)[3].id, "exc");
    EXPECT_EQ(*store_->countMeetings(kAlice, kBase, kBase + hours(2)), 1u);  // occ1 only

    auto all = store_->countAllMeetings(kBase, kBase + hours(48));
    ASSERT_TRUE(all.ok());
    ASSERT_EQ(all->size(), 1u);
    EXPECT_EQ((*all)[0], std::make_pair(std::string(kAlice), std::size_t{4}));
    auto got_master = store_->meeting(kAlice, "master");
    ASSERT_TRUE(got_master.ok() && got_master->has_value());
    EXPECT_EQ(**got_master, master);
}

TEST_F(MeetingStoreTest, KeepsUnacknowledgedEventsAcrossRestarts) {
    addAlice();
    auto changes = apply({{makeMeeting("m1", 1), makeMeeting("m2", 2)}, {}}, link("d", true));
    reopen();
    auto pending = store_->pendingChanges();
    ASSERT_TRUE(pending.ok());
    EXPECT_EQ(*pending, changes);
    ASSERT_TRUE(store_->acknowledgeChanges(changes[0].sequence).ok());
    pending = store_->pendingChanges();
    ASSERT_TRUE(pending.ok());
    EXPECT_EQ(describe(*pending), (std::vector<std::string>{"added:m2"}));
}

TEST_F(MeetingStoreTest, DrainsTheOutboxOntoTheBusOnce) {
    addAlice();
    apply({{makeMeeting("m1", 1), makeMeeting("m2", 2)}, {}}, link("d", true));
    core::InProcessChangeBus bus;
    std::vector<MeetingChange> seen;
    bus.subscribe([&](const MeetingChange& c) { seen.push_back(c); });
    auto published = drainOutbox(*store_, bus, 1);  // batches of one: exercises the loop
    ASSERT_TRUE(published.ok()) << published.error().toString();
    EXPECT_EQ(*published, 2u);
    EXPECT_EQ(describe(seen), (std::vector<std::string>{"added:m1", "added:m2"}));
    published = drainOutbox(*store_, bus);
    ASSERT_TRUE(published.ok());
    EXPECT_EQ(*published, 0u);
    EXPECT_EQ(seen.size(), 2u);
}

TEST_F(MeetingStoreTest, KeepsTheDatabaseFilesPrivate) {
    addAlice();
    apply({{makeMeeting("m1", 1)}, {}}, link("d", true));
    for (const char* name : {"calconn.db", "calconn.db-wal", "calconn.db-shm"}) {
        struct stat st {};
        ASSERT_EQ(::stat((dir_.path() / name).c_str(), &st), 0) << name;
        EXPECT_EQ(st.st_mode & 0077, 0u) << name;
    }
}

TEST_F(MeetingStoreTest, RemovingAMailboxRemovesItsMeetingsWithEvents) {
    addAlice();
    apply({{makeMeeting("m1", 1)}, {}}, link("d", true));
    auto changes = store_->removeMailbox(kAlice);
    ASSERT_TRUE(changes.ok());
    EXPECT_EQ(describe(*changes), (std::vector<std::string>{"removed:m1"}));
    EXPECT_EQ(rawQuery(store_->path(), "SELECT count(*) FROM meetings"), "0");
    EXPECT_FALSE(store_->dumpDecrypted(kAlice).ok());
}

TEST_F(MeetingStoreTest, ReadsDataSealedUnderARotatedKey) {
    addAlice();
    apply({{makeMeeting("m1", 1)}, {}}, link("d1", true));
    const std::string old_key = store_->activeDataKeyId();
    ASSERT_TRUE(store_->rotateDataKey().ok());
    EXPECT_NE(store_->activeDataKeyId(), old_key);
    auto keys = store_->listDataKeys();
    ASSERT_TRUE(keys.ok());
    ASSERT_EQ(keys->size(), 2u);
    EXPECT_EQ(keys->at(0).id, old_key);
    EXPECT_FALSE(keys->at(0).active);
    EXPECT_TRUE(keys->at(1).active);
    EXPECT_EQ(keys->at(1).provider, "local");
    EXPECT_EQ(keys->at(1).kek_id, keys_->kekId());
    apply({{makeMeeting("m2", 2)}, {}}, link("d2", true));
    reopen();
    auto all = dump();
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[0], makeMeeting("m1", 1));
    EXPECT_EQ(all[1], makeMeeting("m2", 2));
    EXPECT_EQ(store_->cursor(kAlice)->link, "d2");
}

TEST_F(MeetingStoreTest, DetectsACiphertextMovedToAnotherRow) {
    addAlice();
    apply({{makeMeeting("m1", 1), makeMeeting("m2", 2)}, {}}, link("d", true));
    store_.reset();
    sqlite3* handle = nullptr;
    ASSERT_EQ(sqlite3_open((dir_.path() / "calconn.db").c_str(), &handle), SQLITE_OK);
    ASSERT_EQ(
        sqlite3_exec(
            handle,
            "UPDATE meetings SET subject = (SELECT subject FROM meetings WHERE graph_id = 'm2') "
            "WHERE graph_id = 'm1'",
            nullptr, nullptr, nullptr),
        SQLITE_OK);
    sqlite3_close(handle);
    reopen();
    auto all = store_->dumpDecrypted(kAlice);
    ASSERT_FALSE(all.ok());
    EXPECT_EQ(all.error().code, common::ErrorCode::Crypto);
}

TEST_F(MeetingStoreTest, ServesReadersWhileTheWriterWrites) {
    addAlice();
    constexpr int kPages = 30;
    std::atomic<bool> done{false};
    std::atomic<int> reads{0};
    std::atomic<bool> reader_failed{false};
    auto reader = [&] {
        std::size_t last = 0;
        while (!done.load()) {
            auto count = store_->countMeetings(kAlice, kBase - hours(1), kBase + hours(1000));
            auto listed = store_->meetingsInWindow(kAlice, kBase - hours(1), kBase + hours(1000));
            if (!count.ok() || !listed.ok() || *count < last) reader_failed = true;
            if (count.ok()) last = *count;
            ++reads;
        }
    };
    std::thread r1(reader), r2(reader);
    // The readers are reading before the writer starts, so the pages land among their reads.
    EXPECT_TRUE(test::eventually([&] { return reads.load() > 0; }));
    for (int page = 0; page < kPages; ++page) {
        core::DeltaPage p;
        for (int i = 0; i < 5; ++i)
            p.upserts.push_back(
                makeMeeting("p" + std::to_string(page) + "-" + std::to_string(i), page));
        auto changes = store_->applyDeltaPage(kAlice, p, link("next-" + std::to_string(page)));
        ASSERT_TRUE(changes.ok()) << changes.error().toString();
    }
    done = true;
    r1.join();
    r2.join();
    EXPECT_FALSE(reader_failed.load());
    EXPECT_GT(reads.load(), 0);
    EXPECT_EQ(*store_->countMeetings(kAlice, kBase - hours(1), kBase + hours(1000)),
              std::size_t{kPages} * 5);
}

TEST_F(MeetingStoreTest, LosesNothingAndDuplicatesNothingWhenKilled) {
    addAlice();
    store_.reset();  // a SQLite connection must not cross fork()
    int pipe_fds[2];
    ASSERT_EQ(::pipe(pipe_fds), 0);
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        ::close(pipe_fds[0]);
        StoreOptions options;
        options.state_directory = dir_.path();
        auto store = MeetingStore::open(options, *keys_);
        if (!store.ok()) ::_exit(2);
        for (int page = 0;; ++page) {
            core::DeltaPage p;
            for (int i = 0; i < 5; ++i) {
                p.upserts.push_back(makeMeeting(std::to_string(page) + "-" + std::to_string(i), 1));
            }
            if (!(*store)->applyDeltaPage(kAlice, p, link(std::to_string(page))).ok()) ::_exit(3);
            const char tick = 1;
            if (::write(pipe_fds[1], &tick, 1) != 1) ::_exit(4);
        }
    }
    ::close(pipe_fds[1]);
    // Kill it mid-stream, after a few commits (the next one is likely in flight).
    for (int commits = 0; commits < 7;) {
        char tick = 0;
        const ssize_t n = ::read(pipe_fds[0], &tick, 1);
        ASSERT_EQ(n, 1) << "writer died early";
        ++commits;
    }
    ::kill(child, SIGKILL);
    int status = 0;
    ::waitpid(child, &status, 0);
    ::close(pipe_fds[0]);
    ASSERT_TRUE(WIFSIGNALED(status));

    reopen();
    auto cursor = store_->cursor(kAlice);
    ASSERT_TRUE(cursor.ok());
    const int last_page = std::stoi(cursor->link);
    EXPECT_GE(last_page, 6);
    const auto all = dump();
    EXPECT_EQ(all.size(),
              static_cast<std::size_t>(5 * (last_page + 1)));  // exactly the committed pages
    auto pending = store_->pendingChanges(100000);
    ASSERT_TRUE(pending.ok());
    EXPECT_EQ(pending->size(), all.size());  // one event per change, none twice
    std::set<std::string> ids;
    for (const auto& change : *pending)
        EXPECT_TRUE(ids.insert(change.meeting_id).second) << change.meeting_id;
}

std::string fileBytes(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

void expectNoCanary(const fs::path& dir, const std::vector<std::string>& canaries) {
    int files = 0;
    for (const char* name : {"calconn.db", "calconn.db-wal", "calconn.db-shm"}) {
        const fs::path p = dir / name;
        if (!fs::exists(p)) continue;
        ++files;
        const std::string bytes = fileBytes(p);
        for (const auto& canary : canaries) {
            EXPECT_EQ(bytes.find(canary), std::string::npos) << canary << " found in " << name;
        }
    }
    EXPECT_GE(files, 1);
}

TEST_F(MeetingStoreTest, NeverWritesSensitiveFieldsInTheClear) {
    addAlice();
    const std::vector<std::string> canaries{"CANARY-SUBJECT-7f3a91",  "CANARY-BODY-b81c02",
                                            "CANARY-LOCATION-4d2e77", "canary-attendee-9a0b",
                                            "CANARY-ATTENDEE-NAME",   "canary-organizer-3c1d",
                                            "CANARY-JOIN-5e6f",       "CANARY-DELTA-TOKEN-88"};
    Meeting m = makeMeeting("m1", 1);
    m.subject = canaries[0];
    m.body.content = "<p>" + canaries[1] + "</p>";
    m.location.display_name = canaries[2];
    m.locations = {m.location};
    m.attendees = {{{canaries[4], canaries[3] + "@contoso.com"},
                    core::AttendeeType::Required,
                    core::ResponseType::None}};
    m.organizer = {"Organizer", canaries[5] + "@contoso.com"};
    m.online_meeting_join_url = "https://teams.microsoft.com/l/meetup-join/" + canaries[6];
    apply({{m}, {}},
          link("https://graph.microsoft.com/v1.0/delta?$deltatoken=" + canaries[7], true));
    // A second version too, so old page images are in the WAL.
    m.change_key = "ck2";
    apply({{m}, {}},
          link("https://graph.microsoft.com/v1.0/delta?$deltatoken=" + canaries[7] + "2", true));
    ASSERT_EQ(dump()[0].subject, canaries[0]);  // it is there, encrypted

    expectNoCanary(dir_.path(), canaries);  // WAL not yet checkpointed
    ASSERT_TRUE(store_->checkpoint().ok());
    expectNoCanary(dir_.path(), canaries);
    store_.reset();
    expectNoCanary(dir_.path(), canaries);
}

}  // namespace
}  // namespace calconn::store
