#include "detect/MeetingDetection.h"

#include <gtest/gtest.h>

namespace calconn::detect {
namespace {

core::Meeting meetingWithBody(std::string body) {
    core::Meeting meeting;
    meeting.id = "AAMk1";
    meeting.body.type = core::BodyType::Html;
    meeting.body.content = std::move(body);
    return meeting;
}

TEST(MeetingDetection, WebexLinkBecomesSipDialStringForDevices) {
    const core::Meeting meeting = meetingWithBody(
        "<p>Join: <a href=\"https://acme.webex.com/acme/j.php?MTID=m1234\">Join meeting</a></p>"
        "<p>Meeting number: 2550 123 4567</p><p>Join by video system: 25501234567@acme.webex.com</p>");
    const auto target = joinTargetFor(meeting, Detector{});
    ASSERT_TRUE(target);
    EXPECT_EQ(target->service, core::JoinService::Webex);
    EXPECT_EQ(target->service_id, "webex");
    EXPECT_EQ(target->uri, "https://acme.webex.com/acme/j.php?MTID=m1234");
    EXPECT_EQ(target->dial_number, "25501234567@acme.webex.com");
    EXPECT_EQ(target->dial_protocol, "SIP");
}

TEST(MeetingDetection, TeamsJoinUrlFromOnlineMeetingIsUsed) {
    core::Meeting meeting = meetingWithBody("<p>Agenda only</p>");
    meeting.online_meeting_join_url =
        "https://teams.microsoft.com/l/meetup-join/19%3ameeting_abc%40thread.v2/0";
    const auto target = joinTargetFor(meeting, Detector{});
    ASSERT_TRUE(target);
    EXPECT_EQ(target->service, core::JoinService::Teams);
    EXPECT_EQ(target->service_id, "teams");
    EXPECT_FALSE(target->uri.empty());
}

TEST(MeetingDetection, KeywordInLocationGivesServiceWithoutUri) {
    core::Meeting meeting = meetingWithBody("");
    meeting.location.display_name = "@webex";
    const auto target = joinTargetFor(meeting, Detector{});
    ASSERT_TRUE(target);
    EXPECT_EQ(target->service, core::JoinService::Webex);
    EXPECT_TRUE(target->uri.empty());
    EXPECT_TRUE(target->dial_number.empty());
}

TEST(MeetingDetection, PlainMeetingHasNoTarget) {
    core::Meeting meeting = meetingWithBody("<p>Lunch at the canteen</p>");
    meeting.location.display_name = "Canteen";
    EXPECT_FALSE(joinTargetFor(meeting, Detector{}));
}

}  // namespace
}  // namespace calconn::detect
