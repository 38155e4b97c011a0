#include "common/Clock.h"

#include <gtest/gtest.h>

namespace calconn::common {
namespace {

TEST(FakeClock, MovesOnlyWhenTold) {
    FakeClock clock(TimePoint{} + std::chrono::hours(1));
    const auto start = clock.now();
    EXPECT_EQ(clock.now(), start);
    clock.advance(std::chrono::seconds(90));
    EXPECT_EQ(clock.now() - start, std::chrono::seconds(90));
}

}  // namespace
}  // namespace calconn::common
