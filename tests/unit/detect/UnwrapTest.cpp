#include <gtest/gtest.h>

#include "Invitations.h"
#include "detect/Unwrap.h"
#include "detect/Url.h"

namespace calconn::detect {
namespace {

using namespace testing;  // NOLINT: the builders

TEST(Unwrap, SafeLinksDecodesOnceAndDropsDataTail) {
    Unwrapped u = unwrapUrl(safeLinks(kTeamsJoin));
    EXPECT_EQ(u.url, kTeamsJoin);  // the Teams escapes (%3a, %7b) stay as they were
    ASSERT_EQ(u.gateways.size(), 1u);
    EXPECT_EQ(u.gateways[0], "safelinks");
}

TEST(Unwrap, SafeLinksRegionsAndGovernmentClouds) {
    for (const char* host : {"nam02.safelinks.protection.outlook.com", "eur06.safelinks.protection.outlook.com",
                             "apc01.safelinks.protection.outlook.com", "gcc02.safelinks.protection.office365.us",
                             "usg02.safelinks.protection.office365.us"}) {
        EXPECT_EQ(unwrapUrl(safeLinks(kZoomJoin, host)).url, kZoomJoin) << host;
    }
}

TEST(Unwrap, NestedLayersAreRemovedInOrder) {
    Unwrapped u = unwrapUrl(barracuda(safeLinks(proofpointV2(kWebexJoin))));
    EXPECT_EQ(u.url, kWebexJoin);
    ASSERT_EQ(u.gateways.size(), 3u);
    EXPECT_EQ(u.gateways[0], "barracuda");
    EXPECT_EQ(u.gateways[1], "safelinks");
    EXPECT_EQ(u.gateways[2], "proofpoint-v2");
}

TEST(Unwrap, ProofpointV1V2V3) {
    EXPECT_EQ(unwrapUrl(proofpointV1(kZoomJoin)).url, kZoomJoin);
    EXPECT_EQ(unwrapUrl(proofpointV2(kTeamsJoin)).url, kTeamsJoin);
    EXPECT_EQ(unwrapUrl(proofpointV3(kTeamsJoin)).url, kTeamsJoin);
    EXPECT_EQ(unwrapUrl(proofpointV2("https://a.example/x-y_z?q=1")).url, "https://a.example/x-y_z?q=1");
}

TEST(Unwrap, ProofpointV3SingleRunAndUtf8Replacements) {
    EXPECT_EQ(decodeProofpointV3("https://example.com/?a=1*26b=2__;JQ!!x!y$"), "https://example.com/?a=1%26b=2");
    EXPECT_EQ(decodeProofpointV3("https://x.example/ab**Acd__;JSUl!!x$"), "https://x.example/ab%%cd");
    EXPECT_EQ(decodeProofpointV3("https://x.example/caf*__;w6k!!x$"), "https://x.example/caf\xC3\xA9");
    EXPECT_EQ(decodeProofpointV3("https://x.example/plain__;!!x$"), "https://x.example/plain");
    EXPECT_EQ(decodeProofpointV3("https://x.example/*__;!!x$"), "");  // more '*' than replacements
}

TEST(Unwrap, CiscoBarracudaGoogle) {
    EXPECT_EQ(unwrapUrl(ciscoSecure(kZoomJoin)).url, kZoomJoin);
    EXPECT_EQ(unwrapUrl(barracuda(kMeetJoin)).url, kMeetJoin);
    EXPECT_EQ(unwrapUrl(googleRedirect(kZoomJoin)).url, kZoomJoin);
    EXPECT_EQ(unwrapUrl("https://www.google.com/url?q=https://meet.google.com/abc-defg-hij&sa=D").url, kMeetJoin);
}

TEST(Unwrap, MimecastStaysWrappedWithDomain) {
    Unwrapped u = unwrapUrl(mimecast("us02web.zoom.us"));
    EXPECT_TRUE(u.unresolved);
    EXPECT_EQ(u.mimecast_domain, "us02web.zoom.us");
    EXPECT_EQ(u.url, mimecast("us02web.zoom.us"));
}

TEST(Unwrap, PlainUrlIsUntouched) {
    Unwrapped u = unwrapUrl(kZoomJoin);
    EXPECT_EQ(u.url, kZoomJoin);
    EXPECT_TRUE(u.gateways.empty());
}

TEST(Unwrap, DepthCapAndNoProgress) {
    std::string url = kMeetJoin;
    for (int i = 0; i < 8; ++i) url = safeLinks(url);
    Unwrapped u = unwrapUrl(url, 3);
    EXPECT_EQ(u.gateways.size(), 3u);
    EXPECT_NE(u.url, kMeetJoin);
    EXPECT_EQ(unwrapUrl("https://www.google.com/url?q=").gateways.size(), 0u);
}

TEST(Url, HostUnderChecksLabelBoundary) {
    EXPECT_TRUE(hostUnder("zoom.us", "zoom.us"));
    EXPECT_TRUE(hostUnder("acme.zoom.us", "zoom.us"));
    EXPECT_FALSE(hostUnder("notzoom.us", "zoom.us"));
    EXPECT_FALSE(hostUnder("zoom.us.evil.example", "zoom.us"));
}

TEST(Url, PercentDecodeKeepsMalformedEscapes) {
    EXPECT_EQ(percentDecode("a%2Fb%zz%4"), "a/b%zz%4");
    EXPECT_EQ(percentDecode("%3a%3A"), "::");
}

TEST(Url, ClassifyExplainsNonJoinPaths) {
    EXPECT_FALSE(classifyUri("https://zoom.us/u/abc").joinable);
    EXPECT_EQ(classifyUri("https://zoom.us/u/abc").why, "Zoom /u/ page lists local numbers");
    EXPECT_NE(classifyUri("https://zoom.us.evil.example/j/1").why.find("look-alike"), std::string::npos);
    EXPECT_TRUE(classifyUri("https://zoom.us/j/84412365098?pwd=x").has_credentials);
    EXPECT_FALSE(classifyUri("https://zoom.us/j/84412365098").has_credentials);
    EXPECT_EQ(classifyUri("https://zoom.us/j/84412365098").meeting_key, "zoom:84412365098");
    EXPECT_EQ(classifyUri("sip:123@acme.webex.com;transport=tls").normalised, "sip:123@acme.webex.com");
}

}  // namespace
}  // namespace calconn::detect
