#include <gtest/gtest.h>

#include "core/Mailbox.h"
#include "core/Meeting.h"

namespace calconn::core {
namespace {

using std::chrono::hours;
using std::chrono::minutes;

UtcSeconds at(int hour) { return UtcSeconds(std::chrono::seconds(1'800'000'000)) + hours(hour); }

Meeting meeting(MeetingType type, UtcSeconds start, UtcSeconds end) {
    Meeting m;
    m.type = type;
    m.start = start;
    m.end = end;
    return m;
}

TEST(Meeting, SeriesMastersAreNotInstances) {
    EXPECT_TRUE(countsAsInstance(meeting(MeetingType::SingleInstance, at(0), at(1))));
    EXPECT_TRUE(countsAsInstance(meeting(MeetingType::Occurrence, at(0), at(1))));
    EXPECT_TRUE(countsAsInstance(meeting(MeetingType::Exception, at(0), at(1))));
    EXPECT_FALSE(countsAsInstance(meeting(MeetingType::SeriesMaster, at(0), at(1))));
}

TEST(Meeting, OverlapFollowsCalendarView) {
    const auto m = meeting(MeetingType::SingleInstance, at(10), at(11));
    EXPECT_TRUE(overlaps(m, at(10), at(11)));
    EXPECT_TRUE(overlaps(m, at(10) + minutes(30), at(12)));
    EXPECT_FALSE(overlaps(m, at(11), at(12)));  // ends exactly when the window starts
    EXPECT_FALSE(overlaps(m, at(9), at(10)));   // starts exactly when the window ends
    const auto zero = meeting(MeetingType::SingleInstance, at(10), at(10));
    EXPECT_TRUE(overlaps(zero, at(10), at(11)));
    EXPECT_FALSE(overlaps(zero, at(9), at(10)));
}

TEST(Meeting, EnumNamesRoundTrip) {
    for (auto t : {MeetingType::SingleInstance, MeetingType::Occurrence, MeetingType::Exception,
                   MeetingType::SeriesMaster}) {
        EXPECT_EQ(parseMeetingType(meetingTypeName(t)), t);
    }
    EXPECT_EQ(meetingTypeName(MeetingType::SeriesMaster), "seriesMaster");
    EXPECT_EQ(parseShowAs("workingElsewhere"), ShowAs::WorkingElsewhere);
    EXPECT_EQ(parseResponseType("tentativelyAccepted"), ResponseType::TentativelyAccepted);
    EXPECT_EQ(parseSensitivity("private"), Sensitivity::Private);
    EXPECT_EQ(parseAttendeeType("resource"), AttendeeType::Resource);
    EXPECT_FALSE(parseMeetingType("bogus").has_value());
}

TEST(Mailbox, StateAndReasonNamesRoundTrip) {
    EXPECT_EQ(mailboxStateName(MailboxState::Error), "error");
    EXPECT_EQ(mailboxErrorReasonName(MailboxErrorReason::OutOfScope), "out_of_scope");
    EXPECT_EQ(parseMailboxErrorReason("not_enabled_for_rest"),
              MailboxErrorReason::NotEnabledForRest);
    EXPECT_EQ(parseMailboxErrorReason(""), MailboxErrorReason::None);
    EXPECT_EQ(parseMailboxKind("room"), MailboxKind::Room);
    EXPECT_EQ(parseMailboxState("pending"), MailboxState::Pending);
}

}  // namespace
}  // namespace calconn::core
