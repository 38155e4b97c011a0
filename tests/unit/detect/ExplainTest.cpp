#include <gtest/gtest.h>

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include "Invitations.h"
#include "detect/Detector.h"
#include "detect/Explain.h"

namespace calconn::detect {
namespace {

using namespace testing;  // NOLINT: the builders

Poco::JSON::Object::Ptr parse(const std::string& json) {
    Poco::JSON::Parser parser;
    return parser.parse(json).extract<Poco::JSON::Object::Ptr>();
}

TEST(RenderJson, OneObjectWithAllFields) {
    DetectorInput input;
    input.location = "Microsoft Teams Meeting";
    std::string body = html(teamsHtml(kTeamsJoin, "contoso@m.webex.com"));
    input.body = body;
    std::string json = renderJson(Detector().detect(input));
    EXPECT_EQ(json.front(), '{');
    EXPECT_EQ(json.back(), '}');
    EXPECT_EQ(json.find('\n'), std::string::npos);
    auto obj = parse(json);
    EXPECT_EQ(obj->getValue<std::string>("service"), "teams");
    EXPECT_EQ(obj->getValue<std::string>("uri"), kTeamsJoin);
    auto dial = obj->getObject("dial");
    ASSERT_TRUE(dial);
    EXPECT_EQ(dial->getValue<std::string>("number"), "1154123456.contoso@m.webex.com");
    EXPECT_EQ(dial->getValue<std::string>("protocol"), "SIP");
    EXPECT_TRUE(obj->isNull("keyword"));
    auto candidates = obj->getArray("candidates");
    ASSERT_TRUE(candidates);
    ASSERT_GE(candidates->size(), 5u);
    for (std::size_t i = 0; i < candidates->size(); ++i) {
        auto c = candidates->getObject(static_cast<unsigned>(i));
        EXPECT_TRUE(c->has("service"));
        EXPECT_TRUE(c->has("uri"));
        EXPECT_TRUE(c->has("position"));
        EXPECT_FALSE(c->getValue<std::string>("source").empty());
        EXPECT_FALSE(c->getValue<std::string>("reason").empty());
    }
}

TEST(RenderJson, NullsForKeywordOnly) {
    auto obj = parse(explainCommand("@webex", "", "text", true));
    EXPECT_EQ(obj->getValue<std::string>("service"), "webex");
    EXPECT_TRUE(obj->isNull("uri"));
    EXPECT_TRUE(obj->isNull("dial"));
    EXPECT_EQ(obj->getValue<std::string>("keyword"), "@webex");
    EXPECT_EQ(obj->getArray("candidates")->size(), 0u);
}

TEST(RenderJson, NothingFoundIsAllNull) {
    auto obj = parse(explainCommand("Room 4", "<p>hello</p>", "html", true));
    EXPECT_TRUE(obj->isNull("service"));
    EXPECT_TRUE(obj->isNull("uri"));
    EXPECT_TRUE(obj->isNull("dial"));
    EXPECT_TRUE(obj->isNull("keyword"));
}

TEST(RenderJson, EscapesQuotesBackslashesAndControlCharacters) {
    EXPECT_EQ(jsonString("a\"b\\c\n\x01"), "\"a\\\"b\\\\c\\n\\u0001\"");
    Detection d;
    d.service = Service::Sip;
    d.uri = "sip:a\"b@c";
    d.keyword = "@webex\t";
    Candidate c;
    c.uri = "https://x.example/\"><script>";
    c.reason = "lost: \"quoted\"\r\n";
    d.candidates.push_back(c);
    auto obj = parse(renderJson(d));
    EXPECT_EQ(obj->getValue<std::string>("uri"), "sip:a\"b@c");
    EXPECT_EQ(obj->getValue<std::string>("keyword"), "@webex\t");
    EXPECT_EQ(obj->getArray("candidates")->getObject(0)->getValue<std::string>("reason"), "lost: \"quoted\"\r\n");
    EXPECT_TRUE(obj->getArray("candidates")->getObject(0)->isNull("service"));
}

TEST(RenderText, ExplainsWinnerAndLosers) {
    std::string text = explainCommand("Microsoft Teams Meeting",
                                      html("<p>Backup: " + anchor(kZoomJoin, "zoom") + "</p>" + teamsHtml(kTeamsJoin)),
                                      "html", false);
    EXPECT_NE(text.find("Join target: teams " + kTeamsJoin), std::string::npos) << text;
    EXPECT_NE(text.find("Devices dial: " + kTeamsJoin + " (WebRTC)"), std::string::npos) << text;
    EXPECT_NE(text.find("* teams"), std::string::npos);
    EXPECT_NE(text.find("won: Teams meeting link"), std::string::npos);
    EXPECT_NE(text.find("lost: the location names Microsoft Teams; this is Zoom"), std::string::npos) << text;
    EXPECT_NE(text.find("not a join target: Teams meeting options page"), std::string::npos);
}

TEST(RenderText, ServiceWithoutLinkAndNothing) {
    std::string kw = explainCommand("@meet:space", "", "text", false);
    EXPECT_NE(kw.find("Service webex without a link"), std::string::npos) << kw;
    EXPECT_NE(kw.find("Keyword in location: @meet:space"), std::string::npos);
    std::string none = explainCommand("", "no links", "text", false);
    EXPECT_NE(none.find("No join target"), std::string::npos);
    EXPECT_NE(none.find("No candidates"), std::string::npos);
}

TEST(RenderText, NamesQuotedAndWrappedCandidates) {
    std::string text = explainCommand("", "Now: " + safeLinks(kMeetJoin) + "\n-----Original Appointment-----\n" + zoomText(),
                                      "text", false);
    EXPECT_NE(text.find("unwrapped from safelinks"), std::string::npos) << text;
    EXPECT_NE(text.find("ignored: in quoted or forwarded history"), std::string::npos) << text;
}

}  // namespace
}  // namespace calconn::detect
