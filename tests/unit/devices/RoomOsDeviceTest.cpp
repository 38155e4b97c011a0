// RoomOsDevice against an in-process roomsim over HTTPS (127.0.0.1, port 0). Both share one
// FakeClock, so the 1 request/s Basic limit is exercised without sleeping.
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>

#include <memory>

#include "RoomSim.h"
#include "Server.h"
#include "devices/BookingBuilder.h"
#include "devices/roomos/RoomOsDevice.h"
#include "net/PocoHttpClient.h"

namespace calconn::devices::roomos {
namespace {

using namespace std::chrono_literals;

const core::UtcSeconds kNow = std::chrono::sys_days{std::chrono::year{2026} / 3 / 2} + 8h;

BookingInput meeting(const std::string& uid, std::chrono::hours from_now,
                     const std::string& subject) {
    BookingInput in;
    in.meeting.id = "id-" + uid;
    in.meeting.ical_uid = uid;
    in.meeting.start = kNow + from_now;
    in.meeting.end = in.meeting.start + 30min;
    in.meeting.subject = subject;
    in.meeting.organizer = {"Ada Lovelace", "ada@contoso.com"};
    in.join =
        core::JoinTarget{core::JoinService::Teams, "https://teams.microsoft.com/l/meetup-join/x",
                         "123456789@t.plcm.vc", "sip", "teams"};
    return in;
}

class RoomOsDeviceTest : public ::testing::Test {
protected:
    void SetUp() override { startSim({}); }

    void startSim(roomsim::RoomSimOptions options) {
        server_.reset();
        options.users = {{"calconn", "pw", "Admin"}, {"viewer", "pw", "User"}};
        sim_ = std::make_unique<roomsim::RoomSim>(options, clock_);
        roomsim::ServerConfig config;
        config.cert_file = std::string(CALCONN_FIXTURES_DIR) + "/certs/server.pem";
        config.key_file = std::string(CALCONN_FIXTURES_DIR) + "/certs/server.key";
        server_ = std::make_unique<roomsim::Server>(*sim_, config);
        ASSERT_TRUE(server_->start().ok());
        if (!http_) {
            net::PocoHttpClientOptions client_options;
            client_options.tls.ca_file = std::string(CALCONN_FIXTURES_DIR) + "/certs/test-ca.pem";
            client_options.read_timeout = 5s;
            auto client = net::PocoHttpClient::create(client_options);
            ASSERT_TRUE(client.ok());
            http_ = std::move(*client);
        }
    }

    std::unique_ptr<RoomOsDevice> device(bool use_session = true,
                                         const std::string& user = "calconn",
                                         const std::string& password = "pw") {
        RoomOsDeviceConfig config;
        config.name = "room-4b/codec";
        config.base_url = server_->baseUrl() + "/";
        config.username = user;
        config.password = password;
        config.use_session = use_session;
        config.timeout = 5s;
        return std::make_unique<RoomOsDevice>(config, *http_, clock_);
    }

    Poco::JSON::Array::Ptr held() {
        Poco::JSON::Parser parser;
        return parser.parse(sim_->bookingsJson()).extract<Poco::JSON::Array::Ptr>();
    }

