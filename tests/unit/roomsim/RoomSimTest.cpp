// RoomSim without a transport: validation of Bookings Put and the command answers.
#include <gtest/gtest.h>

#include "RoomSim.h"

namespace calconn::roomsim {
namespace {

std::string booking(const std::string& extra_fields = "",
                    const std::string& time = "2026-03-02T09:00:00Z") {
    return R"({"Id":"1","Title":"Sync","Number":"1@example.com","Protocol":"SIP",)"
           R"("Organizer":{"Name":"Ada"},"Time":{"StartTime":")" +
           time + R"(","Duration":30})" + extra_fields + "}";
}

std::string list(const std::string& items) { return "{\"Bookings\":[" + items + "]}"; }

TEST(RoomSimValidation, AcceptsTheMinimalDocumentedBooking) {
    auto r = RoomSim::validateBookingsJson(list(booking()));
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(*r, 1u);
}

TEST(RoomSimValidation, AcceptsAnEmptyListAndTheResearchExample) {
    EXPECT_TRUE(RoomSim::validateBookingsJson("{\"Bookings\":[]}").ok());
    const std::string example =
        R"({"Bookings":[{"Id":"42","Title":"Weekly sync","Privacy":"Public",
  "Protocol":"SIP","MeetingPlatform":"Webex","Number":"123456789@example.webex.com",
  "Organizer":{"Name":"Ada Lovelace","Email":"ada@example.com"},
  "Time":{"StartTime":"2026-03-02T09:00:00Z","Duration":30,"StartTimeBuffer":300,"EndTimeBuffer":0}}]})";
    EXPECT_TRUE(RoomSim::validateBookingsJson(example).ok());
}

TEST(RoomSimValidation, AcceptsNanosecondFractions) {
    EXPECT_TRUE(
        RoomSim::validateBookingsJson(list(booking("", "2026-03-02T08:40:42.300000000Z"))).ok());
}

TEST(RoomSimValidation, RejectsMissingRequiredFields) {
    for (const std::string field : {"Id", "Title", "Number", "Protocol"}) {
        std::string b = booking();
        const auto pos = b.find("\"" + field + "\"");
        const auto comma = b.find(',', pos);
        b.erase(pos, comma - pos + 1);
        auto r = RoomSim::validateBookingsJson(list(b));
        ASSERT_FALSE(r.ok()) << field;
        EXPECT_NE(r.error().message.find(field + ": required field missing"), std::string::npos)
            << r.error().message;
    }
    auto no_name = RoomSim::validateBookingsJson(list(
        R"({"Id":"1","Title":"t","Number":"","Protocol":"None","Organizer":{},"Time":{"StartTime":"2026-03-02T09:00:00Z","Duration":5}})"));
    ASSERT_FALSE(no_name.ok());
    EXPECT_NE(no_name.error().message.find("Organizer.Name"), std::string::npos);
}

TEST(RoomSimValidation, RejectsBadEnumsTimesAndTypes) {
    EXPECT_FALSE(RoomSim::validateBookingsJson(list(booking(R"(,"Privacy":"Secret")"))).ok());
    EXPECT_FALSE(
        RoomSim::validateBookingsJson(list(booking(R"(,"MeetingPlatform":"Skype")"))).ok());
    EXPECT_FALSE(
        RoomSim::validateBookingsJson(list(booking("", "2026-03-02T09:00:00+01:00"))).ok());
    EXPECT_FALSE(RoomSim::validateBookingsJson(list(booking("", "2026-03-02 09:00:00Z"))).ok());
    EXPECT_FALSE(RoomSim::validateBookingsJson(list(booking("", "2026-13-02T09:00:00Z"))).ok());
    EXPECT_FALSE(RoomSim::validateBookingsJson(list(booking(R"(,"Unknown":"x")"))).ok());
    const std::string string_duration =
        R"({"Id":"1","Title":"t","Number":"n","Protocol":"SIP","Organizer":{"Name":"A"},"Time":{"StartTime":"2026-03-02T09:00:00Z","Duration":"30"}})";
    EXPECT_FALSE(RoomSim::validateBookingsJson(list(string_duration)).ok());
    EXPECT_FALSE(RoomSim::validateBookingsJson("not json").ok());
    EXPECT_FALSE(RoomSim::validateBookingsJson("[]").ok());
}

TEST(RoomSimValidation, WebRtcOnlyForTeamsAndMeet) {
    const std::string teams =
        R"({"Id":"1","Title":"t","Number":"https://teams.microsoft.com/l/x","Protocol":"WebRTC","MeetingPlatform":"MicrosoftTeams","Organizer":{"Name":"A"},"Time":{"StartTime":"2026-03-02T09:00:00Z","Duration":30}})";
    EXPECT_TRUE(RoomSim::validateBookingsJson(list(teams)).ok());
    std::string zoom = teams;
    zoom.replace(zoom.find("MicrosoftTeams"), 14, "Zoom");
    auto r = RoomSim::validateBookingsJson(list(zoom));
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("WebRTC"), std::string::npos);
}

TEST(RoomSimValidation, RejectsDuplicateIds) {
    auto r = RoomSim::validateBookingsJson(list(booking() + "," + booking()));
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("duplicate"), std::string::npos);
}

TEST(RoomSimParseUser, SplitsNamePasswordAndRole) {
    auto u = parseUser("admin:pa:ss:Admin");
    ASSERT_TRUE(u.ok());
    EXPECT_EQ(u->name, "admin");
    EXPECT_EQ(u->password, "pa:ss");
    EXPECT_EQ(u->role, "Admin");
    EXPECT_FALSE(parseUser("admin").ok());
    EXPECT_FALSE(parseUser(":x:Admin").ok());
}

}  // namespace
}  // namespace calconn::roomsim
