#include <gtest/gtest.h>

#include <sstream>

#include "ctl/Ctl.h"
#include "ctl/PresenceCommand.h"

namespace calconn::ctl {
namespace {

TEST(PresenceCommand, RendersUsersAndSinks) {
    const std::string json =
        R"({"poll_interval_seconds":300,"include_reply_message":false,"users":[)"
        R"({"upn":"ada@contoso.com","state":"out_of_office","from":"2026-03-02T09:00:00Z",)"
        R"("until":"2026-03-02T11:00:00Z","last_poll":"2026-03-02T09:10:00Z","error":""},)"
        R"({"upn":"bob@contoso.com","state":"unknown","from":null,"until":null,"last_poll":null,)"
        R"("error":"unavailable: graph unreachable"}],)"
        R"("sinks":[{"name":"https://hooks.example.com/presence","pending":1,"delivered":4,)"
        R"("failures":2,"error":"unavailable: connection refused"}]})";
    auto text = renderPresence(json);
    ASSERT_TRUE(text.ok()) << text.error().toString();
    EXPECT_NE(text->find("poll interval: 300s, reply message left out"), std::string::npos)
        << *text;
    EXPECT_NE(text->find("users: 2"), std::string::npos);
    EXPECT_NE(
        text->find("ada@contoso.com  out_of_office  2026-03-02T09:00:00Z  2026-03-02T11:00:00Z"),
        std::string::npos)
        << *text;
    EXPECT_NE(text->find("bob@contoso.com  unknown        -"), std::string::npos) << *text;
    EXPECT_NE(text->find("https://hooks.example.com/presence  1        4          2"),
              std::string::npos)
        << *text;
    EXPECT_FALSE(renderPresence("not json").ok());
}

TEST(PresenceCommand, IsAVerbWithOnlyJsonAsOption) {
    auto parsed = parseCtlArguments({"presence", "--json"});
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(parsed->verb, "presence");
    std::ostringstream out, err;
    EXPECT_EQ(runCtl({"--socket", "/nonexistent/control.sock", "presence", "--all"}, out, err),
              kExitUsage);
    EXPECT_NE(err.str().find("unknown option '--all'"), std::string::npos);
    EXPECT_EQ(runCtl({"--socket", "/nonexistent/control.sock", "presence"}, out, err),
              kExitFailure);
    EXPECT_NE(err.str().find("is calconnd running?"), std::string::npos);
}

}  // namespace
}  // namespace calconn::ctl
