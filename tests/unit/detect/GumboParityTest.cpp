// The detector reads HTML with its own linear tokenizer (BodyReader). This test holds it to a real
// HTML5 parser: on every HTML body of the invitation builders and on tricky snippets, gumbo and
// BodyReader must find the same anchors (href, originalsrc) and the same visible text (compared
// without whitespace, after the same removal of invisible characters).
#include <gtest/gtest.h>
#include <gumbo.h>

#include <string>
#include <vector>

#include "Invitations.h"
#include "detect/BodyReader.h"

namespace calconn::detect {
namespace {

using namespace testing;  // NOLINT: the builders

struct Parsed {
    std::vector<std::string> hrefs;
    std::vector<std::string> originalsrcs;
    std::string text;
};

std::string normalise(std::string_view s) {
    std::string clean;
    appendDecoded(s, false, clean);  // drops soft hyphens / zero-width, nbsp -> space; no '&' remains
    std::string out;
    for (char c : clean) {
        if (c != ' ' && c != '\n' && c != '\r' && c != '\t' && c != '\f') out += c;
    }
    return out;
}

void walk(const GumboNode* node, Parsed& out) {
    if (node->type == GUMBO_NODE_TEXT || node->type == GUMBO_NODE_WHITESPACE || node->type == GUMBO_NODE_CDATA) {
        out.text += node->v.text.text;
        return;
    }
    if (node->type != GUMBO_NODE_ELEMENT) return;
    GumboTag tag = node->v.element.tag;
    if (tag == GUMBO_TAG_SCRIPT || tag == GUMBO_TAG_STYLE || tag == GUMBO_TAG_TITLE || tag == GUMBO_TAG_TEXTAREA ||
        tag == GUMBO_TAG_NOSCRIPT || tag == GUMBO_TAG_XMP) {
        return;
    }
    if (tag == GUMBO_TAG_A) {
        const GumboAttribute* href = gumbo_get_attribute(&node->v.element.attributes, "href");
        const GumboAttribute* orig = gumbo_get_attribute(&node->v.element.attributes, "originalsrc");
        if ((href && *href->value) || (orig && *orig->value)) {
            out.hrefs.push_back(href ? href->value : "");
            out.originalsrcs.push_back(orig ? orig->value : "");
        }
    }
    const GumboVector& children = node->v.element.children;
    for (unsigned i = 0; i < children.length; ++i) walk(static_cast<const GumboNode*>(children.data[i]), out);
}

Parsed withGumbo(const std::string& html) {
    GumboOutput* output = gumbo_parse_with_options(&kGumboDefaultOptions, html.data(), html.size());
    Parsed p;
    walk(output->root, p);
    gumbo_destroy_output(&kGumboDefaultOptions, output);
    std::string plain;
    for (const auto& h : p.hrefs) plain += h;
    p.text = normalise(p.text);
    for (auto& h : p.hrefs) h = [&] { std::string s; appendDecoded(h, true, s); return s; }();
    for (auto& h : p.originalsrcs) h = [&] { std::string s; appendDecoded(h, true, s); return s; }();
    return p;
}

Parsed withReader(const std::string& html) {
    BodyView v;
    readHtml(html, v);
    Parsed p;
    for (const auto& l : v.links) {
        p.hrefs.push_back(l.href);
        p.originalsrcs.push_back(l.originalsrc);
    }
    p.text = normalise(v.text);
    return p;
}

std::vector<std::string> bodies() {
    return {
        html(teamsHtml(kTeamsJoin, "contoso@m.webex.com")),
        html(teamsHtml(safeLinks(kTeamsJoin), {}, " originalsrc=\"" + htmlEscape(kTeamsJoin) + "\"")),
        html(agendaHtml(5) + zoomHtml()),
        html(webexHtml()),
        html("<p>Join with Google Meet: " + anchor(googleRedirect(kMeetJoin), "meet.google.com/abc-defg-hij") + "</p>"),
        html("<p>Join: https:&#47;&#47;zoom.us&#x2F;j&#47;84412365098?pwd=abc &amp; more &lt;x&gt; &quot;q&quot;</p>"),
        html("<p>Join: https://zoom.us/j/<wbr>84412365098?<wbr>pwd=abc</p>"),
        html("<p>https://meet.google.com/abc-&shy;defg-hij and \xE2\x80\x8Bzero&nbsp;width&#8203;</p>"),
        "<p title=\"a > b\"><a data-x='>' href=\"" + kZoomJoin + "\">Join Zoom Meeting</a></p>",
        "<P><A HREF=\"" + kWebexJoin + "\">Join meeting</A></P>",
        "<p><a href=https://meet.google.com/abc-defg-hij>Join</a> after</p>",
        "<!-- https://zoom.us/j/1 --><p>x</p><!--x-->y<!---->z",
        "<script>var u='<a href=\"x\">';</script><style>p{}</style><p>" + anchor(kWebexJoin, "Join") + "</p>",
        "<a href=\"https://x.example/?a=1&amp;b=2&copy=3&amp\">t</a>",
        "a < b <3 <<c</",
        "<div class=gmail_quote><blockquote>q <a href='https://meet.google.com/abc-defg-hij'>m</a></blockquote></div>",
        "<p>one<a href=\"https://a.example/1\">first<a href=\"https://a.example/2\">second</a></p>",
        "<table><tr><td>a</td><td>b</td></tr></table><ul><li>c</li></ul>",
    };
}

TEST(GumboParity, SameAnchorsAndVisibleText) {
    for (const auto& body : bodies()) {
        SCOPED_TRACE(body.substr(0, 200));
        Parsed g = withGumbo(body);
        Parsed r = withReader(body);
        EXPECT_EQ(r.hrefs, g.hrefs);
        EXPECT_EQ(r.originalsrcs, g.originalsrcs);
        EXPECT_EQ(r.text, g.text);
    }
}

}  // namespace
}  // namespace calconn::detect
