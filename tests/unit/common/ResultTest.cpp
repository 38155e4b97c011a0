#include "common/Result.h"

#include <gtest/gtest.h>

namespace calconn::common {
namespace {

Result<int> parsePositive(int v) {
    if (v <= 0) return makeError(ErrorCode::InvalidArgument, "must be positive", "v");
    return v;
}

TEST(Result, HoldsValueOnSuccess) {
    auto r = parsePositive(3);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(*r, 3);
}

TEST(Result, HoldsErrorWithStableCodeName) {
    auto r = parsePositive(-1);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::InvalidArgument);
    EXPECT_EQ(r.error().toString(), "invalid_argument: must be positive (v)");
}

TEST(Result, ReadingTheWrongAlternativeAborts) {
    auto r = parsePositive(-1);
    EXPECT_DEATH((void)r.value(), "");
}

TEST(Status, DefaultIsSuccess) {
    Status s;
    EXPECT_TRUE(s.ok());
    Status e = makeError(ErrorCode::Io, "disk full");
    EXPECT_FALSE(e.ok());
    EXPECT_EQ(e.error().code, ErrorCode::Io);
}

}  // namespace
}  // namespace calconn::common
