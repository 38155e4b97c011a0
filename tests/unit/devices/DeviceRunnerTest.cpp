// DeviceRunner: the push thread, the change bus and reloads, with recording fake drivers on the
// real clock (short debounce and backoff); every wait polls with a deadline.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>
#include <utility>

#include "Eventually.h"
#include "devices/DeviceRunner.h"

namespace calconn::devices {
namespace {

using test::eventually;

using namespace std::chrono_literals;

// What every fake device received, by device name; shared with the drivers.
struct Pushes {
    std::mutex mutex;
    std::map<std::string, std::vector<std::vector<DeviceBooking>>> by_device;
    std::map<std::string, bool> failing;

    std::size_t count(const std::string& device) {
        std::lock_guard lock(mutex);
        return by_device[device].size();
    }
    std::vector<DeviceBooking> last(const std::string& device) {
        std::lock_guard lock(mutex);
        auto& list = by_device[device];
        return list.empty() ? std::vector<DeviceBooking>{} : list.back();
    }
    void setFailing(const std::string& device, bool value) {
        std::lock_guard lock(mutex);
        failing[device] = value;
    }
};

class FakeDevice final : public DeviceDriver {
public:
    FakeDevice(std::string name, std::shared_ptr<Pushes> pushes, const common::Clock& clock)
        : name_(std::move(name)), pushes_(std::move(pushes)), clock_(clock) {}
    const std::string& name() const override { return name_; }
    common::Status push(std::string_view, const std::vector<DeviceBooking>& bookings) override {
        std::lock_guard lock(pushes_->mutex);
        if (pushes_->failing[name_]) {
            return common::makeError(common::ErrorCode::Unavailable, "device unreachable");
        }
        pushes_->by_device[name_].push_back(bookings);
        return {};
    }
    common::TimePoint nextAllowed() const override { return clock_.now(); }

private:
    std::string name_;
    std::shared_ptr<Pushes> pushes_;
    const common::Clock& clock_;
};

const std::string kRoom = "Room-4B@contoso.com";

settings::DeviceSettings device(const std::string& name, const std::string& url) {
    settings::DeviceSettings d;
    d.name = name;
    d.type = "roomos";
    d.url = url;
    return d;
}

settings::Settings oneRoom(std::vector<settings::DeviceSettings> devices) {
    settings::Settings s;
    settings::RoomSettings room;
    room.mailbox = kRoom;
    room.devices = std::move(devices);
    s.mailboxes.rooms.push_back(room);
    return s;
}

class DeviceRunnerTest : public ::testing::Test {
protected:
    std::unique_ptr<DeviceRunner> makeRunner(const settings::Settings& settings) {
        DeviceRunner::Options options;
        options.scheduling.debounce = 20ms;
        options.scheduling.backoff_initial = 50ms;
        options.scheduling.backoff_max = 200ms;
        options.make_driver =
            [this](const settings::DeviceSettings& d,
                   const common::Clock& clock) -> common::Result<std::unique_ptr<DeviceDriver>> {
            if (d.url == "https://broken.example") {
                return common::makeError(common::ErrorCode::Config, "cannot read the secret file",
                                         "/etc/calconn/broken.pw");
            }
            ++drivers_built_;
            return std::unique_ptr<DeviceDriver>(
                std::make_unique<FakeDevice>(d.name, pushes_, clock));
        };
        return std::make_unique<DeviceRunner>(
            settings, clock_, clock_,
            [this](const std::string& room) -> common::Result<std::vector<BookingInput>> {
                std::lock_guard lock(mutex_);
                rooms_asked_.push_back(room);
                return meetings_;
            },
            options);
    }

    void setMeetings(std::vector<BookingInput> meetings) {
        std::lock_guard lock(mutex_);
        meetings_ = std::move(meetings);
    }

    static BookingInput meeting(const std::string& uid, const std::string& subject,
                                core::Sensitivity sensitivity = core::Sensitivity::Normal) {
        BookingInput in;
        in.meeting.id = "id-" + uid;
        in.meeting.ical_uid = uid;
        in.meeting.start =
            std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()) + 1h;
        in.meeting.end = in.meeting.start + 30min;
        in.meeting.subject = subject;
        in.meeting.sensitivity = sensitivity;
        in.meeting.organizer = {"Ada Lovelace", "ada@contoso.com"};
        return in;
    }

