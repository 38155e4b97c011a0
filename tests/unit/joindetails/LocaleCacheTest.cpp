#include <gtest/gtest.h>

#include "joindetails/LocaleCache.h"

namespace calconn::joindetails {
namespace {

using namespace std::chrono_literals;

class LocaleCacheTest : public ::testing::Test {
protected:
    common::FakeClock clock{common::TimePoint{} + 1000h};
    std::map<std::string, std::string> locales{{"alice@example.com", "de-DE"}};
    int fetches = 0;
    bool fail = false;
    LocaleCache cache{[this](const std::string& mailbox) -> common::Result<std::string> {
                          ++fetches;
                          if (fail) return common::makeError(common::ErrorCode::Unavailable, "down");
                          return locales[mailbox];
                      },
                      clock, 1h, 2};
};

TEST_F(LocaleCacheTest, AsksGraphOncePerMailboxWithinTheTtl) {
    EXPECT_EQ(cache.locale("alice@example.com").value(), "de-DE");
    EXPECT_EQ(cache.locale("Alice@Example.com").value(), "de-DE");
    clock.advance(59min);
    EXPECT_EQ(cache.locale("alice@example.com").value(), "de-DE");
    EXPECT_EQ(fetches, 1);
}

TEST_F(LocaleCacheTest, ALanguageChangeIsSeenAfterTheTtl) {
    EXPECT_EQ(cache.locale("alice@example.com").value(), "de-DE");
    locales["alice@example.com"] = "fr-FR";
    clock.advance(61min);
    EXPECT_EQ(cache.locale("alice@example.com").value(), "fr-FR");
    EXPECT_EQ(fetches, 2);
}

TEST_F(LocaleCacheTest, FailuresAreNotCached) {
    fail = true;
    auto failed = cache.locale("alice@example.com");
    ASSERT_FALSE(failed.ok());
    EXPECT_EQ(failed.error().code, common::ErrorCode::Unavailable);
    fail = false;
    EXPECT_EQ(cache.locale("alice@example.com").value(), "de-DE");
    EXPECT_EQ(fetches, 2);
}

TEST_F(LocaleCacheTest, StaysWithinItsSizeByDroppingTheStalest) {
    locales["bob@example.com"] = "pl-PL";
    locales["carol@example.com"] = "ja-JP";
    EXPECT_EQ(cache.locale("alice@example.com").value(), "de-DE");
    clock.advance(1min);
    EXPECT_EQ(cache.locale("bob@example.com").value(), "pl-PL");
    clock.advance(1min);
    EXPECT_EQ(cache.locale("carol@example.com").value(), "ja-JP");  // alice goes
    EXPECT_EQ(cache.locale("bob@example.com").value(), "pl-PL");
    EXPECT_EQ(fetches, 3);
    EXPECT_EQ(cache.locale("alice@example.com").value(), "de-DE");
    EXPECT_EQ(fetches, 4);
}

}  // namespace
}  // namespace calconn::joindetails
