#include <gtest/gtest.h>

#include "graph/TimeZones.h"

namespace calconn::graph {
namespace {

using common::ErrorCode;
using namespace std::chrono;

common::TimePoint utc(const char* text) { return parseIsoDateTime(text).value(); }

TEST(ParseIsoDateTime, ReadsSevenFractionalDigits) {
    auto tp = parseIsoDateTime("2016-12-09T20:30:00.1234567");
    ASSERT_TRUE(tp.ok());
    EXPECT_EQ(*tp,
              sys_days{year{2016} / 12 / 9} + hours(20) + minutes(30) + nanoseconds(123456700));
    EXPECT_EQ(parseIsoDateTime("2016-12-09T20:30:00").value(),
              sys_days{year{2016} / 12 / 9} + hours(20) + minutes(30));
    EXPECT_EQ(parseIsoDateTime("2016-12-09T20:30:00.5Z").value(),
              sys_days{year{2016} / 12 / 9} + hours(20) + minutes(30) + milliseconds(500));
    EXPECT_EQ(parseIsoDateTime("2016-12-09T20:30:00+02:00").value(),
              sys_days{year{2016} / 12 / 9} + hours(18) + minutes(30));
}

TEST(ParseIsoDateTime, RejectsNonsense) {
    for (const char* bad :
         {"", "2016-12-09", "2016-13-09T00:00:00", "2016-02-30T00:00:00", "2016-12-09T24:00:00",
          "2016-12-09T20:30:00.", "2016-12-09T20:30:00+2", "2016-12-09T20:30:00 garbage",
          "abcd-12-09T20:30:00", "0001-01-01T00:00:00", "9999-12-31T23:59:59"}) {
        auto tp = parseIsoDateTime(bad);
        ASSERT_FALSE(tp.ok()) << bad;
        EXPECT_EQ(tp.error().code, ErrorCode::Protocol);
    }
}

TEST(ToUtc, HandlesUtcNames) {
    for (const char* zone : {"UTC", "Etc/UTC", "utc", "tzone://Microsoft/Utc", ""}) {
        EXPECT_EQ(toUtc("2026-01-15T10:00:00.0000000", zone).value(), utc("2026-01-15T10:00:00Z"))
            << zone;
    }
}

TEST(ToUtc, AppliesEuropeanDaylightSaving) {
    EXPECT_EQ(toUtc("2026-01-15T10:00:00", "W. Europe Standard Time").value(),
              utc("2026-01-15T09:00:00Z"));
    EXPECT_EQ(toUtc("2026-07-15T10:00:00", "Europe/Zurich").value(), utc("2026-07-15T08:00:00Z"));
    EXPECT_EQ(toUtc("2026-07-15T10:00:00", "GMT Standard Time").value(),
              utc("2026-07-15T09:00:00Z"));
    // 2026: DST from 29 March 01:00 UTC to 25 October 01:00 UTC.
    EXPECT_EQ(toUtc("2026-03-29T01:59:00", "Europe/Berlin").value(), utc("2026-03-29T00:59:00Z"));
    EXPECT_EQ(toUtc("2026-03-29T03:00:00", "Europe/Berlin").value(), utc("2026-03-29T01:00:00Z"));
    // Ambiguous 02:30 on 25 October: the first (daylight) reading.
    EXPECT_EQ(toUtc("2026-10-25T02:30:00", "Europe/Berlin").value(), utc("2026-10-25T00:30:00Z"));
    EXPECT_EQ(toUtc("2026-10-25T03:30:00", "Europe/Berlin").value(), utc("2026-10-25T02:30:00Z"));
}

TEST(ToUtc, AppliesUsDaylightSaving) {
    // 2026: DST from 8 March to 1 November.
    EXPECT_EQ(toUtc("2026-03-07T12:00:00", "Pacific Standard Time").value(),
              utc("2026-03-07T20:00:00Z"));
    EXPECT_EQ(toUtc("2026-03-09T12:00:00", "America/Los_Angeles").value(),
              utc("2026-03-09T19:00:00Z"));
    EXPECT_EQ(toUtc("2026-11-01T00:30:00", "Eastern Standard Time").value(),
              utc("2026-11-01T04:30:00Z"));
    EXPECT_EQ(toUtc("2026-11-01T03:00:00", "Eastern Standard Time").value(),
              utc("2026-11-01T08:00:00Z"));
    EXPECT_EQ(toUtc("2026-07-01T12:00:00", "US Mountain Standard Time").value(),
              utc("2026-07-01T19:00:00Z"));
}

TEST(ToUtc, AppliesSouthernHemisphereRules) {
    EXPECT_EQ(toUtc("2026-01-10T12:00:00", "AUS Eastern Standard Time").value(),
              utc("2026-01-10T01:00:00Z"));
    EXPECT_EQ(toUtc("2026-07-10T12:00:00", "Australia/Sydney").value(),
              utc("2026-07-10T02:00:00Z"));
    EXPECT_EQ(toUtc("2026-01-10T12:00:00", "Pacific/Auckland").value(),
              utc("2026-01-09T23:00:00Z"));
    EXPECT_EQ(toUtc("2026-07-10T12:00:00", "New Zealand Standard Time").value(),
              utc("2026-07-10T00:00:00Z"));
    EXPECT_EQ(toUtc("2026-01-10T12:00:00", "Australia/Brisbane").value(),
              utc("2026-01-10T02:00:00Z"));
}

TEST(ToUtc, HandlesFixedAndHalfHourZones) {
    EXPECT_EQ(toUtc("2026-05-01T12:00:00", "India Standard Time").value(),
              utc("2026-05-01T06:30:00Z"));
    EXPECT_EQ(toUtc("2026-05-01T12:00:00", "Asia/Kathmandu").value(), utc("2026-05-01T06:15:00Z"));
    EXPECT_EQ(toUtc("2026-05-01T12:00:00", "Tokyo Standard Time").value(),
              utc("2026-05-01T03:00:00Z"));
    EXPECT_EQ(toUtc("2026-05-01T12:00:00", "UTC+12").value(), utc("2026-05-01T00:00:00Z"));
    EXPECT_EQ(toUtc("2026-05-01T12:00:00", "UTC-02").value(), utc("2026-05-01T14:00:00Z"));
    EXPECT_EQ(toUtc("2026-05-01T12:00:00", "Etc/GMT+5").value(), utc("2026-05-01T17:00:00Z"));
}

TEST(ToUtc, ExplicitOffsetWins) {
    EXPECT_EQ(toUtc("2026-05-01T12:00:00Z", "Tokyo Standard Time").value(),
              utc("2026-05-01T12:00:00Z"));
}

TEST(ToUtc, RejectsUnknownZones) {
    for (const char* zone :
         {"tzone://Microsoft/Custom", "Mars/Olympus_Mons", "UTC+99", "Etc/GMT+x"}) {
        auto tp = toUtc("2026-05-01T12:00:00", zone);
        ASSERT_FALSE(tp.ok()) << zone;
        EXPECT_EQ(tp.error().code, ErrorCode::InvalidArgument);
    }
    EXPECT_FALSE(isKnownTimeZone("Mars/Olympus_Mons"));
    EXPECT_TRUE(isKnownTimeZone("romance standard time"));
}

TEST(UtcOffset, ReportsOffsetAtInstant) {
    EXPECT_EQ(utcOffsetMinutes("Europe/Paris", utc("2026-07-01T00:00:00Z")).value(), 120);
    EXPECT_EQ(utcOffsetMinutes("Europe/Paris", utc("2026-12-01T00:00:00Z")).value(), 60);
}

TEST(FormatDateTime, WritesGraphAndIsoForms) {
    const auto tp = utc("2026-05-01T12:34:56Z") + nanoseconds(123456700);
    EXPECT_EQ(formatGraphDateTime(tp), "2026-05-01T12:34:56.1234567");
    EXPECT_EQ(formatIsoUtc(tp), "2026-05-01T12:34:56Z");
    EXPECT_EQ(parseIsoDateTime(formatGraphDateTime(tp)).value(), tp);
}

}  // namespace
}  // namespace calconn::graph