    static std::vector<std::string> titles(const std::vector<DeviceBooking>& bookings) {
        std::vector<std::string> out;
        for (const auto& b : bookings) out.push_back(b.title);
        return out;
    }

    common::SystemClock clock_;
    std::shared_ptr<Pushes> pushes_ = std::make_shared<Pushes>();
    std::atomic<int> drivers_built_{0};
    std::mutex mutex_;
    std::vector<BookingInput> meetings_ = {meeting("a", "Weekly sync")};
    std::vector<std::string> rooms_asked_;
    core::InProcessChangeBus bus_;
};

using Titles = std::vector<std::string>;

TEST_F(DeviceRunnerTest, EveryDeviceGetsTheFullListAtStart) {
    auto runner = makeRunner(
        oneRoom({device("codec", "https://10.0.0.1"), device("panel", "https://10.0.0.2")}));
    runner->start(&bus_);
    ASSERT_TRUE(
        eventually([&] { return pushes_->count("codec") == 1 && pushes_->count("panel") == 1; }));
    EXPECT_EQ(titles(pushes_->last("codec")), Titles{"Weekly sync"});
    const auto status = runner->status();
    ASSERT_EQ(status.size(), 2u);
    EXPECT_EQ(status[0].room, kRoom);
    EXPECT_EQ(status[0].device, "codec");
    EXPECT_TRUE(eventually([&] { return deviceStateName(runner->status()[1]) == "ok"; }));
}

TEST_F(DeviceRunnerTest, AChangeEventOfTheRoomPushesAgainAnyCase) {
    auto runner = makeRunner(oneRoom({device("codec", "https://10.0.0.1")}));
    runner->start(&bus_);
    ASSERT_TRUE(eventually([&] { return pushes_->count("codec") == 1; }));

    setMeetings({meeting("a", "Weekly sync"), meeting("b", "Planning")});
    bus_.publish({1, core::ChangeKind::Added, "someone@contoso.com", "x", "ck"});
    bus_.publish({2, core::ChangeKind::Added, "room-4b@CONTOSO.com", "id-b", "ck"});
    ASSERT_TRUE(eventually([&] { return pushes_->count("codec") == 2; }));
    EXPECT_EQ(pushes_->last("codec").size(), 2u);
    std::lock_guard lock(mutex_);
    for (const auto& room : rooms_asked_) EXPECT_EQ(room, kRoom);  // as configured
}

TEST_F(DeviceRunnerTest, FailingDeviceIsRetriedWithBackoffAndRecovers) {
    pushes_->setFailing("codec", true);
    auto runner = makeRunner(oneRoom({device("codec", "https://10.0.0.1")}));
    runner->start(&bus_);
    ASSERT_TRUE(eventually([&] {
        auto s = runner->status();
        return s.size() == 1 && s[0].state.consecutive_failures >= 2;
    }));
    EXPECT_EQ(deviceStateName(runner->status()[0]), "failing");
    pushes_->setFailing("codec", false);
    ASSERT_TRUE(eventually([&] { return pushes_->count("codec") == 1; }));
    EXPECT_TRUE(eventually([&] { return deviceStateName(runner->status()[0]) == "ok"; }));
}

TEST_F(DeviceRunnerTest, DeviceThatCannotBeSetUpIsListedWithItsError) {
    auto runner = makeRunner(
        oneRoom({device("codec", "https://10.0.0.1"), device("broken", "https://broken.example")}));
    const auto status = runner->status();
    ASSERT_EQ(status.size(), 2u);
    EXPECT_EQ(status[0].device, "broken");
    ASSERT_TRUE(status[0].setup_error.has_value());
    EXPECT_EQ(status[0].setup_error->code, common::ErrorCode::Config);
    EXPECT_EQ(deviceStateName(status[0]), "failing");
}

TEST_F(DeviceRunnerTest, ReloadAddsRemovesAndRebuildsChangedDevices) {
    auto runner = makeRunner(
        oneRoom({device("codec", "https://10.0.0.1"), device("panel", "https://10.0.0.2")}));
    runner->start(&bus_);
    ASSERT_TRUE(
        eventually([&] { return pushes_->count("codec") == 1 && pushes_->count("panel") == 1; }));
    EXPECT_EQ(drivers_built_, 2);

    // panel removed, codec unchanged (not rebuilt, not pushed again), board added.
    runner->applySettings(
        oneRoom({device("codec", "https://10.0.0.1"), device("board", "https://10.0.0.3")}));
    ASSERT_TRUE(eventually([&] { return pushes_->count("board") == 1; }));
    EXPECT_EQ(drivers_built_, 3);
    auto status = runner->status();
    ASSERT_EQ(status.size(), 2u);
    EXPECT_EQ(status[0].device, "board");
    EXPECT_EQ(status[1].device, "codec");
    EXPECT_EQ(pushes_->count("codec"), 1u);

    // codec's URL changed: rebuilt and pushed to at once.
    runner->applySettings(
        oneRoom({device("codec", "https://10.0.0.9"), device("board", "https://10.0.0.3")}));
    ASSERT_TRUE(eventually([&] { return pushes_->count("codec") == 2; }));
    EXPECT_EQ(drivers_built_, 4);
}

TEST_F(DeviceRunnerTest, RewrittenSecretFileRebuildsTheDevice) {
    const auto dir =
        std::filesystem::temp_directory_path() / ("calconn-runner-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const std::string secret = (dir / "codec.pw").string();
    std::ofstream(secret) << "old\n";
    auto codec = device("codec", "https://10.0.0.1");
    codec.password_file = secret;
    auto runner = makeRunner(oneRoom({codec}));
    EXPECT_EQ(drivers_built_, 1);
    runner->applySettings(oneRoom({codec}));
    EXPECT_EQ(drivers_built_, 1);
    std::ofstream(secret) << "rotated password\n";
    runner->applySettings(oneRoom({codec}));
    EXPECT_EQ(drivers_built_, 2);
    std::filesystem::remove_all(dir);
}

TEST_F(DeviceRunnerTest, ReloadedPrivateTitleOfTheRoomIsPushed) {
    setMeetings({meeting("a", "Salary review", core::Sensitivity::Private)});
    auto runner = makeRunner(oneRoom({device("codec", "https://10.0.0.1")}));
    runner->start(&bus_);
    ASSERT_TRUE(eventually([&] { return pushes_->count("codec") == 1; }));
    EXPECT_EQ(titles(pushes_->last("codec")), Titles{"Private meeting"});

    auto next = oneRoom({device("codec", "https://10.0.0.1")});
    next.mailboxes.rooms[0].private_title = "Booked";
    runner->applySettings(next);
    ASSERT_TRUE(eventually([&] { return pushes_->count("codec") == 2; }));
    EXPECT_EQ(titles(pushes_->last("codec")), Titles{"Booked"});
}

TEST_F(DeviceRunnerTest, PushNowNamesRoomsWithoutDevices) {
    auto runner = makeRunner(oneRoom({device("codec", "https://10.0.0.1")}));
    runner->start(&bus_);
    ASSERT_TRUE(eventually([&] { return pushes_->count("codec") == 1; }));
    auto pushed = runner->pushNow("ROOM-4B@contoso.com");
    ASSERT_TRUE(pushed.ok());
    EXPECT_EQ(*pushed, 1u);
    EXPECT_TRUE(eventually([&] { return pushes_->count("codec") == 2; }));
    auto unknown = runner->pushNow("hall@contoso.com");
    ASSERT_FALSE(unknown.ok());
    EXPECT_EQ(unknown.error().code, common::ErrorCode::NotFound);
}

TEST_F(DeviceRunnerTest, SameNameTwiceInARoomStaysTwoDevices) {
    auto runner = makeRunner(
        oneRoom({device("codec", "https://10.0.0.1"), device("codec", "https://10.0.0.2")}));
    runner->start(&bus_);
    const auto status = runner->status();
    ASSERT_EQ(status.size(), 2u);
    EXPECT_EQ(status[0].device, "codec");
    EXPECT_EQ(status[1].device, "codec#2");
    EXPECT_TRUE(eventually([&] { return pushes_->count("codec#2") == 1; }));
}

TEST_F(DeviceRunnerTest, StopsPromptlyWhileIdleAndIgnoresLaterEvents) {
    auto runner = makeRunner(oneRoom({device("codec", "https://10.0.0.1")}));
    runner->start(&bus_);
    ASSERT_TRUE(eventually([&] { return pushes_->count("codec") == 1; }));
    const auto before = std::chrono::steady_clock::now();
    runner->stop();
    EXPECT_LT(std::chrono::steady_clock::now() - before, 5s);  // not the 15 min refresh
    bus_.publish({3, core::ChangeKind::Changed, kRoom, "id-a", "ck2"});
    runner.reset();
    bus_.publish({4, core::ChangeKind::Changed, kRoom, "id-a", "ck3"});  // nobody listens
    EXPECT_EQ(pushes_->count("codec"), 1u);
}

// A driver that lets the test change the room while a push is on the wire.
class ChangeDuringPush final : public DeviceDriver {
public:
    explicit ChangeDuringPush(const common::Clock& clock) : clock_(clock) {}
    const std::string& name() const override { return name_; }
    common::Status push(std::string_view, const std::vector<DeviceBooking>& bookings) override {
        last = bookings;
        if (during) std::exchange(during, nullptr)();
        return {};
    }
    common::TimePoint nextAllowed() const override { return clock_.now(); }

    std::function<void()> during;
    std::vector<DeviceBooking> last;

private:
    std::string name_ = "codec";
    const common::Clock& clock_;
};

TEST(DevicePushServiceRace, AChangeDuringAPushIsPushedNextNotAtTheRefresh) {
    common::FakeClock clock(std::chrono::sys_days{std::chrono::year{2026} / 3 / 2} + 8h);
    auto at = [&](std::chrono::hours from_now, const std::string& subject) {
        BookingInput in;
        in.meeting.id = in.meeting.ical_uid = subject;
        in.meeting.start = std::chrono::floor<std::chrono::seconds>(clock.now()) + from_now;
        in.meeting.end = in.meeting.start + 30min;
        in.meeting.subject = subject;
        return in;
    };
    std::vector<BookingInput> meetings = {at(1h, "A")};
    DevicePushService service(
        settings::DevicesSettings{}, PushSchedulerOptions{}, clock,
        [&](const std::string&) -> common::Result<std::vector<BookingInput>> { return meetings; });
    auto driver = std::make_unique<ChangeDuringPush>(clock);
    auto* device = driver.get();
    service.addDevice("room", std::move(driver));
    device->during = [&] {
        meetings.push_back(at(2h, "B"));  // synced while the list without B is being sent
        service.roomChanged("room");
    };
    EXPECT_EQ(service.runDue(), 1u);
    EXPECT_EQ(device->last.size(), 1u);
    clock.advance(500ms);
    EXPECT_EQ(service.runDue(), 1u);
    EXPECT_EQ(device->last.size(), 2u);
    EXPECT_EQ(*service.nextWakeup(), clock.now() + 15min);
}

TEST(PrivateTitleFor, RoomKeyOverridesTheDefault) {
    settings::Settings s;
    s.devices.private_title = "Private meeting";
    settings::RoomSettings a;
    a.mailbox = "Room-A@contoso.com";
    a.private_title = "Reserved";
    settings::RoomSettings b;
    b.mailbox = "room-b@contoso.com";
    s.mailboxes.rooms = {a, b};
    EXPECT_EQ(privateTitleFor(s, "room-a@contoso.com"), "Reserved");
    EXPECT_EQ(privateTitleFor(s, "room-b@contoso.com"), "Private meeting");
    EXPECT_EQ(privateTitleFor(s, "elsewhere@contoso.com"), "Private meeting");
}

}  // namespace
}  // namespace calconn::devices
