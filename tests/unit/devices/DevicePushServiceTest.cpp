// The push loop end to end against an in-process roomsim, time from a FakeClock.
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>

#include <memory>

#include "RoomSim.h"
#include "Server.h"
#include "common/Metrics.h"
#include "devices/DevicePushService.h"
#include "devices/roomos/RoomOsDevice.h"
#include "net/PocoHttpClient.h"

namespace calconn::devices {
namespace {

using namespace std::chrono_literals;

const core::UtcSeconds kNow = std::chrono::sys_days{std::chrono::year{2026} / 3 / 2} + 8h;
const std::string kRoom = "room-4b@contoso.com";

BookingInput meeting(const std::string& uid, std::chrono::hours from_now,
                     const std::string& subject) {
    BookingInput in;
    in.meeting.id = "id-" + uid;
    in.meeting.ical_uid = uid;
    in.meeting.start = kNow + from_now;
    in.meeting.end = in.meeting.start + 30min;
    in.meeting.subject = subject;
    in.meeting.organizer = {"Ada Lovelace", "ada@contoso.com"};
    in.join = core::JoinTarget{core::JoinService::Webex, "https://acme.webex.com/meet/ada",
                               "ada@acme.webex.com", "sip", "webex"};
    return in;
}

class DevicePushServiceTest : public ::testing::Test {
protected:
    void SetUp() override {
        sim_ = std::make_unique<roomsim::RoomSim>(
            roomsim::RoomSimOptions{{{"calconn", "pw", "Admin"}}}, clock_);
        server_ = std::make_unique<roomsim::Server>(
            *sim_,
            roomsim::ServerConfig{0, std::string(CALCONN_FIXTURES_DIR) + "/certs/server.pem",
                                  std::string(CALCONN_FIXTURES_DIR) + "/certs/server.key", 2});
        ASSERT_TRUE(server_->start().ok());
        net::PocoHttpClientOptions options;
        options.tls.ca_file = std::string(CALCONN_FIXTURES_DIR) + "/certs/test-ca.pem";
        options.read_timeout = 5s;
        auto client = net::PocoHttpClient::create(options);
        ASSERT_TRUE(client.ok());
        http_ = std::move(client).value();

        PushSchedulerOptions scheduling;
        scheduling.debounce = 500ms;
        scheduling.backoff_initial = 5s;
        service_ = std::make_unique<DevicePushService>(
            settings::DevicesSettings{}, scheduling, clock_,
            [this](const std::string& room) -> common::Result<std::vector<BookingInput>> {
                if (source_fails_) {
                    return common::makeError(common::ErrorCode::Storage, "store closed");
                }
                if (not_synced_) return roomNotSyncedYet(room);
                EXPECT_EQ(room, kRoom);
                return meetings_;
            });
        roomos::RoomOsDeviceConfig config;
        config.name = "codec";
        config.base_url = server_->baseUrl();
        config.username = "calconn";
        config.password = "pw";
        service_->addDevice(kRoom, std::make_unique<roomos::RoomOsDevice>(config, *http_, clock_));
    }

    std::vector<std::string> heldTitles() {
        Poco::JSON::Parser parser;
        auto list = parser.parse(sim_->bookingsJson()).extract<Poco::JSON::Array::Ptr>();
        std::vector<std::string> out;
        for (std::size_t i = 0; i < list->size(); ++i) {
            out.push_back(
                list->getObject(static_cast<unsigned>(i))->getValue<std::string>("Title"));
        }
        return out;
    }

