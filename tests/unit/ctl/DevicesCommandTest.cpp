#include <gtest/gtest.h>

#include <sstream>

#include "ctl/Ctl.h"
#include "ctl/DevicesCommand.h"

namespace calconn::ctl {
namespace {

TEST(DevicesCommand, RendersEveryDeviceWithStateAndLastError) {
    const std::string json =
        R"({"devices":[)"
        R"({"room":"room-4b@contoso.com","device":"codec","state":"ok",)"
        R"("last_push":"2026-03-02T09:00:00Z","last_attempt":"2026-03-02T09:00:00Z",)"
        R"("next_attempt":"2026-03-02T09:15:00Z","bookings":3,"pushes_ok":7,"pushes_failed":0,)"
        R"("consecutive_failures":0,"last_error":"","error_code":""},)"
        R"({"room":"room-4b@contoso.com","device":"panel","state":"failing","last_push":null,)"
        R"("last_attempt":"2026-03-02T09:00:05Z","next_attempt":"2026-03-02T09:00:25Z",)"
        R"("bookings":0,"pushes_ok":0,"pushes_failed":3,"consecutive_failures":3,)"
        R"("last_error":"unavailable: device unreachable","error_code":"unavailable"}]})";
    auto text = renderDevices(json);
    ASSERT_TRUE(text.ok()) << text.error().toString();
    EXPECT_NE(text->find("devices: 2 (1 failing)"), std::string::npos) << *text;
    EXPECT_NE(text->find("ROOM                 DEVICE  STATE"), std::string::npos) << *text;
    EXPECT_NE(text->find("room-4b@contoso.com  codec   ok            3         "
                         "2026-03-02T09:00:00Z  2026-03-02T09:15:00Z  -"),
              std::string::npos)
        << *text;
    EXPECT_NE(text->find("panel   failing (3x)  0         -                     "
                         "2026-03-02T09:00:25Z  unavailable: device unreachable"),
              std::string::npos)
        << *text;
    EXPECT_FALSE(renderDevices("not json").ok());
}

TEST(DevicesCommand, NoDevicesSaysWhereToAddThem) {
    auto text = renderDevices(R"({"devices":[]})");
    ASSERT_TRUE(text.ok());
    EXPECT_NE(text->find("mailboxes.rooms[].devices"), std::string::npos) << *text;
}

TEST(DevicesCommand, UsageErrors) {
    ASSERT_TRUE(parseCtlArguments({"devices"}).ok());
    std::ostringstream out, err;
    EXPECT_EQ(runCtl({"--socket", "/nonexistent/control.sock", "devices", "push"}, out, err),
              kExitUsage);
    EXPECT_NE(err.str().find("push needs exactly one room"), std::string::npos) << err.str();
    EXPECT_EQ(runCtl({"--socket", "/nonexistent/control.sock", "devices", "reboot"}, out, err),
              kExitUsage);
    EXPECT_EQ(runCtl({"--socket", "/nonexistent/control.sock", "devices", "list"}, out, err),
              kExitFailure);
    EXPECT_NE(err.str().find("is calconnd running?"), std::string::npos) << err.str();
}

}  // namespace
}  // namespace calconn::ctl
