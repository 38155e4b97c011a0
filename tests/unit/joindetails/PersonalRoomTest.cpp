#include <gtest/gtest.h>

#include "joindetails/PersonalRoom.h"

namespace calconn::joindetails {
namespace {

TEST(PersonalRoom, BuildsLinkAndSipFromSiteTemplate) {
    auto d = personalRoomDetails("acme", "Alice.Smith@example.com", "Alice Smith");
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(d->join_url, "https://acme.webex.com/meet/alice.smith");
    EXPECT_EQ(d->sip_address, "alice.smith@acme.webex.com");
    EXPECT_EQ(d->action, JoinAction::PersonalRoom);
    EXPECT_EQ(d->site, "acme");
}

TEST(PersonalRoom, SanitisesTheUserName) {
    EXPECT_EQ(*personalRoomId("alice+calendar@example.com"), "alice");
    EXPECT_EQ(*personalRoomId("\"o'brien smith\"@example.com"), "obriensmith");
    EXPECT_EQ(*personalRoomId("José@example.com"), "jos");
    EXPECT_EQ(*personalRoomId(".dot.@example.com"), "dot");
    EXPECT_EQ(*personalRoomId("12345@example.com"), "pr12345");
    EXPECT_FALSE(personalRoomId("@example.com").ok());
    EXPECT_FALSE(personalRoomId("\"\"@example.com").ok());
}

TEST(PersonalRoom, RejectsSiteNamesThatAreNotDnsLabels) {
    EXPECT_FALSE(personalRoomDetails("acme.evil.example/x", "a@b.c").ok());
    EXPECT_FALSE(personalRoomDetails("", "a@b.c").ok());
    EXPECT_FALSE(personalRoomDetails("-acme", "a@b.c").ok());
    EXPECT_TRUE(personalRoomDetails("acme-eu", "a@b.c").ok());
    EXPECT_EQ(personalRoomDetails("ACME", "a@b.c")->join_url, "https://acme.webex.com/meet/a");
}

}  // namespace
}  // namespace calconn::joindetails
