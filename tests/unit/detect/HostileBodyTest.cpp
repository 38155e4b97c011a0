// Hostile and oversized bodies: every case must complete (linear-time scanning, bounded
// lookahead) and still give a sensible answer. Timing is measured in the benchmark, not here.
#include <gtest/gtest.h>

#include <string>

#include "Invitations.h"
#include "detect/Detector.h"

namespace calconn::detect {
namespace {

using namespace testing;  // NOLINT: the builders

constexpr std::size_t kFiveMiB = 5 * 1024 * 1024;
// The table runs 1 MiB bodies so that the suite stays fast under sanitizers; the benchmark
// times the 5 MiB versions.
constexpr std::size_t kOneMiB = 1024 * 1024;

std::string repeat(std::string_view unit, std::size_t total) {
    std::string out;
    out.reserve(total + unit.size());
    while (out.size() < total) out += unit;
    return out;
}

Detection run(const std::string& body, BodyType type, std::size_t cap = 8 * 1024 * 1024) {
    DetectorOptions options;
    options.max_body_size = cap;
    DetectorInput input;
    input.body = body;
    input.body_type = type;
    return Detector(options).detect(input);
}

struct Hostile {
    const char* name;
    std::string unit;
    BodyType type;
};

class HostileBody : public ::testing::TestWithParam<Hostile> {};

TEST_P(HostileBody, CompletesWithoutJoinTarget) {
    const Hostile& h = GetParam();
    std::string body = repeat(h.unit, kOneMiB);
    Detection d = run(body, h.type);
    EXPECT_FALSE(d.truncated);
    EXPECT_EQ(d.winner, -1);
}

INSTANTIATE_TEST_SUITE_P(
    Detector, HostileBody,
    ::testing::Values(Hostile{"LessThan", "<", BodyType::Html}, Hostile{"LessThanText", "<", BodyType::Text},
                      Hostile{"DeepNesting", "<div><span><b>", BodyType::Html},
                      Hostile{"UnclosedComments", "<!--", BodyType::Html},
                      Hostile{"UnclosedQuote", "<a href=\"", BodyType::Html},
                      Hostile{"ManyAttributes", "<p a=b c='d' e=\"f\" ", BodyType::Html},
                      Hostile{"EndTagsOnly", "</a></x></", BodyType::Html},
                      Hostile{"ScriptOpeners", "<script><style>", BodyType::Html},
                      Hostile{"Entities", "&#x41;&amp;&#9999999999;&nbsp&", BodyType::Html},
                      Hostile{"Colons", ":", BodyType::Text}, Hostile{"AtSigns", "@", BodyType::Text},
                      Hostile{"DoubleCommas", "+1,,", BodyType::Text},
                      Hostile{"SchemesOnly", "http://", BodyType::Text},
                      Hostile{"AngleSchemes", "<https:// ", BodyType::Text},
                      Hostile{"PinLabels", "PIN: 12", BodyType::Text},
                      Hostile{"FromLines", "From: x\n", BodyType::Text},
                      Hostile{"WrappedLines", "https://a/%\n", BodyType::Text},
                      Hostile{"SafeLinksSelf", "https://x.safelinks.protection.outlook.com/?url=", BodyType::Text},
                      Hostile{"LookAlikes", "https://zoom.us.zoom.us.evil/ ", BodyType::Text},
                      Hostile{"EmailsOnServiceDomains", "a@zoomcrc.com b@webex.com ", BodyType::Text},
                      Hostile{"OrdinaryEmails", "ada@contoso.example ", BodyType::Text},
                      Hostile{"QuoteClasses", "<div class=\"gmail_quot", BodyType::Html},
                      Hostile{"AnchorsNoHref", "<a>x</a>", BodyType::Html}),
    [](const ::testing::TestParamInfo<Hostile>& info) { return std::string(info.param.name); });

TEST(HostileBodyTest, LongPathologicalUrlIsCappedAndClassified) {
    std::string body = "Join: https://zoom.us/j/" + std::string(kFiveMiB, '1') + "\r\n";
    Detection d = run(body, BodyType::Text);
    EXPECT_EQ(d.winner, -1);  // not a valid meeting id
    ASSERT_FALSE(d.candidates.empty());
    EXPECT_LE(d.candidates[0].uri.size(), 8192u);
}

TEST(HostileBodyTest, ManyValidLinksAreAllConsidered) {
    std::string body = repeat("Join: https://meet.google.com/abc-defg-hij\n", 64 * 1024);
    Detection d = run(body, BodyType::Text);
    EXPECT_EQ(d.service, Service::GoogleMeet);
    EXPECT_EQ(d.candidates.size(), 1u);  // duplicates collapse
}

TEST(HostileBodyTest, NestedSafeLinksStopAtDepthCap) {
    std::string url = kZoomJoin;
    for (int i = 0; i < 12; ++i) url = safeLinks(url);
    Detection d = run("Join: " + url + "\r\n", BodyType::Text);
    ASSERT_FALSE(d.candidates.empty());
    EXPECT_EQ(d.candidates[0].gateways.size(), 5u);
    EXPECT_EQ(d.winner, -1);  // still wrapped after five layers
}

TEST(HostileBodyTest, OversizedBodyKeepsHeadAndTail) {
    std::string body = html(agendaHtml(1) + repeat("<p>filler text without links</p>", 3 * 1024 * 1024) + teamsHtml(kTeamsJoin));
    Detection d = run(body, BodyType::Html, 1024 * 1024);
    EXPECT_TRUE(d.truncated);
    EXPECT_EQ(d.service, Service::Teams);
    ASSERT_TRUE(d.uri.has_value());
    EXPECT_EQ(*d.uri, kTeamsJoin);
    // Positions refer to the whole body.
    EXPECT_GT(d.candidates[static_cast<std::size_t>(d.winner)].position, body.size() - 8192);
}

TEST(HostileBodyTest, QuoteMarkerInHeadQuotesTheTail) {
    std::string body = "Cancelled.\n-----Original Appointment-----\n" + repeat("x", 3 * 1024 * 1024) + zoomText();
    Detection d = run(body, BodyType::Text, 1024 * 1024);
    EXPECT_TRUE(d.truncated);
    EXPECT_EQ(d.winner, -1);
}

TEST(HostileBodyTest, InvalidUtf8AndNulBytesAreHarmless) {
    std::string body = "Join\xff\xfe\xc3 https://meet.google.com/abc-defg-hij";
    body += std::string(3, '\0');
    body += "\xe2\x80";
    Detection d = run(body, BodyType::Html);
    EXPECT_EQ(d.service, Service::GoogleMeet);
}

}  // namespace
}  // namespace calconn::detect
