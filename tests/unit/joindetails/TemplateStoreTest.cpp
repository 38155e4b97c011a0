#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <unistd.h>

#include "joindetails/PersonalRoom.h"
#include "joindetails/TemplateStore.h"
#include "TestSupport.h"

namespace calconn::joindetails {
namespace {

using testing::countOccurrences;

JoinDetails scheduled() {
    JoinDetails d;
    d.action = JoinAction::WebexMeeting;
    d.site = "acme";
    d.join_url = "https://acme.webex.com/acme/j.php?MTID=m1234&x=1";
    d.sip_address = "2640000001@acme.webex.com";
    d.meeting_number = "2640000001";
    d.password = "a<b>&\"c'";
    d.video_password = "12345678";
    d.access_code = "2640000001";
    d.call_in_numbers = {{"United States Toll", "+1-415-655-0001", "toll"},
                         {"Poland <Toll>", "+48-22-000-0000", "toll"}};
    return d;
}

const char* const kShipped[] = {"en-US", "pl-PL", "de-DE", "fr-FR", "es-ES",
                                "it-IT", "pt-BR", "nl-NL", "ja-JP", "zh-CN"};

TEST(TemplateStore, ShipsTenLocalesInBothVariants) {
    auto store = TemplateStore::shipped();
    auto locales = store.locales();
    EXPECT_EQ(locales.size(), 10u);
    auto room = personalRoomDetails("acme", "alice@example.com");
    ASSERT_TRUE(room.ok());
    for (const char* locale : kShipped) {
        EXPECT_EQ(store.resolveLocale(locale), locale);
        for (BodyType type : {BodyType::Html, BodyType::Text}) {
            for (const JoinDetails& d : {*room, scheduled()}) {
                std::string out = store.render(locale, type, d);
                EXPECT_TRUE(isValidUtf8(out)) << locale;
                EXPECT_EQ(out.find("{{"), std::string::npos) << locale << ": unrendered tag";
                EXPECT_NE(out.find(d.sip_address), std::string::npos) << locale;
                EXPECT_NE(out.find("acme.webex.com/"), std::string::npos) << locale;
            }
        }
    }
}

TEST(TemplateStore, EveryShippedTemplateParses) {
    for (const char* locale : kShipped) {
        for (const char* ext : {".html", ".txt"}) {
            std::ifstream in(std::string(CALCONN_SOURCE_DIR) + "/daemon/joindetails/templates/" +
                             locale + ext);
            std::stringstream text;
            text << in.rdbuf();
            EXPECT_TRUE(checkTemplate(text.str()).ok()) << locale << ext;
            EXPECT_TRUE(isValidUtf8(text.str())) << locale << ext;
        }
    }
}

TEST(TemplateStore, SpeaksTheOrganizersLanguage) {
    auto store = TemplateStore::shipped();
    auto d = scheduled();
    EXPECT_NE(store.render("en-US", BodyType::Text, d).find("Join the Webex meeting"), std::string::npos);
    EXPECT_NE(store.render("pl-PL", BodyType::Text, d).find("Dołącz do spotkania Webex"), std::string::npos);
    EXPECT_NE(store.render("de-DE", BodyType::Text, d).find("Am Webex-Meeting teilnehmen"), std::string::npos);
    EXPECT_NE(store.render("fr-FR", BodyType::Text, d).find("Rejoindre la réunion Webex"), std::string::npos);
    EXPECT_NE(store.render("ja-JP", BodyType::Text, d).find("Webex ミーティングに参加"), std::string::npos);
    EXPECT_NE(store.render("zh-CN", BodyType::Text, d).find("加入 Webex 会议"), std::string::npos);
    EXPECT_NE(store.render("pt-BR", BodyType::Text, d).find("Número da reunião"), std::string::npos);
}

TEST(TemplateStore, FallsBackToLanguageThenEnglish) {
    auto store = TemplateStore::shipped();
    EXPECT_EQ(store.resolveLocale("de-AT"), "de-DE");
    EXPECT_EQ(store.resolveLocale("de_ch"), "de-DE");
    EXPECT_EQ(store.resolveLocale("pt-PT"), "pt-BR");
    EXPECT_EQ(store.resolveLocale("fr-CA"), "fr-FR");
    EXPECT_EQ(store.resolveLocale("en-GB"), "en-US");
    EXPECT_EQ(store.resolveLocale("sv-SE"), "en-US");
    EXPECT_EQ(store.resolveLocale(""), "en-US");
    EXPECT_EQ(store.resolveLocale("PL-pl"), "pl-PL");
    EXPECT_EQ(store.resolveLocale("ja"), "ja-JP");
    EXPECT_NE(store.render("sv-SE", BodyType::Text, scheduled()).find("Join the Webex meeting"),
              std::string::npos);
}

TEST(TemplateStore, EscapesEverySubstitutedValueInHtml) {
    auto store = TemplateStore::shipped();
    std::string html = store.render("en-US", BodyType::Html, scheduled());
    EXPECT_NE(html.find("a&lt;b&gt;&amp;&quot;c&#39;"), std::string::npos);
    EXPECT_EQ(html.find("a<b>"), std::string::npos);
    EXPECT_NE(html.find("href=\"https://acme.webex.com/acme/j.php?MTID=m1234&amp;x=1\""), std::string::npos);
    EXPECT_NE(html.find("Poland &lt;Toll&gt;: +48-22-000-0000"), std::string::npos);
    EXPECT_NE(html.find("+1-415-655-0001<br>\nPoland"), std::string::npos);
    // Text stays text.
    std::string text = store.render("en-US", BodyType::Text, scheduled());
    EXPECT_NE(text.find("Password: a<b>&\"c'"), std::string::npos);
}

TEST(TemplateStore, NeverLinksANonHttpsUrl) {
    auto d = scheduled();
    d.join_url = "javascript:alert(1)";
    std::string html = TemplateStore::shipped().render("en-US", BodyType::Html, d);
    EXPECT_EQ(html.find("javascript"), std::string::npos);
}

TEST(TemplateStore, LeavesOutEmptySectionsAndTheirLines) {
    auto room = personalRoomDetails("acme", "alice@example.com");
    std::string text = TemplateStore::shipped().render("en-US", BodyType::Text, *room);
    EXPECT_EQ(text,
              "Join my Webex Personal Room\n"
              "https://acme.webex.com/meet/alice\n"
              "\n"
              "Join from a video system or application\n"
              "Dial alice@acme.webex.com\n"
              "\n"
              "Host: start the meeting from the link above and sign in with your Webex account.\n"
              "Guests: open the link or dial the video address; if the room is locked, the host "
              "admits you from the lobby.\n");
    EXPECT_EQ(text.find("Meeting number"), std::string::npos);
    EXPECT_EQ(text.find("Password"), std::string::npos);
}

TEST(TemplateRender, SupportsSectionsInvertedSectionsAndStandaloneLines) {
    TemplateValues v{{"a", {"1"}}, {"b", {""}}, {"list", {"x", "", "y"}}};
    EXPECT_EQ(renderTemplate("{{#a}}A{{/a}}{{#b}}B{{/b}}{{^b}}notB{{/b}}", v, false), "AnotB");
    EXPECT_EQ(renderTemplate("top\n  {{#b}}\nhidden\n{{/b}}\nend\n", v, false), "top\nend\n");
    EXPECT_EQ(renderTemplate("{{list}}", v, false), "x\ny");
    EXPECT_EQ(renderTemplate("{{ a }}{{missing}}", v, true), "1");
    EXPECT_FALSE(checkTemplate("{{#a}}x").ok());
    EXPECT_FALSE(checkTemplate("{{#a}}x{{/b}}").ok());
    EXPECT_FALSE(checkTemplate("{{a").ok());
    EXPECT_FALSE(checkTemplate("{{a b}}").ok());
    EXPECT_TRUE(checkTemplate("{{#a}}{{^b}}x{{/b}}{{/a}}").ok());
}

TEST(TemplateStore, AdminDirectoryOverridesPerLocale) {
    auto dir = std::filesystem::temp_directory_path() /
               ("calconn-jd-tmpl-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "de-DE.txt") << "Einwahl: {{join_url}}\n";
    std::ofstream(dir / "sv-SE.txt") << "Anslut: {{join_url}}\n";
    std::ofstream(dir / "README") << "ignored";
    auto store = TemplateStore::withOverrides(dir.string());
    ASSERT_TRUE(store.ok()) << store.error().toString();
    auto room = personalRoomDetails("acme", "alice@example.com");
    EXPECT_EQ(store->render("de-AT", BodyType::Text, *room), "Einwahl: https://acme.webex.com/meet/alice\n");
    EXPECT_EQ(store->render("sv-SE", BodyType::Text, *room), "Anslut: https://acme.webex.com/meet/alice\n");
    // Only the text variant was overridden; HTML keeps the shipped German, and Swedish HTML
    // falls back to English.
    EXPECT_NE(store->render("de-DE", BodyType::Html, *room).find("persönlichen"), std::string::npos);
    EXPECT_NE(store->render("sv-SE", BodyType::Html, *room).find("Join my Webex"), std::string::npos);

    std::ofstream(dir / "fr-FR.html") << "{{#join_url}}broken";
    auto bad = TemplateStore::withOverrides(dir.string());
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().code, common::ErrorCode::Config);
    std::filesystem::remove(dir / "fr-FR.html");
    std::ofstream(dir / "it-IT.txt") << "\xC3\x28";
    EXPECT_FALSE(TemplateStore::withOverrides(dir.string()).ok());
    std::filesystem::remove_all(dir);

    EXPECT_TRUE(TemplateStore::withOverrides((dir / "absent").string()).ok());
}

TEST(Utf8, RejectsMalformedSequences) {
    EXPECT_TRUE(isValidUtf8("zażółć 会议"));
    EXPECT_FALSE(isValidUtf8("\xC0\xAF"));
    EXPECT_FALSE(isValidUtf8("\xED\xA0\x80"));
    EXPECT_FALSE(isValidUtf8("\xE4\xBC"));
}

}  // namespace
}  // namespace calconn::joindetails
