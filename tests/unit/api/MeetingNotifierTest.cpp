#include <gtest/gtest.h>

#include <cctype>
#include <map>
#include <mutex>

#include "api/MeetingNotifier.h"
#include "common/IsoTime.h"

namespace calconn::api {
namespace {

using namespace std::chrono_literals;

common::TimePoint at(const char* iso) { return *common::parseIsoUtc(iso); }

std::string lower(std::string text) {
    for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return text;
}

// An in-memory cache: the meetings of each mailbox (names compare case-insensitively, as the
// store's do).
class FakeCalendar {
public:
    void put(MeetingRecord record) {
        std::lock_guard lock(mutex_);
        auto& list = meetings_[lower(record.meeting.mailbox)];
        std::erase_if(list,
                      [&](const MeetingRecord& r) { return r.meeting.id == record.meeting.id; });
        list.push_back(std::move(record));
    }
    void remove(const std::string& mailbox, const std::string& id) {
        std::lock_guard lock(mutex_);
        std::erase_if(meetings_[lower(mailbox)],
                      [&](const MeetingRecord& r) { return r.meeting.id == id; });
    }
    MeetingNotifier::MeetingsSource meetingsSource() {
        return [this](const std::string& mailbox, core::UtcSeconds from,
                      core::UtcSeconds to) -> common::Result<std::vector<MeetingRecord>> {
            std::lock_guard lock(mutex_);
            ++reads_;
            std::vector<MeetingRecord> out;
            for (const auto& r : meetings_[lower(mailbox)])
                if (r.meeting.end > from && r.meeting.start < to) out.push_back(r);
            return out;
        };
    }
    MeetingNotifier::MeetingSource meetingSource() {
        return [this](const std::string& mailbox,
                      const std::string& id) -> common::Result<std::optional<MeetingRecord>> {
            std::lock_guard lock(mutex_);
            for (const auto& r : meetings_[lower(mailbox)])
                if (r.meeting.id == id) return std::optional<MeetingRecord>(r);
            return std::optional<MeetingRecord>();
        };
    }
    int reads() const {
        std::lock_guard lock(mutex_);
        return reads_;
    }

private:
    mutable std::mutex mutex_;
    std::map<std::string, std::vector<MeetingRecord>> meetings_;
    int reads_ = 0;
};

MeetingRecord teamsMeeting(const std::string& mailbox, const std::string& id, const char* start) {
    MeetingRecord record;
    record.meeting.mailbox = mailbox;
    record.meeting.id = id;
    record.meeting.subject = "Quarterly review";
    record.meeting.start = std::chrono::floor<std::chrono::seconds>(at(start));
    record.meeting.end = record.meeting.start + 30min;
    record.meeting.response = core::ResponseType::Accepted;
    record.join =
        core::JoinTarget{core::JoinService::Teams, "https://teams.microsoft.com/l/meetup-join/x",
                         "", "WebRTC", "teams"};
    return record;
}

// Everything queued on the stream now (no waiting).
std::string drain(EventStream& stream) {
    std::string frames;
    while (stream.next(0ms, frames) == EventStream::Wait::Data) {
    }
    return frames;
}

std::size_t count(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (auto pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1)) ++n;
    return n;
}

class MeetingNotifierTest : public ::testing::Test {
protected:
    MeetingNotifierTest()
        : clock_(at("2026-03-02T09:50:00Z")),
          notifier_(clock_, calendar_.meetingsSource(), calendar_.meetingSource(),
                    NotifierSettings{5min, "Private meeting"}, 3) {}

