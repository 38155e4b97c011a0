#include <gtest/gtest.h>

#include "joindetails/BodyBlock.h"
#include "TestSupport.h"

namespace calconn::joindetails {
namespace {

using testing::countOccurrences;
using testing::readFixture;

const std::string kBlock = "<p>Join: <a href=\"https://acme.webex.com/meet/alice\">link</a></p>\n";
const std::string kBlock2 = "<p>Join: <a href=\"https://acme.webex.com/acme/j.php?MTID=m1\">new</a></p>\n";

TEST(BodyBlock, InsertsBeforeBodyEndInOutlookHtmlKeepingEverythingElse) {
    std::string original = readFixture("outlook-event.html");
    ASSERT_FALSE(original.empty());
    std::string out = insertBlock(original, BodyType::Html, kBlock);
    auto close = out.rfind("</body>");
    auto block = out.find("<!-- calconn:join-details:begin -->");
    ASSERT_NE(block, std::string::npos);
    EXPECT_LT(block, close);
    EXPECT_GT(block, out.find("Thanks,<br>Alice"));
    EXPECT_NE(out.find("<div id=\"calconn-join-details\" class=\"calconn-join-details\">"), std::string::npos);
    // Taking it out gives back the byte-identical original.
    EXPECT_EQ(removeBlock(out, BodyType::Html), original);
    auto range = findBlock(out, BodyType::Html);
    ASSERT_TRUE(range);
    std::string found = out.substr(range->begin, range->end - range->begin);
    EXPECT_EQ(found, wrapBlock(kBlock, BodyType::Html));
}

TEST(BodyBlock, InsertingAgainReplacesSoThereIsExactlyOne) {
    std::string body = readFixture("outlook-event.html");
    std::string once = insertBlock(body, BodyType::Html, kBlock);
    std::string twice = insertBlock(once, BodyType::Html, kBlock);
    EXPECT_EQ(once, twice);
    std::string replaced = replaceBlock(twice, BodyType::Html, kBlock2);
    EXPECT_EQ(countOccurrences(replaced, "calconn:join-details:begin"), 1u);
    EXPECT_NE(replaced.find("MTID=m1"), std::string::npos);
    EXPECT_EQ(replaced.find("meet/alice"), std::string::npos);
}

TEST(BodyBlock, UserEditsAroundTheBlockSurviveReplaceAndRemove) {
    std::string body = insertBlock(readFixture("outlook-event.html"), BodyType::Html, kBlock);
    // The user adds a line before and after the block in Outlook.
    std::string edited = body;
    edited.insert(edited.find("<!-- calconn:join-details:begin"), "<p>Parking: level -2</p>\n");
    edited.insert(edited.find("</body>"), "<p>Dress code: casual</p>\n");
    std::string replaced = replaceBlock(edited, BodyType::Html, kBlock2);
    EXPECT_NE(replaced.find("Parking: level -2"), std::string::npos);
    EXPECT_NE(replaced.find("Dress code: casual"), std::string::npos);
    EXPECT_NE(replaced.find("MTID=m1"), std::string::npos);
    std::string removed = removeBlock(replaced, BodyType::Html);
    EXPECT_FALSE(hasBlock(removed, BodyType::Html));
    EXPECT_NE(removed.find("Parking: level -2"), std::string::npos);
    EXPECT_NE(removed.find("Dress code: casual"), std::string::npos);
    EXPECT_NE(removed.find("Budget &amp; headcount"), std::string::npos);
}

TEST(BodyBlock, FindsTheBlockAfterOutlookDroppedCommentsAndUnquotedAttributes) {
    std::string body = readFixture("outlook-reformatted.html");
    ASSERT_TRUE(hasBlock(body, BodyType::Html));
    std::string removed = removeBlock(body, BodyType::Html);
    EXPECT_EQ(removed.find("acme.webex.com"), std::string::npos);
    EXPECT_NE(removed.find("P.S. bring the slides"), std::string::npos);
    EXPECT_NE(removed.find("edited by Alice"), std::string::npos);
    EXPECT_NE(removed.find("</div>\n</body>"), std::string::npos);  // WordSection1 still closed
    std::string replaced = replaceBlock(body, BodyType::Html, kBlock2);
    EXPECT_EQ(countOccurrences(replaced, "id=\"calconn-join-details\""), 1u);
    EXPECT_EQ(countOccurrences(replaced, "id=calconn-join-details"), 0u);
    EXPECT_EQ(replaced.find("meet/alice"), std::string::npos);
    EXPECT_NE(replaced.find("P.S. bring the slides"), std::string::npos);
}

TEST(BodyBlock, FindsCommentMarkersWhateverTheirCaseAndSpacing) {
    std::string body = "<html><body><p>x</p><!--CALCONN:JOIN-DETAILS:BEGIN   -->"
                       "<p>old</p><!--  calconn:join-details:end--></body></html>";
    ASSERT_TRUE(hasBlock(body, BodyType::Html));
    EXPECT_EQ(removeBlock(body, BodyType::Html), "<html><body><p>x</p></body></html>");
}

TEST(BodyBlock, DuplicatedBlocksCollapseToOne) {
    std::string one = wrapBlock(kBlock, BodyType::Html);
    std::string body = "<html><body><p>a</p>" + one + "<p>b</p>" + one + "</body></html>";
    EXPECT_EQ(findBlocks(body, BodyType::Html).size(), 2u);
    std::string out = insertBlock(body, BodyType::Html, kBlock2);
    EXPECT_EQ(findBlocks(out, BodyType::Html).size(), 1u);
    EXPECT_NE(out.find("<p>a</p>"), std::string::npos);
    EXPECT_NE(out.find("<p>b</p>"), std::string::npos);
}

TEST(BodyBlock, HtmlWithoutBodyTagGetsTheBlockAppended) {
    std::string out = insertBlock("<p>hello</p>", BodyType::Html, kBlock);
    EXPECT_EQ(out.rfind("<p>hello</p>\n<!-- calconn", 0), 0u);
    EXPECT_EQ(removeBlock(out, BodyType::Html), "<p>hello</p>");
}

TEST(BodyBlock, UnterminatedMarkerIsNotABlock) {
    std::string body = "<html><body><!-- calconn:join-details:begin --><p>x</p></body></html>";
    EXPECT_FALSE(hasBlock(body, BodyType::Html));
    EXPECT_EQ(removeBlock(body, BodyType::Html), body);
    // A marked div that never closes is left alone too.
    std::string open_div = "<body><div id=calconn-join-details><p>x</p></body>";
    EXPECT_FALSE(hasBlock(open_div, BodyType::Html));
}

TEST(BodyBlock, VisibleTextMentioningTheMarkerNameIsNotABlock) {
    std::string body = "<body><p>the id calconn-join-details is ours</p></body>";
    EXPECT_FALSE(hasBlock(body, BodyType::Html));
}

TEST(BodyBlock, TextBodiesUseDelimiterLines) {
    std::string original = readFixture("event-body.txt");
    std::string block = "Join my Webex Personal Room\nhttps://acme.webex.com/meet/alice\n";
    std::string out = insertBlock(original, BodyType::Text, block);
    EXPECT_EQ(out, original + "\n=== calconn:join-details:begin ===\n" + block +
                       "=== calconn:join-details:end ===\n");
    EXPECT_EQ(insertBlock(out, BodyType::Text, block), out);
    EXPECT_EQ(removeBlock(out, BodyType::Text), original);
    // The user types below the block; a replace keeps it.
    std::string edited = out + "See you there!\n";
    std::string replaced = replaceBlock(edited, BodyType::Text, "new details\n");
    EXPECT_NE(replaced.find("See you there!"), std::string::npos);
    EXPECT_NE(replaced.find("new details"), std::string::npos);
    EXPECT_EQ(replaced.find("meet/alice"), std::string::npos);
}

TEST(BodyBlock, TextBlockSurvivesCrLfLineEnds) {
    std::string body = "Agenda\r\n\r\n=== calconn:join-details:begin ===\r\nold\r\n"
                       "=== calconn:join-details:end ===\r\nafter\r\n";
    ASSERT_TRUE(hasBlock(body, BodyType::Text));
    EXPECT_EQ(removeBlock(body, BodyType::Text), "Agenda\r\nafter\r\n");
}

TEST(BodyBlock, HostileBodiesCostLinearTime) {
    // Quadratic scanning would take minutes on these; linear takes milliseconds.
    std::string names;
    for (int i = 0; i < 30000; ++i) names += "calconn-join-details ";
    std::string unclosed_tag = "<div " + names;
    std::string no_tags = names;
    std::string begins;
    for (int i = 0; i < 20000; ++i) begins += "<!-- calconn:join-details:begin -->";
    std::string many_divs;
    for (int i = 0; i < 20000; ++i) many_divs += "<div class=calconn-join-details>";
    for (const std::string* body : {&unclosed_tag, &no_tags, &begins, &many_divs}) {
        EXPECT_FALSE(hasBlock(*body, BodyType::Html));
        EXPECT_EQ(removeBlock(*body, BodyType::Html).size(), body->size());
    }
    std::string text_begins;
    for (int i = 0; i < 30000; ++i) text_begins += "=== calconn:join-details:begin ===\n";
    EXPECT_FALSE(hasBlock(text_begins, BodyType::Text));
}

TEST(BodyBlock, EmptyBodies) {
    EXPECT_EQ(insertBlock("", BodyType::Text, "x\n"),
              "=== calconn:join-details:begin ===\nx\n=== calconn:join-details:end ===\n");
    EXPECT_EQ(removeBlock("", BodyType::Html), "");
    EXPECT_FALSE(hasBlock("", BodyType::Text));
}

}  // namespace
}  // namespace calconn::joindetails
