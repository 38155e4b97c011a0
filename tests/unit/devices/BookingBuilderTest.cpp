#include <gtest/gtest.h>

#include "devices/BookingBuilder.h"

namespace calconn::devices {
namespace {

using namespace std::chrono_literals;
using std::chrono::sys_days;

const core::UtcSeconds kNow = sys_days{std::chrono::year{2026} / 3 / 2} + 8h;

BookingInput meeting(const std::string& uid, core::UtcSeconds start, std::chrono::minutes length,
                     const std::string& subject = "Weekly sync") {
    BookingInput in;
    in.meeting.mailbox = "room-4b@contoso.com";
    in.meeting.id = "AAMk-" + uid;
    in.meeting.ical_uid = uid;
    in.meeting.start = start;
    in.meeting.end = start + length;
    in.meeting.subject = subject;
    in.meeting.organizer = {"Ada Lovelace", "ada@contoso.com"};
    in.meeting.response = core::ResponseType::Accepted;
    return in;
}

core::JoinTarget sip(const std::string& number,
                     core::JoinService service = core::JoinService::Webex) {
    return core::JoinTarget{service, "https://x", number, "sip", ""};
}

TEST(BookingBuilder, MapsAMeetingToTheDeviceFields) {
    auto in = meeting("uid-1", kNow + 1h, 30min);
    in.join = sip("123456789@acme.webex.com");
    settings::DevicesSettings settings;
    auto out = buildBookings({in}, settings, kNow);
    ASSERT_EQ(out.size(), 1u);
    const DeviceBooking& b = out[0];
    EXPECT_EQ(b.title, "Weekly sync");
    EXPECT_EQ(b.organizer_name, "Ada Lovelace");
    EXPECT_EQ(b.organizer_email, "ada@contoso.com");
    EXPECT_EQ(formatUtc(b.start), "2026-03-02T09:00:00Z");
    EXPECT_EQ(b.duration_minutes, 30);
    EXPECT_EQ(b.start_time_buffer_seconds, 300);
    EXPECT_EQ(b.end_time_buffer_seconds, 0);
    EXPECT_EQ(b.number, "123456789@acme.webex.com");
    EXPECT_EQ(b.protocol, "SIP");
    EXPECT_EQ(b.meeting_platform, "Webex");
    EXPECT_FALSE(b.is_private);
    EXPECT_EQ(b.meeting_id, "AAMk-uid-1");
}

TEST(BookingBuilder, IdsAreStableShortAndDifferPerOccurrence) {
    const auto a = bookingId("uid-1", kNow);
    EXPECT_EQ(a, bookingId("uid-1", kNow));
    EXPECT_NE(a, bookingId("uid-1", kNow + 24h));
    EXPECT_NE(a, bookingId("uid-2", kNow));
    EXPECT_EQ(a.size(), 18u);
    EXPECT_EQ(a.rfind("cc", 0), 0u);
    // Known value: guards against an accidental change that would re-key every device.
    EXPECT_EQ(bookingId("uid-1", kNow), "ccaf5676f7310de6b1");
    auto first = buildBookings({meeting("uid-1", kNow + 1h, 30min)}, {}, kNow);
    auto again = buildBookings({meeting("uid-1", kNow + 1h, 30min)}, {}, kNow + 10min);
    EXPECT_EQ(first[0].id, again[0].id);
}

TEST(BookingBuilder, PrivateMeetingsAreMasked) {
    for (auto sensitivity : {core::Sensitivity::Private, core::Sensitivity::Confidential}) {
        auto in = meeting("uid-p", kNow + 1h, 60min, "Layoffs planning");
        in.meeting.sensitivity = sensitivity;
        settings::DevicesSettings settings;
        settings.private_title = "Booked (private)";
        auto out = buildBookings({in}, settings, kNow);
        ASSERT_EQ(out.size(), 1u);
        EXPECT_EQ(out[0].title, "Booked (private)");
        EXPECT_TRUE(out[0].is_private);
        EXPECT_EQ(out[0].organizer_name, "Ada Lovelace");
        EXPECT_EQ(out[0].organizer_email, "");
    }
    auto personal = meeting("uid-q", kNow + 1h, 60min, "Dentist");
    personal.meeting.sensitivity = core::Sensitivity::Personal;
    EXPECT_EQ(buildBookings({personal}, {}, kNow)[0].title, "Dentist");
}

TEST(BookingBuilder, CancelledMastersAndOutOfWindowAreLeftOut) {
    auto cancelled = meeting("c", kNow + 1h, 30min);
    cancelled.meeting.is_cancelled = true;
    auto master = meeting("m", kNow + 1h, 30min);
    master.meeting.type = core::MeetingType::SeriesMaster;
    auto past = meeting("p", kNow - 2h, 60min);
    auto running = meeting("r", kNow - 10min, 60min);
    auto beyond = meeting("b", kNow + 72h, 30min);
    auto inside = meeting("i", kNow + 71h, 30min);
    auto out = buildBookings({cancelled, master, past, running, beyond, inside}, {}, kNow);
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(out[0].id, bookingId("r", kNow - 10min));
    EXPECT_EQ(out[1].id, bookingId("i", kNow + 71h));
}

TEST(BookingBuilder, ResponseFilterFollowsSettings) {
    auto tentative = meeting("t", kNow + 1h, 30min);
    tentative.meeting.response = core::ResponseType::TentativelyAccepted;
    auto declined = meeting("d", kNow + 2h, 30min);
    declined.meeting.response = core::ResponseType::Declined;
    auto accepted = meeting("a", kNow + 3h, 30min);
    settings::DevicesSettings settings;
    auto out = buildBookings({tentative, declined, accepted}, settings, kNow);
    ASSERT_EQ(out.size(), 2u);
    EXPECT_TRUE(out[0].is_tentative);
    settings.show_tentative = false;
    settings.show_declined = true;
    out = buildBookings({tentative, declined, accepted}, settings, kNow);
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(out[0].id, bookingId("d", kNow + 2h));
}

TEST(BookingBuilder, SortedByStartThenIdAndDeduplicated) {
    auto late = meeting("late", kNow + 5h, 30min);
    auto early = meeting("early", kNow + 1h, 30min);
    auto out = buildBookings({late, early, late}, {}, kNow);
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(out[0].title, "Weekly sync");
    EXPECT_LT(out[0].start, out[1].start);
}

TEST(BookingBuilder, NoDialStringMeansNoJoinButton) {
    auto plain = meeting("x", kNow + 1h, 30min);
    auto zoom_web_only = meeting("z", kNow + 2h, 30min);
    zoom_web_only.join = core::JoinTarget{core::JoinService::Zoom, "https://zoom.us/j/1", "", "", "zoom"};
    auto out = buildBookings({plain, zoom_web_only}, {}, kNow);
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(out[0].protocol, "None");
    EXPECT_EQ(out[0].number, "");
    EXPECT_EQ(out[0].meeting_platform, "None");
    EXPECT_EQ(out[1].protocol, "None");
    EXPECT_EQ(out[1].meeting_platform, "Zoom");
}

TEST(BookingBuilder, WebRtcOnlyForTeamsAndMeet) {
    auto teams = meeting("t", kNow + 1h, 30min);
    teams.join = core::JoinTarget{core::JoinService::Teams, "https://teams.microsoft.com/l/x",
                                  "https://teams.microsoft.com/l/x", "webrtc", "teams"};
    auto zoom = meeting("z", kNow + 2h, 30min);
    zoom.join = core::JoinTarget{core::JoinService::Zoom, "https://zoom.us/j/1",
                                 "https://zoom.us/j/1", "WebRTC", "zoom"};
    auto h323 = meeting("h", kNow + 3h, 30min);
    h323.join = core::JoinTarget{core::JoinService::Sip, "h323:10.0.0.1", "10.0.0.1", "h323", "sip"};
    auto out = buildBookings({teams, zoom, h323}, {}, kNow);
    ASSERT_EQ(out.size(), 3u);
    EXPECT_EQ(out[0].protocol, "WebRTC");
    EXPECT_EQ(out[0].meeting_platform, "MicrosoftTeams");
    EXPECT_EQ(out[1].protocol, "None");
    EXPECT_EQ(out[1].number, "");
    EXPECT_EQ(out[2].protocol, "H323");
    EXPECT_EQ(out[2].meeting_platform, "Other");
}

TEST(BookingBuilder, DurationRoundsUpAndRequiredFieldsAreNeverEmpty) {
    auto odd = meeting("o", kNow + 1h, 0min, "");
    odd.meeting.end = odd.meeting.start + 61s;
    odd.meeting.organizer = {"", ""};
    settings::DevicesSettings settings;
    settings.start_time_buffer = 600s;
    settings.end_time_buffer = 120s;
    auto out = buildBookings({odd}, settings, kNow);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].duration_minutes, 2);
    EXPECT_FALSE(out[0].title.empty());
    EXPECT_FALSE(out[0].organizer_name.empty());
    EXPECT_EQ(out[0].start_time_buffer_seconds, 600);
    EXPECT_EQ(out[0].end_time_buffer_seconds, 120);
}

TEST(BookingBuilder, FormatsUtcExactly) {
    EXPECT_EQ(formatUtc(sys_days{std::chrono::year{2026} / 12 / 31} + 23h + 59min + 59s),
              "2026-12-31T23:59:59Z");
    EXPECT_EQ(formatUtc(core::UtcSeconds{}), "1970-01-01T00:00:00Z");
}

}  // namespace
}  // namespace calconn::devices