    common::FakeClock clock_{kNow};
    std::unique_ptr<roomsim::RoomSim> sim_;
    std::unique_ptr<roomsim::Server> server_;
    std::unique_ptr<net::PocoHttpClient> http_;
    settings::DevicesSettings settings_;
};

TEST_F(RoomOsDeviceTest, PushWithSessionStoresBookingsAndEndsTheSession) {
    auto d = device();
    auto bookings = buildBookings({meeting("u1", 1h, "Design review"), meeting("u2", 3h, "1:1")},
                                  settings_, kNow);
    auto pushed = d->push("room-4b@contoso.com", bookings);
    ASSERT_TRUE(pushed.ok()) << pushed.error().toString();
    auto list = held();
    ASSERT_EQ(list->size(), 2u);
    auto first = list->getObject(0);
    EXPECT_EQ(first->getValue<std::string>("Title"), "Design review");
    EXPECT_EQ(first->getValue<std::string>("Number"), "123456789@t.plcm.vc");
    EXPECT_EQ(first->getValue<std::string>("Protocol"), "SIP");
    EXPECT_EQ(first->getValue<std::string>("MeetingPlatform"), "MicrosoftTeams");
    EXPECT_EQ(first->getObject("Time")->getValue<std::string>("StartTime"), "2026-03-02T09:00:00Z");
    EXPECT_EQ(first->getObject("Time")->getValue<int>("Duration"), 30);
    const auto counters = sim_->counters();
    EXPECT_EQ(counters.sessions_begun, 1u);
    EXPECT_EQ(counters.sessions_ended, 1u);
    EXPECT_EQ(sim_->openSessions(), 0u);
    EXPECT_TRUE(d->usingSessions());
}

TEST_F(RoomOsDeviceTest, CancelledMeetingDisappearsAtTheNextPush) {
    auto d = device();
    std::vector<BookingInput> meetings = {meeting("u1", 1h, "Keep"),
                                          meeting("u2", 2h, "Cancel me")};
    ASSERT_TRUE(d->push("room", buildBookings(meetings, settings_, kNow)).ok());
    ASSERT_EQ(held()->size(), 2u);
    meetings[1].meeting.is_cancelled = true;
    clock_.advance(1s);
    ASSERT_TRUE(d->push("room", buildBookings(meetings, settings_, clock_.now())).ok());
    auto list = held();
    ASSERT_EQ(list->size(), 1u);
    EXPECT_EQ(list->getObject(0)->getValue<std::string>("Title"), "Keep");
}

TEST_F(RoomOsDeviceTest, PrivateAndHostileTitlesArriveAsIntended) {
    auto d = device();
    auto secret = meeting("p", 1h, "Reorg: who goes");
    secret.meeting.sensitivity = core::Sensitivity::Private;
    auto hostile = meeting("h", 2h, "</body><script>x</script> ]]> & \"q\"");
    ASSERT_TRUE(d->push("room", buildBookings({secret, hostile}, settings_, kNow)).ok());
    auto list = held();
    ASSERT_EQ(list->size(), 2u);
    EXPECT_EQ(list->getObject(0)->getValue<std::string>("Title"), settings_.private_title);
    EXPECT_EQ(list->getObject(0)->getValue<std::string>("Privacy"), "Private");
    EXPECT_FALSE(list->getObject(0)->getObject("Organizer")->has("Email"));
    EXPECT_EQ(list->getObject(1)->getValue<std::string>("Title"),
              "</body><script>x</script> ]]> & \"q\"");
}

TEST_F(RoomOsDeviceTest, DeviceDownThenBackGetsTheFullList) {
    auto d = device();
    std::vector<BookingInput> meetings = {meeting("u1", 1h, "A"), meeting("u2", 2h, "B"),
                                          meeting("u3", 4h, "C")};
    sim_->setFault(roomsim::SimFault{0, 0ms, true, -1});
    auto failed = d->push("room", buildBookings(meetings, settings_, kNow));
    ASSERT_FALSE(failed.ok());
    EXPECT_EQ(sim_->bookingCount(), 0u);
    sim_->clearFault();
    clock_.advance(1s);
    auto pushed = d->push("room", buildBookings(meetings, settings_, clock_.now()));
    ASSERT_TRUE(pushed.ok()) << pushed.error().toString();
    EXPECT_EQ(sim_->bookingCount(), 3u);
}

TEST_F(RoomOsDeviceTest, BasicModeKeepsToOneRequestPerSecond) {
    auto d = device(false);
    auto bookings = buildBookings({meeting("u1", 1h, "A")}, settings_, kNow);
    ASSERT_TRUE(d->push("room", bookings).ok());
    auto gated = d->push("room", bookings);
    ASSERT_FALSE(gated.ok());
    EXPECT_EQ(gated.error().code, common::ErrorCode::Throttled);
    EXPECT_EQ(gated.error().context, "rate gate");
    EXPECT_EQ(d->nextAllowed(), clock_.now() + 1s);
    EXPECT_EQ(sim_->counters().basic_requests, 1u);  // nothing was sent
    EXPECT_EQ(sim_->counters().rate_limited, 0u);
    clock_.advance(1s);
    EXPECT_TRUE(d->push("room", bookings).ok());
    EXPECT_EQ(sim_->counters().sessions_begun, 0u);
}

TEST_F(RoomOsDeviceTest, FallsBackToBasicWithoutSessionApi) {
    roomsim::RoomSimOptions options;
    options.session_api = false;
    startSim(options);
    auto d = device();
    auto bookings = buildBookings({meeting("u1", 1h, "A")}, settings_, kNow);
    auto first = d->push("room", bookings);
    EXPECT_FALSE(d->usingSessions());
    if (!first.ok()) {
        EXPECT_EQ(first.error().context, "rate gate");
        clock_.advance(d->nextAllowed() - clock_.now());
        ASSERT_TRUE(d->push("room", bookings).ok());
    }
    EXPECT_EQ(sim_->bookingCount(), 1u);
}

TEST_F(RoomOsDeviceTest, SecureSessionIdCookieIsAccepted) {
    roomsim::RoomSimOptions options;
    options.cookie_name = "SecureSessionId";
    startSim(options);
    auto d = device();
    ASSERT_TRUE(d->push("room", buildBookings({meeting("u1", 1h, "A")}, settings_, kNow)).ok());
    EXPECT_EQ(sim_->openSessions(), 0u);
}

TEST_F(RoomOsDeviceTest, WrongPasswordAndNonAdminAreReportedAsSuch) {
    auto wrong = device(true, "calconn", "nope")->push("room", {});
    ASSERT_FALSE(wrong.ok());
    EXPECT_EQ(wrong.error().code, common::ErrorCode::Unauthenticated);
    clock_.advance(1s);
    auto viewer = device(true, "viewer", "pw")->push("room", {});
    ASSERT_FALSE(viewer.ok());
    EXPECT_EQ(viewer.error().code, common::ErrorCode::PermissionDenied);
    EXPECT_EQ(sim_->openSessions(), 0u);  // the session was ended even though Put failed
}

TEST_F(RoomOsDeviceTest, DeviceErrorsAreThrottledOrUnavailable) {
    auto d = device();
    sim_->setFault(roomsim::SimFault{503, 0ms, false, 1});
    auto busy = d->push("room", {});
    ASSERT_FALSE(busy.ok());
    EXPECT_EQ(busy.error().code, common::ErrorCode::Throttled);
    clock_.advance(1s);
    sim_->setFault(roomsim::SimFault{500, 0ms, false, 1});
    auto broken = d->push("room", {});
    ASSERT_FALSE(broken.ok());
    EXPECT_EQ(broken.error().code, common::ErrorCode::Unavailable);
}

TEST_F(RoomOsDeviceTest, NotEntitledDeviceGetsTheLegacyPush) {
    for (const std::string reason : {"Device not entitled", "Unknown command"}) {
        roomsim::RoomSimOptions options;
        options.put_refusal = reason;
        startSim(options);
        auto d = device();
        auto bookings =
            buildBookings({meeting("u1", 1h, "A & B"), meeting("u2", 2h, "C")}, settings_, kNow);
        auto pushed = d->push("room", bookings);
        ASSERT_TRUE(pushed.ok()) << pushed.error().toString();
        EXPECT_TRUE(d->usingLegacy());
        auto list = held();
        ASSERT_EQ(list->size(), 2u);
        EXPECT_EQ(list->getObject(0)->getValue<std::string>("Title"), "A & B");
        EXPECT_EQ(list->getObject(0)->getValue<std::string>("Number"), "123456789@t.plcm.vc");
        EXPECT_EQ(list->getObject(0)->getObject("Time")->getValue<int>("Duration"), 30);
        EXPECT_EQ(sim_->openSessions(), 0u);
        // Later pushes go straight to the legacy endpoint.
        clock_.advance(1s);
        ASSERT_TRUE(d->push("room", {bookings[1]}).ok());
        EXPECT_EQ(sim_->counters().legacy_puts_ok, 2u);
        EXPECT_EQ(sim_->counters().puts_rejected, 1u);
        EXPECT_EQ(sim_->bookingCount(), 1u);
        clock_.advance(1s);
    }
}

TEST_F(RoomOsDeviceTest, NoFallbackWhenTheLegacyEndpointIsMissingToo) {
    roomsim::RoomSimOptions options;
    options.put_refusal = "Device not entitled";
    options.legacy_endpoint = false;
    startSim(options);
    auto pushed = device()->push("room", {});
    ASSERT_FALSE(pushed.ok());
    EXPECT_EQ(pushed.error().code, common::ErrorCode::NotFound);
}

TEST_F(RoomOsDeviceTest, ClearEmptiesTheDevice) {
    auto d = device();
    ASSERT_TRUE(d->push("room", buildBookings({meeting("u1", 1h, "A")}, settings_, kNow)).ok());
    clock_.advance(1s);
    ASSERT_TRUE(d->clear().ok());
    EXPECT_EQ(sim_->bookingCount(), 0u);
}

}  // namespace
}  // namespace calconn::devices::roomos
