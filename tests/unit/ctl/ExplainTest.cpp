// calconnctl explain: offline, prints the detector's decision as one JSON object or as text.
#include <gtest/gtest.h>

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <sstream>

#include "ctl/Ctl.h"

namespace calconn::ctl {
namespace {

struct CtlRun {
    int exit_code;
    std::string out;
    std::string err;
};

CtlRun ctl(std::vector<std::string> args) {
    std::ostringstream out;
    std::ostringstream err;
    // A config path that does not exist: explain then uses the built-in defaults.
    args.insert(args.begin(), {"--config", "/nonexistent/calconnd.yaml"});
    const int code = runCtl(args, out, err);
    return {code, out.str(), err.str()};
}

Poco::JSON::Object::Ptr parse(const std::string& text) {
    Poco::JSON::Parser parser;
    return parser.parse(text).extract<Poco::JSON::Object::Ptr>();
}

const std::string kFixtures = std::string(CALCONN_FIXTURES_DIR) + "/detect/";

TEST(Explain, KeywordWithoutLinkNamesWebexWithNullUri) {
    CtlRun run = ctl({"explain", "--location", "Room 4B; @webex", "--json"});
    ASSERT_EQ(run.exit_code, 0) << run.err;
    auto json = parse(run.out);
    EXPECT_EQ(json->getValue<std::string>("service"), "webex");
    EXPECT_TRUE(json->isNull("uri"));
    EXPECT_EQ(json->getValue<std::string>("keyword"), "@webex");
    EXPECT_TRUE(json->isArray("candidates"));
}

TEST(Explain, ZoomBehindProofpointIsUnwrappedWithItsDialString) {
    CtlRun run = ctl({"explain", "--location", "", "--body-file", kFixtures + "zoom-proofpoint.html",
                   "--body-type", "html", "--json"});
    ASSERT_EQ(run.exit_code, 0) << run.err;
    auto json = parse(run.out);
    EXPECT_EQ(json->getValue<std::string>("service"), "zoom");
    EXPECT_EQ(json->getValue<std::string>("uri").rfind("https://us02web.zoom.us/j/84412365098", 0), 0u);
    auto dial = json->getObject("dial");
    ASSERT_TRUE(dial);
    EXPECT_EQ(dial->getValue<std::string>("protocol"), "SIP");
    EXPECT_NE(dial->getValue<std::string>("number").find("@zoomcrc.com"), std::string::npos);
}

TEST(Explain, NoJoinTargetPrintsNullsAndTheTextFormExplains) {
    CtlRun json_run = ctl({"explain", "--location", "Room 4", "--body-file",
                        kFixtures + "no-join-target.html", "--json"});
    ASSERT_EQ(json_run.exit_code, 0);
    auto json = parse(json_run.out);
    EXPECT_TRUE(json->isNull("service"));
    EXPECT_TRUE(json->isNull("uri"));
    EXPECT_TRUE(json->isNull("dial"));

    CtlRun text_run = ctl({"explain", "--location", "Room 4", "--body-file",
                        kFixtures + "no-join-target.html"});
    ASSERT_EQ(text_run.exit_code, 0);
    EXPECT_FALSE(text_run.out.empty());
}

TEST(Explain, BadOptionsAreUsageErrorsAndMissingFilesFail) {
    EXPECT_EQ(ctl({"explain", "--body-type", "pdf"}).exit_code, kExitUsage);
    EXPECT_EQ(ctl({"explain", "--frobnicate"}).exit_code, kExitUsage);
    CtlRun missing = ctl({"explain", "--body-file", "/nonexistent/body.html"});
    EXPECT_EQ(missing.exit_code, kExitFailure);
    EXPECT_NE(missing.err.find("cannot read /nonexistent/body.html"), std::string::npos);
}

}  // namespace
}  // namespace calconn::ctl
