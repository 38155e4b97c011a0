// The devices' control-socket routes and the detector options calconnd derives from settings.
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>

#include "app/CachedMeetings.h"
#include "app/DeviceRoutes.h"

namespace calconn::app {
namespace {

using namespace std::chrono_literals;

api::ApiRequest request(const std::string& method, const std::string& path) {
    api::ApiRequest r;
    r.method = method;
    r.path = path;
    return r;
}

Poco::JSON::Object::Ptr parse(const std::string& text) {
    Poco::JSON::Parser parser;
    return parser.parse(text).extract<Poco::JSON::Object::Ptr>();
}

TEST(DevicesToJson, EveryFieldOfAPushedAFailingAndABrokenDevice) {
    const common::TimePoint at = std::chrono::sys_days{std::chrono::year{2026} / 3 / 2} + 9h;
    devices::DeviceStatus ok;
    ok.room = "room-4b@contoso.com";
    ok.device = "codec";
    ok.state.last_push = at;
    ok.state.last_attempt = at;
    ok.state.next_due = at + 15min;
    ok.state.bookings_pushed = 3;
    ok.state.pushes_ok = 2;
    devices::DeviceStatus failing = ok;
    failing.device = "panel";
    failing.state.last_error =
        common::makeError(common::ErrorCode::Unavailable, "device unreachable", "127.0.0.1:9");
    failing.state.consecutive_failures = 2;
    failing.state.pushes_failed = 2;
    devices::DeviceStatus broken;
    broken.room = "room-4b@contoso.com";
    broken.device = "board";
    broken.setup_error = common::makeError(common::ErrorCode::Config, "cannot read the secret file");

    auto list = parse(devicesToJson({ok, failing, broken}))->getArray("devices");
    ASSERT_EQ(list->size(), 3u);
    auto first = list->getObject(0);
    EXPECT_EQ(first->getValue<std::string>("room"), "room-4b@contoso.com");
    EXPECT_EQ(first->getValue<std::string>("device"), "codec");
    EXPECT_EQ(first->getValue<std::string>("state"), "ok");
    EXPECT_EQ(first->getValue<std::string>("last_push"), "2026-03-02T09:00:00Z");
    EXPECT_EQ(first->getValue<std::string>("next_attempt"), "2026-03-02T09:15:00Z");
    EXPECT_EQ(first->getValue<int>("bookings"), 3);
    EXPECT_EQ(first->getValue<int>("pushes_ok"), 2);
    EXPECT_EQ(first->getValue<std::string>("last_error"), "");
    auto second = list->getObject(1);
    EXPECT_EQ(second->getValue<std::string>("state"), "failing");
    EXPECT_EQ(second->getValue<int>("consecutive_failures"), 2);
    EXPECT_EQ(second->getValue<std::string>("error_code"), "unavailable");
    EXPECT_NE(second->getValue<std::string>("last_error").find("device unreachable"),
              std::string::npos);
    auto third = list->getObject(2);
    EXPECT_EQ(third->getValue<std::string>("state"), "failing");
    EXPECT_TRUE(third->isNull("last_push"));
    EXPECT_TRUE(third->isNull("next_attempt"));
    EXPECT_EQ(third->getValue<std::string>("error_code"), "config");
}

TEST(DeviceRoutes, WithoutSyncTheRoutesSayWhy) {
    api::Router router;
    addDeviceRoutes(router, nullptr);
    auto list = router.dispatch(request("GET", "/v1/devices"));
    EXPECT_EQ(list.status, 503);
    EXPECT_NE(list.body.find("sync is not configured"), std::string::npos);
    EXPECT_EQ(router.dispatch(request("POST", "/v1/devices/room@contoso.com/push")).status, 503);
}

class RecordingDriver final : public devices::DeviceDriver {
public:
    explicit RecordingDriver(std::string name) : name_(std::move(name)) {}
    const std::string& name() const override { return name_; }
    common::Status push(std::string_view, const std::vector<devices::DeviceBooking>&) override {
        return {};
    }
    common::TimePoint nextAllowed() const override { return common::TimePoint{}; }

private:
    std::string name_;
};

TEST(DeviceRoutes, ListsTheRunnersDevicesAndPushesARoomOnDemand) {
    settings::Settings s;
    settings::RoomSettings room;
    room.mailbox = "room-4b@contoso.com";
    settings::DeviceSettings codec;
    codec.name = "codec";
    codec.type = "roomos";
    codec.url = "https://10.0.0.1";
    room.devices = {codec};
    s.mailboxes.rooms = {room};
    common::SystemClock clock;
    devices::DeviceRunner::Options options;
    options.make_driver = [](const settings::DeviceSettings& d, const common::Clock&)
        -> common::Result<std::unique_ptr<devices::DeviceDriver>> {
        return std::unique_ptr<devices::DeviceDriver>(std::make_unique<RecordingDriver>(d.name));
    };
    devices::DeviceRunner runner(
        s, clock, clock,
        [](const std::string&) -> common::Result<std::vector<devices::BookingInput>> {
            return std::vector<devices::BookingInput>{};
        },
        options);
    api::Router router;
    addDeviceRoutes(router, &runner);

    auto list = router.dispatch(request("GET", "/v1/devices"));
    ASSERT_EQ(list.status, 200);
    auto devices = parse(list.body)->getArray("devices");
    ASSERT_EQ(devices->size(), 1u);
    EXPECT_EQ(devices->getObject(0)->getValue<std::string>("device"), "codec");
    EXPECT_EQ(devices->getObject(0)->getValue<std::string>("state"), "pending");

    auto pushed = router.dispatch(request("POST", "/v1/devices/Room-4B@contoso.com/push"));
    EXPECT_EQ(pushed.status, 200);
    EXPECT_NE(pushed.body.find("push to 1 device of Room-4B@contoso.com scheduled"),
              std::string::npos)
        << pushed.body;
    auto unknown = router.dispatch(request("POST", "/v1/devices/hall@contoso.com/push"));
    EXPECT_EQ(unknown.status, 404);
    EXPECT_NE(unknown.body.find("no device"), std::string::npos) << unknown.body;
}

TEST(DetectorOptionsFor, ConfiguredKeywordsReplaceTheDefaultsAndTheBodyCapFollows) {
    settings::Settings s;
    s.detect.max_body_size = 4096;
    auto defaults = detectorOptionsFor(s);
    EXPECT_EQ(defaults.max_body_size, 4096u);
    EXPECT_EQ(defaults.keywords.size(), detect::DetectorOptions{}.keywords.size());

    settings::KeywordSettings zoomish;
    zoomish.keyword = "@video";
    zoomish.action = "webex_meeting";
    s.keywords = {zoomish};
    auto configured = detectorOptionsFor(s);
    ASSERT_EQ(configured.keywords.size(), 1u);
    EXPECT_EQ(configured.keywords[0].text, "@video");
}

}  // namespace
}  // namespace calconn::app
