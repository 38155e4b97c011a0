// SyncService wiring without network: opening the store under the state directory, the
// configured mailbox list, run-time add/remove and the status rows.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "sync/SyncService.h"

namespace calconn::sync {
namespace {

namespace fs = std::filesystem;

class TempDir {
public:
    TempDir() {
        std::string tmpl = (fs::temp_directory_path() / "calconn-syncsvc-XXXXXX").string();
        path_ = ::mkdtemp(tmpl.data());
    }
    ~TempDir() {
        std::error_code ignored;
        fs::remove_all(path_, ignored);
    }
    std::string file(const std::string& name) const { return (path_ / name).string(); }

private:
    fs::path path_;
};

settings::Settings makeSettings(const TempDir& dir) {
    settings::Settings s;
    s.daemon.state_directory = dir.file("state");
    fs::create_directories(s.daemon.state_directory);
    const std::string secret = dir.file("secret");
    std::ofstream(secret) << "s3cret\n";
    ::chmod(secret.c_str(), 0600);
    settings::TenantSettings tenant;
    tenant.name = "contoso";
    tenant.tenant_id = "72f988bf-86f1-41af-91ab-2d7cd011db47";
    tenant.client_id = "6731de76-14a6-49ae-97bc-6eba6914391e";
    tenant.client_secret_file = secret;
    tenant.login_endpoint = "https://127.0.0.1:1";
    tenant.graph_endpoint = "https://127.0.0.1:1";
    s.microsoft365.tenants.push_back(tenant);
    s.mailboxes.users = {"alice@contoso.com", "ALICE@contoso.com", "bob@contoso.com"};
    settings::RoomSettings room;
    room.mailbox = "room-4b@contoso.com";
    s.mailboxes.rooms.push_back(room);
    return s;
}

TEST(SyncService, ConfiguredMailboxesAreDeduplicatedUsersAndRooms) {
    TempDir dir;
    const auto s = makeSettings(dir);
    auto list = configuredMailboxes(s);
    ASSERT_EQ(list.size(), 3u);
    EXPECT_EQ(list[0].upn, "alice@contoso.com");
    EXPECT_EQ(list[2].kind, core::MailboxKind::Room);
    EXPECT_TRUE(syncConfigured(s));
    settings::Settings none = s;
    none.mailboxes = {};
    EXPECT_FALSE(syncConfigured(none));
    none = s;
    none.microsoft365.tenants.clear();
    EXPECT_FALSE(syncConfigured(none));
}

TEST(SyncService, OpensTheStoreAndListsPendingMailboxes) {
    TempDir dir;
    const auto s = makeSettings(dir);
    auto service = SyncService::open(s);
    ASSERT_TRUE(service.ok()) << service.error().toString();
    auto status = (*service)->status();
    ASSERT_TRUE(status.ok());
    ASSERT_EQ(status->size(), 3u);
    for (const auto& row : *status) {
        EXPECT_EQ(row.state, "pending");
        EXPECT_EQ(row.events, 0u);
        EXPECT_FALSE(row.last_sync.has_value());
    }
    EXPECT_TRUE(fs::exists(dir.file("state/calconn.db")));
    EXPECT_TRUE(fs::exists(dir.file("state/master.key")));

    EXPECT_TRUE((*service)->addMailbox("carol@contoso.com").ok());
    EXPECT_EQ((*service)->addMailbox("carol@contoso.com").error().code,
              common::ErrorCode::AlreadyExists);
    EXPECT_EQ((*service)->addMailbox("not-an-address").error().code,
              common::ErrorCode::InvalidArgument);
    EXPECT_TRUE((*service)->removeMailbox("bob@contoso.com").ok());
    EXPECT_EQ((*service)->removeMailbox("bob@contoso.com").error().code,
              common::ErrorCode::NotFound);
    EXPECT_TRUE((*service)->resync("alice@contoso.com").ok());
    EXPECT_FALSE((*service)->resync("nobody@contoso.com").ok());
    status = (*service)->status();
    ASSERT_TRUE(status.ok());
    EXPECT_EQ(status->size(), 3u);

    // Reopened: the run-time addition is remembered.
    service = common::Result<std::unique_ptr<SyncService>>(
        common::makeError(common::ErrorCode::Internal, "closed"));
    auto reopened = SyncService::open(s);
    ASSERT_TRUE(reopened.ok()) << reopened.error().toString();
    status = (*reopened)->status();
    ASSERT_TRUE(status.ok());
    bool carol = false;
    for (const auto& row : *status) carol = carol || row.upn == "carol@contoso.com";
    EXPECT_TRUE(carol);
}

TEST(SyncService, MissingSecretFileIsAConfigError) {
    TempDir dir;
    auto s = makeSettings(dir);
    s.microsoft365.tenants[0].client_secret_file = dir.file("missing");
    auto service = SyncService::open(s);
    ASSERT_FALSE(service.ok());
    EXPECT_EQ(service.error().code, common::ErrorCode::Config);
}

TEST(SyncService, AnswersGraphNotificationsOnlyWhenAPublicUrlIsSet) {
    TempDir dir;
    auto s = makeSettings(dir);
    auto off = SyncService::open(s);
    ASSERT_TRUE(off.ok()) << off.error().toString();
    EXPECT_FALSE((*off)->handleNotification("token", "").has_value());
    off = common::Result<std::unique_ptr<SyncService>>(
        common::makeError(common::ErrorCode::Internal, "closed"));

    s.sync.notifications_public_url = "https://calconn.example.com/graph/notifications";
    auto on = SyncService::open(s);
    ASSERT_TRUE(on.ok()) << on.error().toString();
    auto validation = (*on)->handleNotification("Validation: token 1", "");
    ASSERT_TRUE(validation.has_value());
    EXPECT_EQ(validation->status, 200);
    EXPECT_EQ(validation->body, "Validation: token 1");
    // No subscription exists yet: any notification is dropped, with 202 as Graph expects.
    auto unknown = (*on)->handleNotification(
        "", R"({"value":[{"subscriptionId":"nope","clientState":"guess"}]})");
    ASSERT_TRUE(unknown.has_value());
    EXPECT_EQ(unknown->status, 202);
    auto bad = (*on)->handleNotification("", "{not json");
    ASSERT_TRUE(bad.has_value());
    EXPECT_EQ(bad->status, 400);

    // Turned off by a reload: the receiver is gone.
    auto next = s;
    next.sync.notifications_public_url.clear();
    (*on)->applySettings(s, next);
    EXPECT_FALSE((*on)->handleNotification("token", "").has_value());
}

}  // namespace
}  // namespace calconn::sync
