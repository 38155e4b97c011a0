#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "TestSupport.h"
#include "settings/Flatten.h"
#include "settings/Loader.h"
#include "settings/Schema.h"
#include "settings/UsersFile.h"
#include "settings/Values.h"

namespace calconn::settings {
namespace {

using namespace std::chrono_literals;
using testing::CredentialsDir;
using testing::kConfigFixtures;
using testing::TempDir;

const std::string kMinimal = R"(microsoft365:
  tenants:
    - name: contoso
      tenant_id: 2f0c8a1b-3c4d-4e5f-8a9b-0c1d2e3f4a5b
      client_id: 8a1b2c3d-4e5f-4a6b-9c7d-8e9f0a1b2c3d
      client_secret_file: contoso.secret
)";

class LoaderTest : public ::testing::Test {
protected:
    LoadResult load(const std::string& main_file) {
        return loadSettings(main_file, LoadOptions{credentials_.path()});
    }
    LoadResult loadText(const std::string& text) { return load(dir_.write("calconnd.yaml", text)); }

    CredentialsDir credentials_;
    TempDir dir_;
};

TEST_F(LoaderTest, MinimalConfigLoadsWithSchemaDefaults) {
    const auto result = loadText(kMinimal);
    ASSERT_TRUE(result.ok()) << formatDiagnostics(result.diagnostics);
    EXPECT_TRUE(result.diagnostics.empty()) << formatDiagnostics(result.diagnostics);
    const Settings& s = *result.settings;
    // The struct initialisers in Settings.h and the schema defaults must agree.
    EXPECT_EQ(s.daemon, DaemonSettings{});
    EXPECT_EQ(s.sync, SyncSettings{});
    EXPECT_EQ(s.mailboxes, MailboxesSettings{});
    EXPECT_EQ(s.devices, DevicesSettings{});
    EXPECT_TRUE(s.keywords.empty());
    EXPECT_EQ(s.webex, WebexSettings{});
    EXPECT_EQ(s.presence, PresenceSettings{});
    EXPECT_EQ(s.api, ApiSettings{});
    EXPECT_EQ(s.kms, KmsSettings{});
    EXPECT_EQ(s.tls, TlsSettings{});
    EXPECT_EQ(s.logging, LoggingSettings{});
    EXPECT_EQ(s.detect, DetectSettings{});
    EXPECT_EQ(s.sync.poll_interval, 60s);
    EXPECT_EQ(s.devices.horizon, 72h);
    EXPECT_EQ(s.detect.max_body_size, 1024u * 1024u);
    ASSERT_EQ(s.microsoft365.tenants.size(), 1u);
    const auto& tenant = s.microsoft365.tenants[0];
    EXPECT_EQ(tenant.cloud, "worldwide");
    EXPECT_EQ(tenant.auth_mode, "app");
    EXPECT_EQ(tenant.login_endpoint, "https://login.microsoftonline.com");
    EXPECT_EQ(tenant.graph_endpoint, "https://graph.microsoft.com");
    EXPECT_EQ(tenant.client_secret_file, credentials_.path() + "/contoso.secret");
    EXPECT_EQ(s.config_file, dir_.path() + "/calconnd.yaml");
}

TEST_F(LoaderTest, CloudSelectsEndpointsAndOverridesWin) {
    const auto result = loadText(kMinimal +
                                 "      cloud: usgovdod\n"
                                 "      graph_endpoint: https://127.0.0.1:9443\n");
    ASSERT_TRUE(result.ok()) << formatDiagnostics(result.diagnostics);
    const auto& tenant = result.settings->microsoft365.tenants[0];
    EXPECT_EQ(tenant.login_endpoint, "https://login.microsoftonline.us");
    EXPECT_EQ(tenant.graph_endpoint, "https://127.0.0.1:9443");
}

TEST_F(LoaderTest, ReportsEveryErrorInFileOrder) {
    const auto result = loadText(kMinimal + R"(sync:
  poll_interval: soon
  workers: 0
logging:
  level: loud
)");
    EXPECT_FALSE(result.ok());
    ASSERT_EQ(result.diagnostics.size(), 3u) << formatDiagnostics(result.diagnostics);
    EXPECT_EQ(result.diagnostics[0].key_path, "sync.poll_interval");
    EXPECT_EQ(result.diagnostics[0].line, 8);
    EXPECT_EQ(result.diagnostics[0].column, 18);
    EXPECT_EQ(result.diagnostics[1].key_path, "sync.workers");
    EXPECT_EQ(result.diagnostics[2].key_path, "logging.level");
}

TEST_F(LoaderTest, MergesConfDInNameOrder) {
    const auto main_file = dir_.write("calconnd.yaml", kMinimal + R"(sync:
  window: {past: 2d, future: 10d}
  workers: 8
mailboxes:
  users: [alice@contoso.com, bob@contoso.com]
logging: {level: debug}
)");
    // 20 is read after 10 whatever the directory order; lists and scalars replace, maps merge.
    dir_.write("conf.d/20-late.yaml", "sync:\n  workers: 2\nlogging:\n  target: stderr\n");
    dir_.write("conf.d/10-early.yaml", R"(sync:
  workers: 4
  window: {future: 20d}
mailboxes:
  users: [carol@contoso.com]
)");
    dir_.write("conf.d/30-ignored.yaml.disabled", "sync: {workers: 99}\n");
    const auto result = load(main_file);
    ASSERT_TRUE(result.ok()) << formatDiagnostics(result.diagnostics);
    const Settings& s = *result.settings;
    EXPECT_EQ(s.sync.workers, 2);
    EXPECT_EQ(s.sync.window_past, 48h);
    EXPECT_EQ(s.sync.window_future, 20 * 24h);
    EXPECT_EQ(s.mailboxes.users, std::vector<std::string>{"carol@contoso.com"});
    EXPECT_EQ(s.logging.level, "debug");
    EXPECT_EQ(s.logging.target, "stderr");
}

TEST_F(LoaderTest, ConfDDiagnosticsNameTheDropInFile) {
    const auto main_file = dir_.write("calconnd.yaml", kMinimal + "logging: {level: warning}\n");
    dir_.write("conf.d/50-local.yaml", "logging:\n  levl: debug\n");
    const auto result = load(main_file);
    ASSERT_EQ(result.diagnostics.size(), 1u);
    EXPECT_EQ(result.diagnostics[0].format(),
              dir_.path() +
                  "/conf.d/50-local.yaml:2:3: error: logging.levl: unknown key, did "
                  "you mean 'level'?");
}

TEST_F(LoaderTest, SyntaxErrorInDropInIsReportedWithItsPosition) {
    const auto main_file = dir_.write("calconnd.yaml", kMinimal);
    dir_.write("conf.d/50-broken.yaml", "logging:\n  level: [debug\n");
    const auto result = load(main_file);
    EXPECT_FALSE(result.ok());
    ASSERT_EQ(result.diagnostics.size(), 1u);
    EXPECT_EQ(result.diagnostics[0].file, dir_.path() + "/conf.d/50-broken.yaml");
    EXPECT_GT(result.diagnostics[0].line, 0);
}

TEST_F(LoaderTest, CredentialNamesNeedTheCredentialsDirectory) {
    const auto main_file = dir_.write("calconnd.yaml", kMinimal);
    const auto result = loadSettings(main_file, LoadOptions{std::string()});
    EXPECT_FALSE(result.ok());
    ASSERT_EQ(result.diagnostics.size(), 1u);
    EXPECT_EQ(result.diagnostics[0].key_path, "microsoft365.tenants[0].client_secret_file");
    EXPECT_NE(result.diagnostics[0].message.find("$CREDENTIALS_DIRECTORY"), std::string::npos);
}

TEST_F(LoaderTest, TakesCredentialsDirectoryFromTheEnvironment) {
    const auto main_file = dir_.write("calconnd.yaml", kMinimal);
    ASSERT_EQ(::setenv("CREDENTIALS_DIRECTORY", credentials_.path().c_str(), 1), 0);
    const auto result = loadSettings(main_file);
    ::unsetenv("CREDENTIALS_DIRECTORY");
    ASSERT_TRUE(result.ok()) << formatDiagnostics(result.diagnostics);
    EXPECT_EQ(result.settings->microsoft365.tenants[0].client_secret_file,
              credentials_.path() + "/contoso.secret");
}

TEST_F(LoaderTest, AbsoluteSecretPathsWorkWithoutCredentialsDirectory) {
    const auto secret = dir_.write("secret", "x", 0600);
    auto text = kMinimal;
    testing::replaceAll(text, "contoso.secret", secret);
    const auto result = loadSettings(dir_.write("calconnd.yaml", text), LoadOptions{std::string()});
    ASSERT_TRUE(result.ok()) << formatDiagnostics(result.diagnostics);
    EXPECT_EQ(result.settings->microsoft365.tenants[0].client_secret_file, secret);
}

TEST_F(LoaderTest, WarnsAboutSecretFilesReadableByOthers) {
    const auto secret = dir_.write("open.secret", "x", 0644);
    auto text = kMinimal;
    testing::replaceAll(text, "contoso.secret", secret);
    const auto result = loadText(text);
    ASSERT_TRUE(result.ok()) << formatDiagnostics(result.diagnostics);
    ASSERT_EQ(result.diagnostics.size(), 1u);
    EXPECT_EQ(result.diagnostics[0].format(),
              dir_.path() +
                  "/calconnd.yaml:6:27: warning: microsoft365.tenants[0].client_secret_file: "
                  "secret file '" +
                  secret + "' is readable by others (chmod o-r)");
}

TEST_F(LoaderTest, MissingSecretFileIsAnError) {
    auto text = kMinimal;
    testing::replaceAll(text, "contoso.secret", "absent.secret");
    const auto result = loadText(text);
    EXPECT_FALSE(result.ok());
    ASSERT_EQ(result.diagnostics.size(), 1u);
    EXPECT_EQ(result.diagnostics[0].message,
              "file '" + credentials_.path() + "/absent.secret' does not exist");
}

TEST_F(LoaderTest, InlineSecretIsAnErrorThatNamesTheFileKey) {
    auto text = kMinimal;
    testing::replaceAll(text, "client_secret_file: contoso.secret", "client_secret: hunter2");
    const auto result = loadText(text);
    EXPECT_FALSE(result.ok());
    const auto report = formatDiagnostics(result.diagnostics);
    EXPECT_NE(report.find("client_secret: secrets are not accepted inline"), std::string::npos);
    EXPECT_NE(report.find("'client_secret_file'"), std::string::npos);
    EXPECT_EQ(report.find("hunter2"), std::string::npos) << "the secret must not be echoed";
}

TEST_F(LoaderTest, MissingMainFileIsAnError) {
    const auto result = load(dir_.path() + "/absent.yaml");
    EXPECT_FALSE(result.ok());
    ASSERT_EQ(result.diagnostics.size(), 1u);
    EXPECT_EQ(result.diagnostics[0].format(),
              dir_.path() + "/absent.yaml: error: cannot open: No such file or directory");
}

TEST_F(LoaderTest, ReadsUsersFileSkippingCommentsAndBlankLines) {
    const auto users = readUsersFile(kConfigFixtures + "/secrets/users.txt");
    EXPECT_TRUE(users.ok()) << formatDiagnostics(users.diagnostics);
    EXPECT_EQ(users.users, (std::vector<std::string>{"alice@contoso.com", "bob@contoso.com"}));
}

TEST_F(LoaderTest, RestartRequiredChangesListsOnlyRestartOnlyKeys) {
    const auto base = loadText(kMinimal);
    ASSERT_TRUE(base.ok());
    EXPECT_TRUE(restartRequiredChanges(*base.settings, *base.settings).empty());

    Settings next = *base.settings;
    next.logging.level = "debug";
    next.sync.poll_interval = 5min;
    next.mailboxes.users.push_back("dave@contoso.com");
    EXPECT_TRUE(restartRequiredChanges(*base.settings, next).empty());

    next.api.listen = "127.0.0.1:9443";
    next.daemon.state_directory = "/srv/calconn";
    next.daemon.control_socket = "/run/calconn/other.sock";
    next.kms.mode = "hds";
    EXPECT_EQ(restartRequiredChanges(*base.settings, next),
              (std::vector<std::string>{"daemon.state_directory", "daemon.control_socket",
                                        "api.listen", "kms.mode"}));
}

TEST_F(LoaderTest, DumpLoadsBackToEqualSettings) {
    const auto original = load(kConfigFixtures + "/good/demo.yaml");
    ASSERT_TRUE(original.ok()) << formatDiagnostics(original.diagnostics);
    const auto dump = dumpSettings(*original.settings);
    const auto reloaded = loadText(dump);
    ASSERT_TRUE(reloaded.ok()) << formatDiagnostics(reloaded.diagnostics) << dump;
    EXPECT_TRUE(reloaded.diagnostics.empty()) << formatDiagnostics(reloaded.diagnostics);
    EXPECT_EQ(*reloaded.settings, *original.settings) << dump;
    EXPECT_EQ(dumpSettings(*reloaded.settings), dump);
}

TEST_F(LoaderTest, DumpFillsInEveryDefault) {
    const auto result = loadText(kMinimal);
    ASSERT_TRUE(result.ok());
    const auto dump = dumpSettings(*result.settings);
    EXPECT_NE(dump.find("state_directory: /var/lib/calconn"), std::string::npos) << dump;
    EXPECT_NE(dump.find("max_requests_per_mailbox: 4"), std::string::npos) << dump;
    EXPECT_NE(dump.find("max_body_size: 1MiB"), std::string::npos) << dump;
    EXPECT_NE(dump.find("private_title: Private meeting"), std::string::npos) << dump;
    EXPECT_NE(dump.find("client_secret_file: " + credentials_.path() + "/contoso.secret"),
              std::string::npos)
        << dump;
}

// Every list and map holds one element, so every schema key is visited.
Settings settingsWithEveryKey() {
    Settings s;
    s.microsoft365.tenants.resize(1);
    s.mailboxes.rooms.resize(1);
    s.mailboxes.rooms[0].devices.resize(1);
    s.keywords.push_back(
        KeywordSettings{"@webex", "personal_room", "", {{":space", "webex_meeting"}}});
    s.presence.sinks.resize(1);
    return s;
}

TEST(Schema, DumpAndSettingsFollowSchemaOrder) {
    std::vector<std::string> visited;
    std::set<std::string> seen;
    for (const auto& value : flattenSettings(settingsWithEveryKey())) {
        if (seen.insert(value.pattern).second) visited.push_back(value.pattern);
    }
    std::vector<std::string> expected;
    for (const auto& spec : schema()) expected.emplace_back(spec.path);
    EXPECT_EQ(visited, expected);
}

TEST(Schema, EntriesAreConsistent) {
    std::set<std::string_view> paths;
    for (const auto& spec : schema()) {
        SCOPED_TRACE(std::string(spec.path));
        EXPECT_TRUE(paths.insert(spec.path).second) << "duplicate";
        EXPECT_FALSE(spec.help.empty());
        const auto dot = spec.path.rfind('.');
        if (dot != std::string_view::npos) {
            auto parent = spec.path.substr(0, dot);
            if (parent.ends_with("[]")) parent.remove_suffix(2);
            const KeySpec* parent_spec = findKey(parent);
            ASSERT_NE(parent_spec, nullptr) << "parent missing";
            EXPECT_TRUE(paths.count(parent)) << "parent must come first";
        }
        if (spec.type == ValueType::Enum) {
            EXPECT_FALSE(spec.range.empty());
        }
        if (spec.default_value.empty()) continue;
        EXPECT_FALSE(spec.required) << "a required key cannot have a default";
        switch (spec.type) {
            case ValueType::Duration:
                EXPECT_TRUE(parseDuration(spec.default_value).ok());
                break;
            case ValueType::Size:
                EXPECT_TRUE(parseSize(spec.default_value).ok());
                break;
            case ValueType::Integer:
                EXPECT_TRUE(parseInteger(spec.default_value).ok());
                break;
            case ValueType::Boolean:
                EXPECT_TRUE(parseBoolean(spec.default_value).ok());
                break;
            case ValueType::Enum:
                EXPECT_NE(("|" + std::string(spec.range) + "|")
                              .find("|" + std::string(spec.default_value) + "|"),
                          std::string::npos);
                break;
            default:
                break;
        }
    }
}

TEST_F(LoaderTest, SecretFileKeysAreAllSecretFileTyped) {
    // Keys that carry secrets must be SecretFile so their mode is checked.
    for (const auto& spec : schema()) {
        const std::string_view path = spec.path;
        if (path.ends_with("private_key_file") || path.ends_with("secret_file") ||
            path.ends_with("password_file") || path.ends_with("token_file") ||
            path.ends_with("master_key_file")) {
            EXPECT_EQ(spec.type, ValueType::SecretFile) << path;
        }
    }
}

TEST(ShippedConfig, LoadsCleanlyWithItsCredential) {
    // config/calconnd.yaml names the tenant secret "client-secret", a systemd credential.
    TempDir credentials;
    credentials.write("client-secret", "placeholder", 0600);
    const auto result = loadSettings(std::string(CALCONN_SOURCE_DIR) + "/config/calconnd.yaml",
                                     LoadOptions{credentials.path()});
    ASSERT_TRUE(result.ok()) << formatDiagnostics(result.diagnostics);
    EXPECT_TRUE(result.diagnostics.empty()) << formatDiagnostics(result.diagnostics);
    // Everything else in the shipped file is a commented default.
    Settings defaults = *result.settings;
    defaults.microsoft365 = {};
    EXPECT_EQ(dumpSettings(defaults), dumpSettings(Settings{}));
}

TEST(ShippedConfig, EveryExampleLoadsAsADropIn) {
    const std::string source = std::string(CALCONN_SOURCE_DIR) + "/config";
    CredentialsDir credentials;
    credentials.write("client-secret", "placeholder", 0600);
    int examples = 0;
    for (const auto& entry : std::filesystem::directory_iterator(source + "/examples")) {
        SCOPED_TRACE(entry.path().string());
        ++examples;
        TempDir dir;
        const auto main_file =
            dir.write("calconnd.yaml", testing::readFile(source + "/calconnd.yaml"));
        dir.write("conf.d/50-example.yaml", testing::readFile(entry.path().string()));
        const auto result = loadSettings(main_file, LoadOptions{credentials.path()});
        EXPECT_TRUE(result.ok());
        EXPECT_EQ(formatDiagnostics(result.diagnostics), "");
    }
    EXPECT_GT(examples, 0);
}

}  // namespace
}  // namespace calconn::settings
