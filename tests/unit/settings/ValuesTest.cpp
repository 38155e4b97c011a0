#include <gtest/gtest.h>

#include "settings/Values.h"

namespace calconn::settings {
namespace {

using namespace std::chrono_literals;

TEST(Values, ParsesDurationsWithEveryUnit) {
    EXPECT_EQ(parseDuration("90s").value(), 90s);
    EXPECT_EQ(parseDuration("5m").value(), 5min);
    EXPECT_EQ(parseDuration("72h").value(), 72h);
    EXPECT_EQ(parseDuration("30d").value(), 30 * 24h);
    EXPECT_EQ(parseDuration("1d").value(), 24h);
    EXPECT_EQ(parseDuration("1w").value(), 7 * 24h);
    EXPECT_EQ(parseDuration("1h30m").value(), 90min);
    EXPECT_EQ(parseDuration("0s").value(), 0s);
}

TEST(Values, RejectsDurationsWithoutUnitOrWithUnknownUnit) {
    EXPECT_FALSE(parseDuration("90").ok());
    EXPECT_FALSE(parseDuration("").ok());
    EXPECT_FALSE(parseDuration("5 minutes").ok());
    EXPECT_FALSE(parseDuration("5ms").ok());
    EXPECT_FALSE(parseDuration("-5s").ok());
    EXPECT_FALSE(parseDuration("1.5h").ok());
    EXPECT_FALSE(parseDuration("99999999999999999999s").ok());
    EXPECT_NE(parseDuration("90").error().message.find("has no unit"), std::string::npos);
}

TEST(Values, FormatsDurationsWithTheLargestExactUnit) {
    EXPECT_EQ(formatDuration(90s), "90s");
    EXPECT_EQ(formatDuration(300s), "5m");
    EXPECT_EQ(formatDuration(72h), "3d");
    EXPECT_EQ(formatDuration(25h), "25h");
    EXPECT_EQ(formatDuration(0s), "0s");
    EXPECT_EQ(formatDuration(14 * 24h), "14d");
}

TEST(Values, ParsesAndFormatsSizes) {
    EXPECT_EQ(parseSize("5MiB").value(), 5u * 1024 * 1024);
    EXPECT_EQ(parseSize("512KiB").value(), 512u * 1024);
    EXPECT_EQ(parseSize("100B").value(), 100u);
    EXPECT_EQ(parseSize("1GiB").value(), 1024u * 1024 * 1024);
    EXPECT_FALSE(parseSize("5MB").ok());
    EXPECT_FALSE(parseSize("5").ok());
    EXPECT_FALSE(parseSize("MiB").ok());
    EXPECT_EQ(formatSize(1024 * 1024), "1MiB");
    EXPECT_EQ(formatSize(1536), "1536B");
    EXPECT_EQ(formatSize(1536 * 1024), "1536KiB");
}

TEST(Values, ChecksUrlsForSchemeHostAndPort) {
    EXPECT_TRUE(checkUrl("https://10.1.2.3", "https").ok());
    EXPECT_TRUE(checkUrl("https://calconn.example.com/graph/notifications", "https").ok());
    EXPECT_TRUE(checkUrl("https://127.0.0.1:9443/v1", "https").ok());
    EXPECT_TRUE(checkUrl("https://[::1]:9443", "https").ok());
    EXPECT_TRUE(checkUrl("http://hooks.example.com", "http|https").ok());
    EXPECT_FALSE(checkUrl("http://hooks.example.com", "https").ok());
    EXPECT_FALSE(checkUrl("https://", "https").ok());
    EXPECT_FALSE(checkUrl("https://:443/x", "https").ok());
    EXPECT_FALSE(checkUrl("10.1.2.3", "https").ok());
    EXPECT_FALSE(checkUrl("https://admin:pw@10.1.2.3", "https").ok());
    EXPECT_FALSE(checkUrl("https://host:99999", "https").ok());
    EXPECT_FALSE(checkUrl("https://ho st", "https").ok());
    EXPECT_EQ(urlHost("https://10.1.2.3:443/x"), "10.1.2.3");
    EXPECT_EQ(urlHost("https://[::1]:443/x"), "[::1]");
}

TEST(Values, ChecksGuids) {
    EXPECT_TRUE(checkGuid("2f0c8a1b-3c4d-4e5f-8a9b-0c1d2e3f4a5b").ok());
    EXPECT_TRUE(checkGuid("2F0C8A1B-3C4D-4E5F-8A9B-0C1D2E3F4A5B").ok());
    EXPECT_FALSE(checkGuid("2f0c8a1b3c4d4e5f8a9b0c1d2e3f4a5b").ok());
    EXPECT_FALSE(checkGuid("2f0c8a1b-3c4d-4e5f-8a9b-0c1d2e3f4a5").ok());
    EXPECT_FALSE(checkGuid("contoso.onmicrosoft.com").ok());
    EXPECT_FALSE(checkGuid("2f0c8a1b-3c4d-4e5f-8a9b-0c1d2e3f4a5g").ok());
}

TEST(Values, ChecksEmailAddresses) {
    EXPECT_TRUE(checkEmail("alice@contoso.com").ok());
    EXPECT_TRUE(checkEmail("room-4b@contoso.onmicrosoft.com").ok());
    EXPECT_FALSE(checkEmail("alice").ok());
    EXPECT_FALSE(checkEmail("alice@contoso").ok());
    EXPECT_FALSE(checkEmail("@contoso.com").ok());
    EXPECT_FALSE(checkEmail("a@b@contoso.com").ok());
    EXPECT_FALSE(checkEmail("Alice <alice@contoso.com>").ok());
}

TEST(Values, ChecksListenAddresses) {
    EXPECT_TRUE(checkHostPort("127.0.0.1:8443").ok());
    EXPECT_TRUE(checkHostPort("[::1]:8443").ok());
    EXPECT_TRUE(checkHostPort("localhost:0").ok());
    EXPECT_TRUE(checkHostPort("0.0.0.0:443").ok());
    EXPECT_FALSE(checkHostPort("127.0.0.1").ok());
    EXPECT_FALSE(checkHostPort(":8443").ok());
    EXPECT_FALSE(checkHostPort("127.0.0.1:65536").ok());
    EXPECT_FALSE(checkHostPort("[::1:8443").ok());
}

TEST(Values, NormalisesSha256Fingerprints) {
    const std::string hex(64, 'a');
    EXPECT_EQ(normalizeSha256(std::string(64, 'A')).value(), hex);
    std::string colons;
    for (int i = 0; i < 32; ++i) colons += (i ? ":" : "") + std::string("AA");
    EXPECT_EQ(normalizeSha256(colons).value(), hex);
    EXPECT_FALSE(normalizeSha256(std::string(63, 'a')).ok());
    EXPECT_FALSE(normalizeSha256(std::string(64, 'g')).ok());
}

TEST(Values, ParsesIntegersAndBooleans) {
    EXPECT_EQ(parseInteger("16").value(), 16);
    EXPECT_EQ(parseInteger("-3").value(), -3);
    EXPECT_FALSE(parseInteger("16x").ok());
    EXPECT_FALSE(parseInteger("").ok());
    EXPECT_FALSE(parseInteger("99999999999999999999").ok());
    EXPECT_TRUE(parseBoolean("true").value());
    EXPECT_FALSE(parseBoolean("false").value());
    EXPECT_FALSE(parseBoolean("yes").ok());
}

TEST(Values, MeasuresEditDistance) {
    EXPECT_EQ(editDistance("poll_interval", "poll_intervall"), 1u);
    EXPECT_EQ(editDistance("", "abc"), 3u);
    EXPECT_EQ(editDistance("kitten", "sitting"), 3u);
}

}  // namespace
}  // namespace calconn::settings
