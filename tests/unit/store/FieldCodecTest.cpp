#include <gtest/gtest.h>

#include "store/FieldCodec.h"

namespace calconn::store::codec {
namespace {

TEST(FieldCodec, RoundTripsStructuredFields) {
    const std::vector<core::Attendee> attendees{{{"Carol Ünicode", "carol@contoso.com"},
                                                 core::AttendeeType::Optional,
                                                 core::ResponseType::TentativelyAccepted},
                                                {{"", std::string(300, 'x') + "@contoso.com"},
                                                 core::AttendeeType::Resource,
                                                 core::ResponseType::None}};
    auto decoded = decodeAttendees(encodeAttendees(attendees));
    ASSERT_TRUE(decoded.ok());
    EXPECT_EQ(*decoded, attendees);

    const core::EmailAddress organizer{"Bob", "bob@contoso.com"};
    EXPECT_EQ(*decodeOrganizer(encodeOrganizer(organizer)), organizer);

    const core::Body body{std::string("<p>a\0b</p>", 10), core::BodyType::Html};
    EXPECT_EQ(*decodeBody(encodeBody(body)), body);

    const core::Location display{"Room 4B", "room-4b@contoso.com", "conferenceRoom"};
    const std::vector<core::Location> all{display, {"Online", "", "default"}};
    core::Location got_display;
    std::vector<core::Location> got_all;
    ASSERT_TRUE(decodeLocations(encodeLocations(display, all), got_display, got_all).ok());
    EXPECT_EQ(got_display, display);
    EXPECT_EQ(got_all, all);
}

TEST(FieldCodec, RejectsTruncatedOrForeignData) {
    const std::string encoded = encodeAttendees({{{"A", "a@b.c"}, {}, {}}});
    for (std::size_t n = 0; n < encoded.size(); ++n) {
        EXPECT_FALSE(decodeAttendees(encoded.substr(0, n)).ok()) << n;
    }
    EXPECT_FALSE(decodeAttendees(encoded + "x").ok());
    EXPECT_FALSE(decodeOrganizer("\x02garbage").ok());  // unknown format version
    EXPECT_FALSE(
        decodeBody(std::string("\x01\x05\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", 12)).ok());
    // A huge claimed count must not allocate before failing.
    EXPECT_FALSE(decodeAttendees(std::string("\x01\xff\xff\xff\xff\x0f", 6)).ok());
}

}  // namespace
}  // namespace calconn::store::codec
