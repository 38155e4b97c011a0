#include <gtest/gtest.h>

#include "detect/BodyReader.h"

namespace calconn::detect {
namespace {

BodyView readH(std::string_view html) {
    BodyView v;
    readHtml(html, v);
    return v;
}

TEST(BodyReader, DecodesEntitiesInTextAndAttributes) {
    BodyView v = readH("<p>a&amp;b &lt;c&gt; &#65;&#x42; &quot;q&quot; &sol;&colon;</p>"
                       "<a href=\"https://x.example/?a=1&amp;b=2&copy=3&amp\">t</a>");
    EXPECT_EQ(v.text, "a&b <c> AB \"q\" /:\nt");
    ASSERT_EQ(v.links.size(), 1u);
    EXPECT_EQ(v.links[0].href, "https://x.example/?a=1&b=2&copy=3&");
}

TEST(BodyReader, DropsInvisibleCharactersAndWbr) {
    BodyView v = readH("ab<wbr>cd&shy;ef\xC2\xAD" "gh\xE2\x80\x8Bij&#8203;kl&ZeroWidthSpace;mn\xEF\xBB\xBFop&nbsp;q");
    EXPECT_EQ(v.text, "abcdefghijklmnop q");
}

TEST(BodyReader, SkipsCommentsScriptsStylesAndTitle) {
    BodyView v = readH("<head><title>T https://a</title><style>a{}</style></head><!-- c --><script>x<y</script>"
                       "<p>visible</p><!--unterminated");
    EXPECT_EQ(v.text, "visible\n");
}

TEST(BodyReader, QuotedAttributeMayContainGreaterThan) {
    BodyView v = readH("<p title=\"a>b\" data-x='<a href=\"no\">'>text</p><a href=yes>y</a>");
    EXPECT_EQ(v.text, "text\ny");
    ASSERT_EQ(v.links.size(), 1u);
    EXPECT_EQ(v.links[0].href, "yes");
}

TEST(BodyReader, RecordsOriginalSrcAndAnchorText) {
    BodyView v = readH("<p>x <A HREF='https://w.example/' originalsrc='https://o.example/?a=1&amp;b'>Join <b>now</b></A></p>");
    ASSERT_EQ(v.links.size(), 1u);
    EXPECT_EQ(v.links[0].originalsrc, "https://o.example/?a=1&b");
    EXPECT_EQ(v.text.substr(v.links[0].text_begin, v.links[0].text_end - v.links[0].text_begin), "Join now");
}

TEST(BodyReader, MapsTextOffsetsBackToTheBody) {
    std::string html = "<div>ab&amp;cd</div><p>ef</p>";
    BodyView v = readH(html);
    EXPECT_EQ(v.text, "ab&cd\nef\n");
    EXPECT_EQ(v.rawPos(0), 5u);
    EXPECT_EQ(v.rawPos(3), html.find("cd"));
    EXPECT_EQ(v.rawPos(6), html.find("ef"));
}

TEST(BodyReader, FindsQuoteMarkers) {
    BodyView v = readH("<p>new</p><div id=\"divRplyFwdMsg\"><b>From:</b> x</div><p>old</p>");
    EXPECT_EQ(v.quote_start, 4u);
    BodyView b = readH("<p>a</p><blockquote>q<blockquote>qq</blockquote></blockquote><p>b</p>");
    ASSERT_EQ(b.quoted_ranges.size(), 1u);
    EXPECT_TRUE(b.isQuoted(b.text.find('q')));
    EXPECT_FALSE(b.isQuoted(b.text.find('b')));
    EXPECT_EQ(findQuoteMarker("hello\nFrom: Bob\nSent: Monday\n"), 6u);
    EXPECT_EQ(findQuoteMarker("From: is a label\nnothing else"), BodyView::kNone);
    EXPECT_EQ(findQuoteMarker("x\n-----Original Appointment-----\n"), 2u);
}

TEST(BodyReader, TextLessThanWithoutTagIsText) {
    BodyView v = readH("a < b <3 <<c</");
    EXPECT_EQ(v.text, "a < b <3 <");  // "<c</" opens a tag that EOF drops (HTML5)
}

TEST(BodyReader, UnterminatedTagAtEndIsDropped) {
    BodyView v = readH("text<a href=\"https://x");
    EXPECT_EQ(v.text, "text");
    EXPECT_TRUE(v.links.empty());
}

}  // namespace
}  // namespace calconn::detect
