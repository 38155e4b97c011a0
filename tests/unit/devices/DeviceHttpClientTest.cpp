// Per-device TLS against roomsim: CA file, pinned certificate, and explicit no-verification.
#include <Poco/TemporaryFile.h>
#include <gtest/gtest.h>

#include <fstream>
#include <memory>

#include "RoomSim.h"
#include "Server.h"
#include "devices/DeviceFactory.h"
#include "devices/DeviceHttpClient.h"
#include "devices/roomos/RoomOsDevice.h"

namespace calconn::devices {
namespace {

using namespace std::chrono_literals;

std::string fixture(const std::string& name) {
    return std::string(CALCONN_FIXTURES_DIR) + "/certs/" + name;
}

class DeviceTls : public ::testing::Test {
protected:
    void start(const std::string& leaf) {
        sim_ = std::make_unique<roomsim::RoomSim>(
            roomsim::RoomSimOptions{{{"calconn", "pw", "Admin"}}}, clock_);
        server_ = std::make_unique<roomsim::Server>(
            *sim_, roomsim::ServerConfig{0, fixture(leaf + ".pem"), fixture(leaf + ".key"), 2});
        ASSERT_TRUE(server_->start().ok());
    }

    common::Status pushWith(net::HttpClient& http) {
        roomos::RoomOsDeviceConfig config;
        config.name = "codec";
        config.base_url = server_->baseUrl();
        config.username = "calconn";
        config.password = "pw";
        roomos::RoomOsDevice device(config, http, clock_);
        return device.push("room", {});
    }

    common::FakeClock clock_{common::TimePoint{} + std::chrono::hours(24 * 20000)};
    std::unique_ptr<roomsim::RoomSim> sim_;
    std::unique_ptr<roomsim::Server> server_;
};

TEST_F(DeviceTls, CaFileVerifiesTheChain) {
    start("server");
    DeviceTlsOptions options;
    options.ca_file = fixture("test-ca.pem");
    auto http = makeDeviceHttpClient(options);
    ASSERT_TRUE(http.ok());
    EXPECT_TRUE(pushWith(**http).ok());

    options.ca_file = fixture("other-ca.pem");
    auto wrong = makeDeviceHttpClient(options);
    ASSERT_TRUE(wrong.ok());
    clock_.advance(1s);
    EXPECT_FALSE(pushWith(**wrong).ok());
}

TEST_F(DeviceTls, PinnedCertificateIsAcceptedWithoutACa) {
    start("server-other-ca");  // signed by a CA nobody trusts: only the pin vouches for it
    auto pin = certificateSha256(fixture("server-other-ca.pem"));
    ASSERT_TRUE(pin.ok());
    DeviceTlsOptions options;
    options.pinned_sha256 = *pin;
    auto http = makeDeviceHttpClient(options);
    ASSERT_TRUE(http.ok());
    auto pushed = pushWith(**http);
    EXPECT_TRUE(pushed.ok()) << pushed.error().toString();
    EXPECT_EQ(sim_->counters().puts_ok, 1u);
}

TEST_F(DeviceTls, WrongPinSendsNothing) {
    start("server");
    auto pin = certificateSha256(fixture("server-other-ca.pem"));
    ASSERT_TRUE(pin.ok());
    DeviceTlsOptions options;
    options.pinned_sha256 = *pin;
    auto http = makeDeviceHttpClient(options);
    ASSERT_TRUE(http.ok());
    auto pushed = pushWith(**http);
    ASSERT_FALSE(pushed.ok());
    EXPECT_EQ(pushed.error().code, common::ErrorCode::Crypto);
    EXPECT_EQ(sim_->counters().requests, 0u);  // the credentials never left
}

TEST_F(DeviceTls, VerificationOffAcceptsAnyCertificate) {
    start("server-wrong-host");
    DeviceTlsOptions options;
    options.verify = false;
    auto http = makeDeviceHttpClient(options);
    ASSERT_TRUE(http.ok());
    EXPECT_TRUE(pushWith(**http).ok());
}

TEST(DeviceTlsOptions, RejectsMalformedPins) {
    DeviceTlsOptions options;
    options.pinned_sha256 = "abc";
    EXPECT_FALSE(makeDeviceHttpClient(options).ok());
    options.pinned_sha256 = std::string(64, 'g');
    EXPECT_FALSE(makeDeviceHttpClient(options).ok());
    settings::DeviceSettings device;
    device.pinned_sha256 = std::string(64, 'A');
    EXPECT_TRUE(makeDeviceHttpClient(device).ok());
}

}  // namespace
}  // namespace calconn::devices

namespace calconn::devices {
namespace {

TEST_F(DeviceTls, FactoryBuildsARoomOsDriverFromSettings) {
    start("server");
    Poco::TemporaryFile password_file;
    std::ofstream(password_file.path()) << "pw\n";
    settings::DeviceSettings device;
    device.name = "codec";
    device.type = "roomos";
    device.url = server_->baseUrl();
    device.username = "calconn";
    device.password_file = password_file.path();
    device.ca_file = fixture("test-ca.pem");
    auto driver = makeDeviceDriver(device, clock_);
    ASSERT_TRUE(driver.ok()) << driver.error().toString();
    EXPECT_EQ((*driver)->name(), "codec");
    auto pushed = (*driver)->push("room", {});
    EXPECT_TRUE(pushed.ok()) << pushed.error().toString();
    EXPECT_EQ(sim_->counters().puts_ok, 1u);

    device.type = "polycom";
    EXPECT_EQ(makeDeviceDriver(device, clock_).error().code, common::ErrorCode::Config);
    device.type = "roomos";
    device.password_file = "/nonexistent/calconn-test";
    EXPECT_EQ(makeDeviceDriver(device, clock_).error().code, common::ErrorCode::Config);
}

}  // namespace
}  // namespace calconn::devices
