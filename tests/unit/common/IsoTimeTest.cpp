#include "common/IsoTime.h"

#include <gtest/gtest.h>

namespace calconn::common {
namespace {

using namespace std::chrono;

TEST(IsoTime, FormatsAndParsesUtcRoundTrip) {
    const sys_seconds t = sys_days{2026y / November / 27} + 9h + 5min + 7s;
    EXPECT_EQ(formatIsoUtc(t), "2026-11-27T09:05:07Z");
    EXPECT_EQ(parseIsoUtc("2026-11-27T09:05:07Z"), t);
    EXPECT_EQ(parseIsoUtc("2026-11-27T09:05:07.1234567Z"), t);
    EXPECT_EQ(parseIsoUtc("2026-11-27T10:05:07+01:00"), t);
}

TEST(IsoTime, RejectsWhatIsNotAnIsoUtcTime) {
    for (const char* bad : {"", "2026-11-27", "2026-11-27T09:05:07", "2026-13-01T00:00:00Z",
                            "2026-02-30T00:00:00Z", "2026-11-27T09:05:07Zjunk", "tomorrow"}) {
        EXPECT_FALSE(parseIsoUtc(bad)) << bad;
    }
}

}  // namespace
}  // namespace calconn::common