    FakeCalendar calendar_;
    common::FakeClock clock_;
    MeetingNotifier notifier_;
};

TEST(ReminderDue, FromTheLeadUntilAMinuteAfterTheStart) {
    const auto start = std::chrono::floor<std::chrono::seconds>(at("2026-03-02T10:00:00Z"));
    EXPECT_FALSE(reminderDue(start, 5min, at("2026-03-02T09:54:59Z")));
    EXPECT_TRUE(reminderDue(start, 5min, at("2026-03-02T09:55:00Z")));
    EXPECT_TRUE(reminderDue(start, 5min, at("2026-03-02T10:00:59Z")));
    EXPECT_FALSE(reminderDue(start, 5min, at("2026-03-02T10:01:00Z")));
    EXPECT_TRUE(reminderDue(start, 0s, at("2026-03-02T10:00:00Z")));
}

TEST_F(MeetingNotifierTest, SendsMeetingStartingOnceAtTheLead) {
    calendar_.put(teamsMeeting("alice@contoso.com", "m1", "2026-03-02T10:00:00Z"));
    auto stream = notifier_.subscribe("alice@contoso.com", std::nullopt);
    ASSERT_TRUE(stream);

    clock_.set(at("2026-03-02T09:54:59Z"));
    notifier_.runPass();
    EXPECT_EQ(drain(*stream), "") << "one second before the lead";

    clock_.set(at("2026-03-02T09:55:00Z"));
    notifier_.runPass();
    const std::string frames = drain(*stream);
    EXPECT_EQ(count(frames, "event: meeting.starting\n"), 1u) << frames;
    EXPECT_NE(frames.find("\"id\":\"m1\""), std::string::npos) << frames;
    EXPECT_NE(frames.find("\"starts_at\":\"2026-03-02T10:00:00Z\""), std::string::npos) << frames;
    EXPECT_NE(frames.find("\"uri\":\"https://teams.microsoft.com/l/meetup-join/x\""),
              std::string::npos);
    EXPECT_EQ(frames.rfind("id: ", 0), 0u) << "events carry an id for Last-Event-ID";

    notifier_.runPass();
    clock_.set(at("2026-03-02T09:59:00Z"));
    notifier_.runPass();
    EXPECT_EQ(drain(*stream), "") << "sent once";
}

TEST_F(MeetingNotifierTest, SkipsMeetingsThatNobodyWouldJoin) {
    auto no_join = teamsMeeting("alice@contoso.com", "no-join", "2026-03-02T10:00:00Z");
    no_join.join.reset();
    auto keyword_only = teamsMeeting("alice@contoso.com", "keyword", "2026-03-02T10:00:00Z");
    keyword_only.join = core::JoinTarget{core::JoinService::Webex, "", "", "", "webex"};
    auto cancelled = teamsMeeting("alice@contoso.com", "cancelled", "2026-03-02T10:00:00Z");
    cancelled.meeting.is_cancelled = true;
    auto declined = teamsMeeting("alice@contoso.com", "declined", "2026-03-02T10:00:00Z");
    declined.meeting.response = core::ResponseType::Declined;
    auto all_day = teamsMeeting("alice@contoso.com", "all-day", "2026-03-02T10:00:00Z");
    all_day.meeting.is_all_day = true;
    for (auto& r : {no_join, keyword_only, cancelled, declined, all_day}) calendar_.put(r);

    auto stream = notifier_.subscribe("alice@contoso.com", std::nullopt);
    clock_.set(at("2026-03-02T09:56:00Z"));
    notifier_.runPass();
    EXPECT_EQ(drain(*stream), "");
}

TEST_F(MeetingNotifierTest, OnlyTheUsersOwnMeetingsReachItsStream) {
    calendar_.put(teamsMeeting("alice@contoso.com", "alice-1", "2026-03-02T10:00:00Z"));
    calendar_.put(teamsMeeting("bob@contoso.com", "bob-1", "2026-03-02T10:00:00Z"));
    auto alice = notifier_.subscribe("Alice@Contoso.com", std::nullopt);
    clock_.set(at("2026-03-02T09:56:00Z"));
    notifier_.runPass();
    const std::string frames = drain(*alice);
    EXPECT_EQ(count(frames, "meeting.starting"), 1u);
    EXPECT_EQ(frames.find("bob-1"), std::string::npos);
}

TEST_F(MeetingNotifierTest, AStreamOpenedDuringTheLeadGetsTheReminderButNotOnReconnect) {
    calendar_.put(teamsMeeting("alice@contoso.com", "m1", "2026-03-02T10:00:00Z"));
    auto first = notifier_.subscribe("alice@contoso.com", std::nullopt);
    clock_.set(at("2026-03-02T09:56:00Z"));
    notifier_.runPass();
    const std::string frames = drain(*first);
    ASSERT_EQ(count(frames, "meeting.starting"), 1u);
    const std::string id = frames.substr(4, frames.find('\n') - 4);

    auto second = notifier_.subscribe("alice@contoso.com", std::nullopt);
    notifier_.runPass();
    EXPECT_EQ(count(drain(*second), "meeting.starting"), 1u) << "a new app gets what is due now";
    EXPECT_EQ(drain(*first), "");

    first.reset();  // the connection broke; the client comes back with Last-Event-ID
    auto again = notifier_.subscribe("alice@contoso.com", std::stoull(id));
    notifier_.runPass();
    EXPECT_EQ(drain(*again), "");
}

TEST_F(MeetingNotifierTest, ChangesBecomeMeetingChangedAndMoveTheReminder) {
    calendar_.put(teamsMeeting("alice@contoso.com", "m1", "2026-03-02T10:00:00Z"));
    auto stream = notifier_.subscribe("alice@contoso.com", std::nullopt);
    notifier_.runPass();
    const int reads = calendar_.reads();

    // Moved to 10:30: the change arrives on the bus.
    calendar_.put(teamsMeeting("alice@contoso.com", "m1", "2026-03-02T10:30:00Z"));
    notifier_.onChange({1, core::ChangeKind::Changed, "alice@contoso.com", "m1", "ck2"});
    notifier_.onChange({2, core::ChangeKind::Changed, "bob@contoso.com", "b1", "ck"});  // unwatched
    notifier_.runPass();
    EXPECT_GT(calendar_.reads(), reads) << "the user's meetings are read again";
    const std::string frames = drain(*stream);
    EXPECT_EQ(count(frames, "event: meeting.changed\n"), 1u) << frames;
    EXPECT_NE(frames.find("\"change\":\"changed\""), std::string::npos);
    EXPECT_NE(frames.find("\"start\":\"2026-03-02T10:30:00Z\""), std::string::npos) << frames;

    clock_.set(at("2026-03-02T09:56:00Z"));
    notifier_.runPass();
    EXPECT_EQ(drain(*stream), "") << "10:00 is no longer the start";
    clock_.set(at("2026-03-02T10:25:00Z"));
    notifier_.runPass();
    EXPECT_EQ(count(drain(*stream), "meeting.starting"), 1u);

    calendar_.remove("alice@contoso.com", "m1");
    notifier_.onChange({3, core::ChangeKind::Removed, "alice@contoso.com", "m1", "ck2"});
    notifier_.runPass();
    const std::string removed = drain(*stream);
    EXPECT_NE(removed.find("\"change\":\"removed\""), std::string::npos);
    EXPECT_NE(removed.find("\"meeting\":null"), std::string::npos) << removed;
}

TEST_F(MeetingNotifierTest, PrivateSubjectsAreMasked) {
    auto secret = teamsMeeting("alice@contoso.com", "m1", "2026-03-02T10:00:00Z");
    secret.meeting.subject = "Layoffs";
    secret.meeting.sensitivity = core::Sensitivity::Private;
    calendar_.put(secret);
    auto stream = notifier_.subscribe("alice@contoso.com", std::nullopt);
    clock_.set(at("2026-03-02T09:56:00Z"));
    notifier_.runPass();
    const std::string frames = drain(*stream);
    EXPECT_EQ(frames.find("Layoffs"), std::string::npos);
    EXPECT_NE(frames.find("\"subject\":\"Private meeting\""), std::string::npos) << frames;
}

TEST_F(MeetingNotifierTest, ClockMovedSendsDueEventsThenTheMarker) {
    calendar_.put(teamsMeeting("alice@contoso.com", "m1", "2026-03-02T10:00:00Z"));
    auto stream = notifier_.subscribe("alice@contoso.com", std::nullopt);
    clock_.set(at("2026-03-02T09:55:00Z"));
    notifier_.clockMoved("clock 2026-03-02T09:55:00Z");
    const std::string frames = drain(*stream);
    const auto event = frames.find("event: meeting.starting");
    const auto marker = frames.find(": clock 2026-03-02T09:55:00Z\n\n");
    ASSERT_NE(event, std::string::npos);
    ASSERT_NE(marker, std::string::npos);
    EXPECT_LT(event, marker);
}

TEST_F(MeetingNotifierTest, RefusesStreamsBeyondTheLimitAndFreesClosedOnes) {
    auto a = notifier_.subscribe("a@contoso.com", std::nullopt);
    auto b = notifier_.subscribe("b@contoso.com", std::nullopt);
    auto c = notifier_.subscribe("c@contoso.com", std::nullopt);
    EXPECT_TRUE(a && b && c);
    EXPECT_FALSE(notifier_.subscribe("d@contoso.com", std::nullopt));
    a.reset();
    EXPECT_EQ(notifier_.streamCount(), 2u);
    EXPECT_TRUE(notifier_.subscribe("d@contoso.com", std::nullopt));
}

TEST_F(MeetingNotifierTest, StopClosesEveryStream) {
    auto stream = notifier_.subscribe("alice@contoso.com", std::nullopt);
    notifier_.start();
    notifier_.stop();
    std::string frames;
    EXPECT_EQ(stream->next(1s, frames), EventStream::Wait::Closed);
    EXPECT_FALSE(notifier_.subscribe("alice@contoso.com", std::nullopt));
}

TEST_F(MeetingNotifierTest, ItsThreadNoticesTheClockReachingTheLead) {
    calendar_.put(teamsMeeting("alice@contoso.com", "m1", "2026-03-02T10:00:00Z"));
    notifier_.start();
    auto stream = notifier_.subscribe("alice@contoso.com", std::nullopt);
    clock_.set(at("2026-03-02T09:55:30Z"));
    std::string frames;
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (frames.find("meeting.starting") == std::string::npos &&
           std::chrono::steady_clock::now() < deadline) {
        stream->next(100ms, frames);
    }
    EXPECT_NE(frames.find("meeting.starting"), std::string::npos);
    notifier_.stop();
}

}  // namespace
}  // namespace calconn::api
