#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "common/IsoTime.h"
#include "presence/PresenceCodec.h"
#include "presence/PresenceStateFile.h"

namespace calconn::presence {
namespace {

std::chrono::sys_seconds sec(const char* iso) { return *common::parseIsoUtc(iso); }

TEST(PresenceCodec, WebhookBodyShape) {
    PresenceUpdate update;
    update.upn = "ada@contoso.com";
    update.record = {core::PresenceState::OutOfOffice, sec("2026-03-02T09:00:00Z"),
                     sec("2026-03-02T11:00:00Z")};
    update.message = "<p>Back on \"Monday\"</p>";
    EXPECT_EQ(webhookBody(update),
              R"({"upn":"ada@contoso.com","state":"out_of_office","since":"2026-03-02T09:00:00Z",)"
              R"("until":"2026-03-02T11:00:00Z","message":"<p>Back on \"Monday\"</p>"})");
    update.record = {core::PresenceState::Available, sec("2026-03-02T11:00:00Z"), std::nullopt};
    update.message.clear();
    EXPECT_EQ(webhookBody(update),
              R"({"upn":"ada@contoso.com","state":"available","since":"2026-03-02T11:00:00Z"})");
}

TEST(PresenceCodec, SnapshotRoundTripsAndRejectsGarbage) {
    PresenceSnapshot snapshot;
    snapshot.users["Ada@contoso.com"] = {core::PresenceState::OutOfOffice,
                                         sec("2026-03-02T09:00:00Z"), sec("2026-03-02T11:00:00Z")};
    snapshot.users["bob@contoso.com"] = {core::PresenceState::Available,
                                         sec("2026-03-01T09:00:00Z"), std::nullopt};
    snapshot.sinks["webhook-0123"]["ada@contoso.com"] = snapshot.users["Ada@contoso.com"];
    auto decoded = decodeSnapshot(encodeSnapshot(snapshot));
    ASSERT_TRUE(decoded.ok()) << decoded.error().toString();
    EXPECT_EQ(*decoded, snapshot);

    EXPECT_FALSE(decodeSnapshot("{").ok());
    EXPECT_FALSE(decodeSnapshot(R"({"version":2})").ok());
    auto bad_state = decodeSnapshot(
        R"({"version":1,"users":{"a@x":{"state":"busy","since":"2026-03-02T09:00:00Z"}}})");
    ASSERT_FALSE(bad_state.ok());
    EXPECT_NE(bad_state.error().message.find("users.a@x.state"), std::string::npos);
}

TEST(PresenceStateFile, SavesAtomicallyWithOwnerOnlyMode) {
    const auto dir =
        std::filesystem::temp_directory_path() / ("presence-state-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const std::string path = (dir / "presence.json").string();
    auto empty = loadSnapshot(path);  // first start: no file
    ASSERT_TRUE(empty.ok());
    EXPECT_TRUE(empty->users.empty());

    PresenceSnapshot snapshot;
    snapshot.users["a@x"] = {core::PresenceState::OutOfOffice, sec("2026-03-02T09:00:00Z"), {}};
    ASSERT_TRUE(saveSnapshot(path, snapshot).ok());
    EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
    const auto perms = std::filesystem::status(path).permissions();
    EXPECT_EQ(perms & std::filesystem::perms::all,
              std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    auto loaded = loadSnapshot(path);
    ASSERT_TRUE(loaded.ok());
    EXPECT_EQ(*loaded, snapshot);

    std::ofstream(path) << "not json";
    EXPECT_EQ(loadSnapshot(path).error().code, common::ErrorCode::Protocol);
    std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace calconn::presence
