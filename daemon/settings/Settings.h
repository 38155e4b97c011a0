// The validated, immutable configuration of calconnd. Built only by settings::loadSettings() from
// calconnd.yaml (+ conf.d/*.yaml) and shared as std::shared_ptr<const Settings>; a reload builds a
// new one. Every field mirrors one key of the schema table in settings/Schema.cpp.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace calconn::settings {

// Conventions: an empty string means "not set" (the schema has no default for that key). Enum-like
// values are kept as their validated lower-case schema spelling (e.g. cloud "usgov"). Every
// *_file value is an absolute path: relative credential names are already resolved against
// $CREDENTIALS_DIRECTORY, and the file existed when the settings were loaded. Secrets themselves
// are never read into Settings.

struct DaemonSettings {
    std::string state_directory = "/var/lib/calconn";
    std::string control_socket = "/run/calconn/control.sock";
    std::chrono::seconds shutdown_timeout{20};
    bool operator==(const DaemonSettings&) const = default;
};

struct TenantSettings {
    std::string name;
    std::string tenant_id;         // GUID
    std::string client_id;         // GUID of the app registration
    std::string certificate_file;  // with private_key_file, or else client_secret_file
    std::string private_key_file;
    std::string client_secret_file;
    std::string cloud = "worldwide";  // worldwide|usgov|usgovdod|china
    std::string login_endpoint;       // effective: the override or the cloud's login host
    std::string graph_endpoint;       // effective: the override or the cloud's Graph host
    std::string auth_mode = "app";    // app|delegated
    bool operator==(const TenantSettings&) const = default;
};

struct Microsoft365Settings {
    std::vector<TenantSettings> tenants;
    bool operator==(const Microsoft365Settings&) const = default;
};

struct SyncSettings {
    std::chrono::seconds window_past{std::chrono::hours(24)};
    std::chrono::seconds window_future{std::chrono::hours(24 * 30)};
    std::chrono::seconds poll_interval{60};
    int workers = 16;
    int max_requests_per_mailbox = 4;
    std::string notifications_public_url;  // empty: no change notifications, polling only
    bool operator==(const SyncSettings&) const = default;
};

struct DeviceSettings {
    std::string name;
    std::string type;  // roomos|webhook
    std::string url;
    std::string username;
    std::string password_file;
    std::string ca_file;
    std::string pinned_sha256;  // lower-case hex, no separators
    bool tls_verify = true;
    std::string secret_file;
    bool operator==(const DeviceSettings&) const = default;
};

struct RoomSettings {
    std::string mailbox;
    std::string private_title;  // empty: devices.private_title
    std::vector<DeviceSettings> devices;
    bool operator==(const RoomSettings&) const = default;
};

struct MailboxesSettings {
    std::vector<std::string> users;
    std::string users_file;
    std::vector<RoomSettings> rooms;
    bool operator==(const MailboxesSettings&) const = default;
};

struct DevicesSettings {
    std::chrono::seconds horizon{std::chrono::hours(72)};
    std::chrono::seconds refresh_interval{std::chrono::minutes(15)};
    std::chrono::seconds join_lead{std::chrono::minutes(5)};
    std::chrono::seconds start_time_buffer{std::chrono::minutes(5)};
    std::chrono::seconds end_time_buffer{0};
    bool show_tentative = true;
    bool show_declined = false;
    std::string private_title = "Private meeting";
    bool operator==(const DevicesSettings&) const = default;
};

struct KeywordSettings {
    std::string keyword;  // e.g. "@webex", as written in a meeting's Location
    std::string action;   // personal_room|webex_meeting
    std::string site;     // Webex site, e.g. "acme" for acme.webex.com
    std::map<std::string, std::string> modifiers;  // ":myroom" -> action
    bool operator==(const KeywordSettings&) const = default;
};

struct WebexSettings {
    std::string api_endpoint = "https://webexapis.com/v1";
    std::string token_file;  // needed by webex_meeting keywords only
    std::string site;        // site of keywords that name none, e.g. "acme"
    bool operator==(const WebexSettings&) const = default;
};

// Keyword actions. No keywords configured means the defaults "@webex" (personal_room) and
// "@meet" (webex_meeting), see joindetails::effectiveKeywordRules.
struct JoinDetailsSettings {
    bool enabled = true;
    std::string template_dir = "/etc/calconn/join-details";  // LOCALE.html / LOCALE.txt overrides
    bool operator==(const JoinDetailsSettings&) const = default;
};

struct PresenceSinkSettings {
    std::string type;  // webhook
    std::string url;
    std::string secret_file;
    bool operator==(const PresenceSinkSettings&) const = default;
};

struct PresenceSettings {
    std::chrono::seconds poll_interval{std::chrono::minutes(5)};
    bool include_reply_message = false;
    std::vector<PresenceSinkSettings> sinks;
    bool operator==(const PresenceSettings&) const = default;
};

struct ApiSettings {
    std::string listen = "127.0.0.1:8443";  // host:port; port 0 picks a free port
    std::string tls_certificate_file;       // both TLS files or neither (plain HTTP)
    std::string tls_private_key_file;
    std::string tokens_file = "/etc/calconn/api-tokens.yaml";  // may not exist yet
    bool operator==(const ApiSettings&) const = default;
};

struct KmsSettings {
    std::string mode = "local";         // local|hds
    std::string local_master_key_file;  // empty: generated in the state directory
    std::string hds_url;
    std::string hds_kms_certificate_file;
    std::string hds_token_file;
    bool operator==(const KmsSettings&) const = default;
};

struct TlsSettings {
    std::string ca_file;  // empty: the system trust store
    bool operator==(const TlsSettings&) const = default;
};

struct LoggingSettings {
    std::string level = "info";   // error|warning|info|debug|trace
    std::string target = "auto";  // auto|journal|stderr
    bool operator==(const LoggingSettings&) const = default;
};

struct DetectSettings {
    std::uint64_t max_body_size = 1024 * 1024;  // bytes
    bool operator==(const DetectSettings&) const = default;
};

struct Settings {
    DaemonSettings daemon;
    Microsoft365Settings microsoft365;
    SyncSettings sync;
    MailboxesSettings mailboxes;
    DevicesSettings devices;
    std::vector<KeywordSettings> keywords;  // in file order; empty: the default keywords
    WebexSettings webex;
    JoinDetailsSettings joindetails;
    PresenceSettings presence;
    ApiSettings api;
    KmsSettings kms;
    TlsSettings tls;
    LoggingSettings logging;
    DetectSettings detect;
    std::string config_file;  // main file path as given; not part of the configuration itself

    // Equal configuration; config_file is ignored.
    bool operator==(const Settings& other) const;
};

}  // namespace calconn::settings
