#include <gtest/gtest.h>

#include "joindetails/KeywordMatcher.h"
#include "settings/Settings.h"

namespace calconn::joindetails {
namespace {

const std::vector<KeywordRule>& rules() {
    static const auto r = defaultKeywordRules("acme");
    return r;
}

struct Case {
    const char* location;
    const char* keyword;  // nullptr: no match
    JoinAction action;
    const char* modifier;
};

class KeywordPositive : public ::testing::TestWithParam<Case> {};

TEST_P(KeywordPositive, FindsKeywordAndAction) {
    const Case& c = GetParam();
    auto match = findKeyword(c.location, rules());
    ASSERT_TRUE(match.has_value()) << c.location;
    EXPECT_EQ(match->keyword, c.keyword);
    EXPECT_EQ(match->action, c.action) << c.location;
    EXPECT_EQ(match->modifier, c.modifier);
    EXPECT_EQ(match->site, "acme");
}

INSTANTIATE_TEST_SUITE_P(
    KeywordMatcher, KeywordPositive,
    ::testing::Values(
        Case{"@webex", "@webex", JoinAction::PersonalRoom, ""},
        Case{"@WEBEX", "@webex", JoinAction::PersonalRoom, ""},
        Case{"Room 4.12; @Webex", "@webex", JoinAction::PersonalRoom, ""},
        Case{"@webex, Building 7", "@webex", JoinAction::PersonalRoom, ""},
        Case{"(@webex)", "@webex", JoinAction::PersonalRoom, ""},
        Case{"Online: @webex.", "@webex", JoinAction::PersonalRoom, ""},
        Case{"@webex:myroom", "@webex", JoinAction::PersonalRoom, "myroom"},
        Case{"@Webex:MyRoom", "@webex", JoinAction::PersonalRoom, "myroom"},
        Case{"@webex:meeting", "@webex", JoinAction::WebexMeeting, "meeting"},
        Case{"@webex:space", "@webex", JoinAction::WebexMeeting, "space"},
        Case{"@meet", "@meet", JoinAction::WebexMeeting, ""},
        Case{"Conf room A\t@meet", "@meet", JoinAction::WebexMeeting, ""},
        Case{"@meet:myroom", "@meet", JoinAction::PersonalRoom, "myroom"},
        Case{"Berlin HQ <@meet>", "@meet", JoinAction::WebexMeeting, ""},
        Case{"\"@webex\"", "@webex", JoinAction::PersonalRoom, ""},
        Case{"bob@example.com; @meet", "@meet", JoinAction::WebexMeeting, ""},
        Case{"Room\xC2\xA0@webex", "@webex", JoinAction::PersonalRoom, ""},
        Case{"会議室A（@webex）", "@webex", JoinAction::PersonalRoom, ""},
        Case{"会议室、@meet。", "@meet", JoinAction::WebexMeeting, ""},
        Case{"\xE3\x80\x80@meet:myroom", "@meet", JoinAction::PersonalRoom, "myroom"}));

class KeywordNegative : public ::testing::TestWithParam<const char*> {};

TEST_P(KeywordNegative, FindsNothing) {
    EXPECT_FALSE(findKeyword(GetParam(), rules()).has_value()) << GetParam();
}

INSTANTIATE_TEST_SUITE_P(
    KeywordMatcher, KeywordNegative,
    ::testing::Values("", "Room 4.12", "webex", "meet me in the lobby", "bob@webex.com",
                      "support@meet.example", "alice@webex", "@webex.com",
                      "https://acme.webex.com/meet/@webex", "www.example.com/@meet",
                      "@webexteam", "@meeting", "@meetings room", "x@meet",
                      "@webex:my/room", "@@webex", "Microsoft Teams Meeting",
                      "https://zoom.us/j/123", "会議室@webex", "Room\xC2\xA0" "bob@webex.com"));

TEST(KeywordMatcher, ColonAloneAtTheEndIsPunctuation) {
    // "Where: @webex:" reads as a sentence; the trailing colon is not a modifier.
    auto match = findKeyword("Where: @webex:", rules());
    ASSERT_TRUE(match);
    EXPECT_EQ(match->modifier, "");
}

TEST(KeywordMatcher, UnknownModifierKeepsBaseActionAndSaysSo) {
    auto match = findKeyword("@webex:huddle", rules());
    ASSERT_TRUE(match);
    EXPECT_EQ(match->action, JoinAction::PersonalRoom);
    EXPECT_TRUE(match->unknown_modifier);
    EXPECT_EQ(match->text, "@webex:huddle");
}

TEST(KeywordMatcher, FirstKeywordInTheLocationWins) {
    auto match = findKeyword("@meet or @webex", rules());
    ASSERT_TRUE(match);
    EXPECT_EQ(match->keyword, "@meet");
    EXPECT_EQ(match->position, 0u);
    auto second = findKeyword("Room 1 @webex then @meet", rules());
    ASSERT_TRUE(second);
    EXPECT_EQ(second->keyword, "@webex");
    EXPECT_EQ(second->position, 7u);
}

TEST(KeywordMatcher, LongestConfiguredKeywordWins) {
    std::vector<KeywordRule> r = {{"@meet", JoinAction::WebexMeeting, "acme", {}},
                                  {"@meetroom", JoinAction::PersonalRoom, "acme", {}}};
    auto match = findKeyword("@meetroom", r);
    ASSERT_TRUE(match);
    EXPECT_EQ(match->keyword, "@meetroom");
}

TEST(KeywordMatcher, RulesComeFromSettings) {
    settings::KeywordSettings k;
    k.keyword = "@vc";
    k.action = "webex_meeting";
    k.site = "globex";
    k.modifiers = {{":MyRoom", "personal_room"}};
    auto r = rulesFromSettings({k});
    ASSERT_TRUE(r.ok());
    auto match = findKeyword("@vc:myroom", *r);
    ASSERT_TRUE(match);
    EXPECT_EQ(match->action, JoinAction::PersonalRoom);
    EXPECT_EQ(match->site, "globex");

    k.action = "zoom_meeting";
    auto bad = rulesFromSettings({k});
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().code, common::ErrorCode::Config);
}

}  // namespace
}  // namespace calconn::joindetails