    common::FakeClock clock_{kNow};
    std::unique_ptr<roomsim::RoomSim> sim_;
    std::unique_ptr<roomsim::Server> server_;
    std::unique_ptr<net::PocoHttpClient> http_;
    std::unique_ptr<DevicePushService> service_;
    std::vector<BookingInput> meetings_ = {meeting("a", 1h, "A"), meeting("b", 2h, "B")};
    bool source_fails_ = false;
    bool not_synced_ = false;
};

using Titles = std::vector<std::string>;

TEST_F(DevicePushServiceTest, FirstRunPushesTheFullList) {
    EXPECT_EQ(service_->runDue(), 1u);
    EXPECT_EQ(heldTitles(), (Titles{"A", "B"}));
    auto status = service_->status();
    ASSERT_EQ(status.size(), 1u);
    EXPECT_EQ(status[0].room, kRoom);
    EXPECT_EQ(status[0].state.bookings_pushed, 2u);
    EXPECT_EQ(*service_->nextWakeup(), kNow + 15min);
}

TEST_F(DevicePushServiceTest, CancelledMeetingDisappearsAfterTheChange) {
    service_->runDue();
    meetings_[0].meeting.is_cancelled = true;
    service_->roomChanged(kRoom);
    EXPECT_EQ(service_->runDue(), 0u);  // debounced
    clock_.advance(500ms);
    EXPECT_EQ(service_->runDue(), 0u);  // the rate gate of the session/begin request: 1/s
    clock_.advance(500ms);
    EXPECT_EQ(service_->runDue(), 1u);
    EXPECT_EQ(heldTitles(), (Titles{"B"}));
}

TEST_F(DevicePushServiceTest, DeviceDownThenBackGetsTheFullList) {
    service_->runDue();
    sim_->setFault(roomsim::SimFault{0, 0ms, true, -1});
    meetings_.push_back(meeting("c", 3h, "C"));
    service_->roomChanged(kRoom);
    clock_.advance(1s);
    EXPECT_EQ(service_->runDue(), 1u);
    auto state = service_->status()[0].state;
    EXPECT_EQ(state.consecutive_failures, 1);
    ASSERT_TRUE(state.last_error.has_value());
    EXPECT_EQ(*service_->nextWakeup(), clock_.now() + 5s);

    sim_->clearFault();
    sim_->handle({"DELETE", "/_sim/bookings", "", {}, ""});  // the device rebooted, list lost
    clock_.advance(5s);
    EXPECT_EQ(service_->runDue(), 1u);
    EXPECT_EQ(heldTitles(), (Titles{"A", "B", "C"}));
    EXPECT_EQ(service_->status()[0].state.consecutive_failures, 0);
}

TEST_F(DevicePushServiceTest, UnreadableStoreNeverWipesTheDevice) {
    service_->runDue();
    source_fails_ = true;
    service_->roomChanged(kRoom);
    clock_.advance(1s);
    EXPECT_EQ(service_->runDue(), 0u);
    EXPECT_EQ(heldTitles(), (Titles{"A", "B"}));
    EXPECT_EQ(service_->status()[0].state.last_error->code, common::ErrorCode::Storage);
}

TEST_F(DevicePushServiceTest, PeriodicRefreshHealsDrift) {
    service_->runDue();
    sim_->handle({"DELETE", "/_sim/bookings", "", {}, ""});
    clock_.advance(15min);
    EXPECT_EQ(service_->runDue(), 1u);
    EXPECT_EQ(heldTitles(), (Titles{"A", "B"}));
}

TEST_F(DevicePushServiceTest, RoomsOwnPrivateTitleMasksItsPrivateMeetings) {
    meetings_[1].meeting.sensitivity = core::Sensitivity::Private;
    service_->setPrivateTitle(kRoom, "Booked");
    service_->runDue();
    EXPECT_EQ(heldTitles(), (Titles{"A", "Booked"}));

    service_->setPrivateTitle(kRoom, "");  // back to devices.private_title, pushed again
    clock_.advance(1s);
    EXPECT_EQ(service_->runDue(), 1u);
    EXPECT_EQ(heldTitles(), (Titles{"A", "Private meeting"}));
}

TEST_F(DevicePushServiceTest, RoomNotSyncedYetIsAskedAgainWithoutAFailure) {
    not_synced_ = true;
    EXPECT_EQ(service_->runDue(), 0u);
    auto state = service_->status()[0].state;
    EXPECT_EQ(state.consecutive_failures, 0);
    EXPECT_FALSE(state.last_error.has_value());
    EXPECT_EQ(deviceStateName(service_->status()[0]), "pending");
    EXPECT_EQ(*service_->nextWakeup(), kNow + 1s);
    EXPECT_EQ(sim_->bookingsJson(), "[]");

    not_synced_ = false;  // the first sync round finished and published its changes
    service_->roomChanged(kRoom);
    clock_.advance(500ms);
    EXPECT_EQ(service_->runDue(), 1u);
    EXPECT_EQ(heldTitles(), (Titles{"A", "B"}));
}

TEST_F(DevicePushServiceTest, RemovedDeviceIsNoLongerPushedOrListed) {
    service_->runDue();
    EXPECT_TRUE(service_->removeDevice(kRoom, "codec"));
    EXPECT_FALSE(service_->removeDevice(kRoom, "codec"));
    EXPECT_TRUE(service_->status().empty());
    service_->roomChanged(kRoom);
    clock_.advance(15min);
    EXPECT_EQ(service_->runDue(), 0u);
    EXPECT_FALSE(service_->nextWakeup().has_value());
}

TEST_F(DevicePushServiceTest, PushNowOverridesTheBackoff) {
    service_->runDue();
    sim_->setFault(roomsim::SimFault{0, 0ms, true, 1});
    service_->roomChanged(kRoom);
    clock_.advance(1s);
    EXPECT_EQ(service_->runDue(), 1u);  // failed, retry in 5 s
    EXPECT_EQ(service_->pushNow(kRoom), 1u);
    EXPECT_EQ(service_->pushNow("other@contoso.com"), 0u);
    clock_.advance(1s);  // the rate gate
    EXPECT_EQ(service_->runDue(), 1u);
    EXPECT_EQ(deviceStateName(service_->status()[0]), "ok");
}

TEST_F(DevicePushServiceTest, CountsPushesByResultAndPublishesTheBookingsGauge) {
    auto& metrics = common::metrics();
    const double ok_before = metrics.value("calconn_device_pushes_total", {{"result", "ok"}});
    const double error_before = metrics.value("calconn_device_pushes_total", {{"result", "error"}});
    service_->runDue();
    EXPECT_EQ(metrics.value("calconn_device_pushes_total", {{"result", "ok"}}), ok_before + 1);
    EXPECT_EQ(metrics.value("calconn_device_bookings", {{"room", kRoom}, {"device", "codec"}}), 2);

    sim_->setFault(roomsim::SimFault{500, 0ms, false, -1});
    service_->roomChanged(kRoom);
    clock_.advance(1s);
    service_->runDue();
    EXPECT_EQ(metrics.value("calconn_device_pushes_total", {{"result", "error"}}), error_before + 1);

    service_->removeDevice(kRoom, "codec");
    EXPECT_EQ(metrics.render().find("device=\"codec\""), std::string::npos);
}

TEST_F(DevicePushServiceTest, WindowFollowsTheWallClockNotThePushClock) {
    common::FakeClock wall(kNow + 90min);  // meeting A (1 h from kNow, 30 min) is over
    DevicePushService service(settings::DevicesSettings{}, PushSchedulerOptions{}, clock_,
                              [this](const std::string&) -> common::Result<std::vector<BookingInput>> {
                                  return meetings_;
                              },
                              &wall);
    roomos::RoomOsDeviceConfig config;
    config.name = "codec";
    config.base_url = server_->baseUrl();
    config.username = "calconn";
    config.password = "pw";
    service.addDevice(kRoom, std::make_unique<roomos::RoomOsDevice>(config, *http_, clock_));
    EXPECT_EQ(service.runDue(), 1u);
    EXPECT_EQ(heldTitles(), (Titles{"B"}));
}

TEST_F(DevicePushServiceTest, NewerSettingsApplyAtTheNextPush) {
    service_->runDue();
    settings::DevicesSettings hide_all_but_an_hour;
    hide_all_but_an_hour.horizon = std::chrono::hours(1) + std::chrono::minutes(30);
    PushSchedulerOptions scheduling;
    service_->setSettings(hide_all_but_an_hour, scheduling);
    clock_.advance(1s);
    EXPECT_EQ(service_->runDue(), 1u);
    EXPECT_EQ(heldTitles(), (Titles{"A"}));
}

}  // namespace
}  // namespace calconn::devices
