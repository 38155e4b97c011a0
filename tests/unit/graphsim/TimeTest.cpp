#include <gtest/gtest.h>

#include "Time.h"

namespace calconn::graphsim {
namespace {

Seconds utc(int y, unsigned m, unsigned d, int h, int mi = 0) {
    return daysFromCivil(y, m, d) * kDay + h * 3600 + mi * 60;
}

TEST(Time, DstRulesForTableZones) {
    const auto* ny = findTimeZone("Eastern Standard Time");
    ASSERT_NE(ny, nullptr);
    EXPECT_EQ(findTimeZone("america/new_york"), ny);
    EXPECT_EQ(utcOffsetMinutes(*ny, utc(2026, 1, 15, 12)), -300);
    EXPECT_EQ(utcOffsetMinutes(*ny, utc(2026, 7, 15, 12)), -240);
    // US DST 2026 starts 8 March 07:00 UTC and ends 1 November 06:00 UTC.
    EXPECT_EQ(utcOffsetMinutes(*ny, utc(2026, 3, 8, 6, 59)), -300);
    EXPECT_EQ(utcOffsetMinutes(*ny, utc(2026, 3, 8, 7)), -240);
    EXPECT_EQ(utcOffsetMinutes(*ny, utc(2026, 11, 1, 5, 59)), -240);
    EXPECT_EQ(utcOffsetMinutes(*ny, utc(2026, 11, 1, 6)), -300);
    const auto* warsaw = findTimeZone("Europe/Warsaw");
    ASSERT_NE(warsaw, nullptr);
    // EU DST 2026: 29 March 01:00 UTC to 25 October 01:00 UTC.
    EXPECT_EQ(utcOffsetMinutes(*warsaw, utc(2026, 3, 29, 0, 59)), 60);
    EXPECT_EQ(utcOffsetMinutes(*warsaw, utc(2026, 3, 29, 1)), 120);
    EXPECT_EQ(utcOffsetMinutes(*warsaw, utc(2026, 10, 25, 1)), 60);
    const auto* sydney = findTimeZone("AUS Eastern Standard Time");
    EXPECT_EQ(utcOffsetMinutes(*sydney, utc(2026, 1, 10, 0)), 660);
    EXPECT_EQ(utcOffsetMinutes(*sydney, utc(2026, 6, 10, 0)), 600);
    EXPECT_EQ(utcOffsetMinutes(*findTimeZone("Asia/Kolkata"), utc(2026, 6, 10, 0)), 330);
    EXPECT_EQ(findTimeZone("Mars/Olympus_Mons"), nullptr);
}

TEST(Time, LocalToUtcRoundTripsAndParses) {
    const auto* berlin = findTimeZone("W. Europe Standard Time");
    const Seconds local = utc(2026, 7, 1, 14);
    EXPECT_EQ(localToUtc(*berlin, local), utc(2026, 7, 1, 12));
    EXPECT_EQ(utcToLocal(*berlin, utc(2026, 7, 1, 12)), local);
    bool offset = false;
    EXPECT_EQ(parseDateTime("2026-07-01T12:00:00.0000000", &offset), utc(2026, 7, 1, 12));
    EXPECT_FALSE(offset);
    EXPECT_EQ(parseDateTime("2026-07-01T14:00:00+02:00", &offset), utc(2026, 7, 1, 12));
    EXPECT_TRUE(offset);
    EXPECT_EQ(formatGraphLocal(utc(2026, 7, 1, 12)), "2026-07-01T12:00:00.0000000");
    EXPECT_FALSE(parseDateTime("2026-13-01T00:00:00Z"));
}

}  // namespace
}  // namespace calconn::graphsim
