#include "settings/Schema.h"

#include <array>

namespace calconn::settings {
namespace {

using T = ValueType;
constexpr bool kRequired = true;
constexpr bool kOptional = false;
constexpr bool kReload = true;
constexpr bool kRestart = false;

// Keep in the order of man/calconnd.yaml.5.scd and config/calconnd.yaml; a section comes
// before its keys. Defaults are canonical text (what --dump-config prints).
constexpr std::array kSchema = {
    KeySpec{"daemon", T::Section, "", "", kOptional, kReload, "process-wide settings"},
    KeySpec{"daemon.state_directory", T::Path, "/var/lib/calconn", "", kOptional, kRestart,
            "directory of the encrypted store and local keys (mode 0700)"},
    KeySpec{"daemon.control_socket", T::Path, "/run/calconn/control.sock", "", kOptional, kRestart,
            "Unix socket for calconnctl, guarded by file permissions"},
    KeySpec{"daemon.shutdown_timeout", T::Duration, "20s", "1s..10m", kOptional, kReload,
            "how long a stop waits for running work before giving up"},

    KeySpec{"microsoft365", T::Section, "", "", kRequired, kReload,
            "Microsoft 365 tenants whose calendars are connected"},
    KeySpec{"microsoft365.tenants", T::List, "", "", kRequired, kReload,
            "one entry per tenant and app registration; at least one"},
    KeySpec{"microsoft365.tenants[].name", T::String, "", "", kRequired, kReload,
            "short unique name used in logs and calconnctl"},
    KeySpec{"microsoft365.tenants[].tenant_id", T::Guid, "", "", kRequired, kReload,
            "directory (tenant) ID"},
    KeySpec{"microsoft365.tenants[].client_id", T::Guid, "", "", kRequired, kReload,
            "application (client) ID of the app registration"},
    KeySpec{"microsoft365.tenants[].certificate_file", T::File, "", "", kOptional, kReload,
            "certificate of the app registration (PEM); needs private_key_file"},
    KeySpec{"microsoft365.tenants[].private_key_file", T::SecretFile, "", "", kOptional, kReload,
            "private key of certificate_file (PEM)"},
    KeySpec{"microsoft365.tenants[].client_secret_file", T::SecretFile, "", "", kOptional, kReload,
            "client secret, instead of a certificate"},
    KeySpec{"microsoft365.tenants[].cloud", T::Enum, "worldwide", "worldwide|usgov|usgovdod|china",
            kOptional, kReload, "national cloud; selects the login and Graph endpoints"},
    KeySpec{"microsoft365.tenants[].login_endpoint", T::Url, "", "https", kOptional, kReload,
            "identity platform base URL; default follows cloud"},
    KeySpec{"microsoft365.tenants[].graph_endpoint", T::Url, "", "https", kOptional, kReload,
            "Microsoft Graph base URL; default follows cloud"},
    KeySpec{"microsoft365.tenants[].auth_mode", T::Enum, "app", "app|delegated", kOptional, kReload,
            "application permissions (admin consent) or delegated (users connect)"},

    KeySpec{"sync", T::Section, "", "", kOptional, kReload,
            "calendar synchronisation with Microsoft Graph"},
    KeySpec{"sync.window", T::Section, "", "", kOptional, kReload,
            "time range of the calendars kept"},
    KeySpec{"sync.window.past", T::Duration, "1d", "0s..365d", kOptional, kReload,
            "how far back meetings are kept"},
    KeySpec{"sync.window.future", T::Duration, "30d", "1d..730d", kOptional, kReload,
            "how far ahead meetings are kept"},
    KeySpec{"sync.poll_interval", T::Duration, "1m", "10s..1d", kOptional, kReload,
            "delta query interval of each mailbox (a safety net with notifications)"},
    KeySpec{"sync.workers", T::Integer, "16", "1..256", kOptional, kRestart,
            "mailboxes synchronised concurrently"},
    KeySpec{"sync.max_requests_per_mailbox", T::Integer, "4", "1..4", kOptional, kReload,
            "concurrent Graph requests per mailbox (Graph allows 4)"},
    KeySpec{"sync.notifications", T::Section, "", "", kOptional, kReload,
            "Graph change notifications"},
    KeySpec{"sync.notifications.public_url", T::Url, "", "https", kOptional, kReload,
            "public HTTPS URL that reaches /graph/notifications; unset: polling only"},

    KeySpec{"mailboxes", T::Section, "", "", kOptional, kReload, "user and room mailboxes served"},
    KeySpec{"mailboxes.users", T::EmailList, "", "", kOptional, kReload, "user mailboxes (UPNs)"},
    KeySpec{"mailboxes.users_file", T::File, "", "", kOptional, kReload,
            "file with one user mailbox per line, instead of users"},
    KeySpec{"mailboxes.rooms", T::List, "", "", kOptional, kReload,
            "room mailboxes and their video devices"},
    KeySpec{"mailboxes.rooms[].mailbox", T::Email, "", "", kRequired, kReload,
            "room mailbox address"},
    KeySpec{"mailboxes.rooms[].private_title", T::String, "", "", kOptional, kReload,
            "this room's title for private meetings; default: devices.private_title"},
    KeySpec{"mailboxes.rooms[].devices", T::List, "", "", kOptional, kReload,
            "devices that receive the room's bookings"},
    KeySpec{"mailboxes.rooms[].devices[].name", T::String, "", "", kOptional, kReload,
            "label used in logs and calconnctl; default: the URL's host"},
    KeySpec{"mailboxes.rooms[].devices[].type", T::Enum, "", "roomos|webhook", kRequired, kReload,
            "roomos (Cisco xAPI over HTTPS) or webhook (signed JSON POST)"},
    KeySpec{"mailboxes.rooms[].devices[].url", T::Url, "", "https", kRequired, kReload,
            "device base URL, or the webhook URL"},
    KeySpec{"mailboxes.rooms[].devices[].username", T::String, "", "", kOptional, kReload,
            "roomos: local user with the Admin role (Bookings Put needs it)"},
    KeySpec{"mailboxes.rooms[].devices[].password_file", T::SecretFile, "", "", kOptional, kReload,
            "roomos: file with that user's password"},
    KeySpec{"mailboxes.rooms[].devices[].ca_file", T::File, "", "", kOptional, kReload,
            "CA certificates (PEM) that sign the device certificate"},
    KeySpec{"mailboxes.rooms[].devices[].pinned_sha256", T::Sha256, "", "", kOptional, kReload,
            "SHA-256 of the device certificate, instead of ca_file"},
    KeySpec{"mailboxes.rooms[].devices[].tls_verify", T::Boolean, "true", "", kOptional, kReload,
            "false accepts any certificate (warned; for labs only)"},
    KeySpec{"mailboxes.rooms[].devices[].secret_file", T::SecretFile, "", "", kOptional, kReload,
            "webhook: HMAC-SHA256 key that signs each request"},

    KeySpec{"devices", T::Section, "", "", kOptional, kReload,
            "what is pushed to room devices, and when"},
    KeySpec{"devices.horizon", T::Duration, "72h", "1h..14d", kOptional, kReload,
            "how far ahead bookings are pushed"},
    KeySpec{"devices.refresh_interval", T::Duration, "15m", "1m..1d", kOptional, kReload,
            "full re-push interval even without changes"},
    KeySpec{"devices.join_lead", T::Duration, "5m", "0s..1h", kOptional, kReload,
            "how early the Join button and the meeting-starting notification appear"},
    KeySpec{"devices.start_time_buffer", T::Duration, "5m", "0s..1h", kOptional, kReload,
            "booking start buffer sent to the device"},
    KeySpec{"devices.end_time_buffer", T::Duration, "0s", "0s..1h", kOptional, kReload,
            "booking end buffer sent to the device"},
    KeySpec{"devices.show_tentative", T::Boolean, "true", "", kOptional, kReload,
            "push meetings the room accepted tentatively"},
    KeySpec{"devices.show_declined", T::Boolean, "false", "", kOptional, kReload,
            "push meetings the room declined"},
    KeySpec{"devices.private_title", T::String, "Private meeting", "", kOptional, kReload,
            "title shown instead of the subject of private meetings"},

    KeySpec{"keywords", T::Map, "", "", kOptional, kReload,
            "Location keywords that ask for join details; unset: \"@webex\" and \"@meet\""},
    KeySpec{"keywords.*", T::Section, "", "", kOptional, kReload,
            "one keyword, as typed into a meeting's Location"},
    KeySpec{"keywords.*.action", T::Enum, "", "personal_room|webex_meeting", kRequired, kReload,
            "join details to add: the organiser's personal room or a new Webex meeting"},
    KeySpec{"keywords.*.site", T::String, "", "", kOptional, kReload,
            "Webex site name (acme for acme.webex.com); default: webex.site"},
    KeySpec{"keywords.*.modifiers", T::Map, "", "", kOptional, kReload,
            "suffixes that change the action, e.g. \":myroom\": personal_room"},
    KeySpec{"keywords.*.modifiers.*", T::Enum, "", "personal_room|webex_meeting", kOptional,
            kReload, "action taken when the keyword carries this suffix"},

    KeySpec{"webex", T::Section, "", "", kOptional, kReload,
            "Webex REST API used for keyword actions"},
    KeySpec{"webex.api_endpoint", T::Url, "https://webexapis.com/v1", "https", kOptional, kReload,
            "Webex API base URL"},
    KeySpec{"webex.token_file", T::SecretFile, "", "", kOptional, kReload,
            "Webex access token; required by webex_meeting keywords"},
    KeySpec{"webex.site", T::String, "", "", kOptional, kReload,
            "Webex site of keywords that name none (acme for acme.webex.com)"},

    KeySpec{"joindetails", T::Section, "", "", kOptional, kReload,
            "join details written into meetings that carry a keyword"},
    KeySpec{"joindetails.enabled", T::Boolean, "true", "", kOptional, kReload,
            "apply keywords to meetings organised by configured users"},
    KeySpec{"joindetails.template_dir", T::Path, "/etc/calconn/join-details", "", kOptional,
            kReload, "LOCALE.html and LOCALE.txt files that replace the shipped templates"},

    KeySpec{"presence", T::Section, "", "", kOptional, kReload,
            "out-of-office presence from automatic replies"},
    KeySpec{"presence.poll_interval", T::Duration, "5m", "10s..1d", kOptional, kReload,
            "how often automatic-reply settings are read"},
    KeySpec{"presence.include_reply_message", T::Boolean, "false", "", kOptional, kReload,
            "send the automatic-reply text to sinks (it may be personal)"},
    KeySpec{"presence.sinks", T::List, "", "", kOptional, kReload,
            "where presence changes are sent"},
    KeySpec{"presence.sinks[].type", T::Enum, "", "webhook", kRequired, kReload,
            "webhook: signed JSON POST"},
    KeySpec{"presence.sinks[].url", T::Url, "", "https", kRequired, kReload, "webhook URL"},
    KeySpec{"presence.sinks[].secret_file", T::SecretFile, "", "", kRequired, kReload,
            "HMAC-SHA256 key that signs each request"},

    KeySpec{"api", T::Section, "", "", kOptional, kReload,
            "local REST API and Graph notification receiver"},
    KeySpec{"api.listen", T::HostPort, "127.0.0.1:8443", "", kOptional, kRestart,
            "address and port to listen on (port 0: any free port)"},
    KeySpec{"api.tls", T::Section, "", "", kOptional, kRestart,
            "HTTPS for the API; without it the API speaks plain HTTP"},
    KeySpec{"api.tls.certificate_file", T::File, "", "", kOptional, kRestart,
            "server certificate chain (PEM)"},
    KeySpec{"api.tls.private_key_file", T::SecretFile, "", "", kOptional, kRestart,
            "server private key (PEM)"},
    KeySpec{"api.tokens_file", T::Path, "/etc/calconn/api-tokens.yaml", "", kOptional, kReload,
            "hashed bearer tokens written by calconnctl token; may not exist yet"},

    KeySpec{"kms", T::Section, "", "", kOptional, kRestart,
            "key management for the encrypted store"},
    KeySpec{"kms.mode", T::Enum, "local", "local|hds", kOptional, kRestart,
            "local keys in the state directory, or a Hybrid Data Security KMS"},
    KeySpec{"kms.local", T::Section, "", "", kOptional, kRestart, "local KMS"},
    KeySpec{"kms.local.master_key_file", T::SecretFile, "", "", kOptional, kRestart,
            "master key; default: generated in the state directory"},
    KeySpec{"kms.hds", T::Section, "", "", kOptional, kRestart,
            "Hybrid Data Security KMS (kms.mode: hds)"},
    KeySpec{"kms.hds.url", T::Url, "", "https", kOptional, kRestart, "KMS bridge URL"},
    KeySpec{"kms.hds.kms_certificate_file", T::File, "", "", kOptional, kRestart,
            "certificate of the KMS static RSA key (PEM)"},
    KeySpec{"kms.hds.token_file", T::SecretFile, "", "", kOptional, kRestart,
            "OAuth access token of the machine account that the KMS trusts"},

    KeySpec{"tls", T::Section, "", "", kOptional, kReload,
            "outgoing TLS to Microsoft, Webex and sinks"},
    KeySpec{"tls.ca_file", T::File, "", "", kOptional, kReload,
            "CA certificates (PEM); default: the system trust store"},

    KeySpec{"logging", T::Section, "", "", kOptional, kReload, "log output"},
    KeySpec{"logging.level", T::Enum, "info", "error|warning|info|debug|trace", kOptional, kReload,
            "least severe level logged"},
    KeySpec{"logging.target", T::Enum, "auto", "auto|journal|stderr", kOptional, kRestart,
            "auto: the journal under systemd, stderr otherwise"},

    KeySpec{"detect", T::Section, "", "", kOptional, kReload, "join-target detection"},
    KeySpec{"detect.max_body_size", T::Size, "1MiB", "1KiB..64MiB", kOptional, kReload,
            "larger meeting bodies are cut before detection"},
};

std::string_view parentOf(std::string_view pattern) {
    // "a.b[].c" -> "a.b[]"; "a.*" -> "a"; "a" -> "".
    const auto dot = pattern.rfind('.');
    return dot == std::string_view::npos ? std::string_view{} : pattern.substr(0, dot);
}

}  // namespace

std::span<const KeySpec> schema() { return kSchema; }

const KeySpec* findKey(std::string_view pattern) {
    for (const auto& spec : kSchema) {
        if (spec.path == pattern) return &spec;
    }
    return nullptr;
}

std::vector<const KeySpec*> childKeys(std::string_view parent_pattern) {
    std::vector<const KeySpec*> out;
    for (const auto& spec : kSchema) {
        auto parent = parentOf(spec.path);
        // List elements: children of "a.list" live under "a.list[]".
        if (parent == parent_pattern) out.push_back(&spec);
    }
    return out;
}

std::string_view typeName(ValueType type) {
    switch (type) {
        case T::Section:
            return "section";
        case T::List:
            return "list";
        case T::Map:
            return "map";
        case T::String:
            return "string";
        case T::Path:
            return "path";
        case T::File:
            return "file";
        case T::SecretFile:
            return "secret file";
        case T::Duration:
            return "duration";
        case T::Size:
            return "size";
        case T::Url:
            return "URL";
        case T::Guid:
            return "GUID";
        case T::Email:
            return "e-mail address";
        case T::HostPort:
            return "host:port";
        case T::Sha256:
            return "SHA-256 fingerprint";
        case T::Enum:
            return "enum";
        case T::Integer:
            return "integer";
        case T::Boolean:
            return "boolean";
        case T::StringList:
            return "list of strings";
        case T::EmailList:
            return "list of e-mail addresses";
    }
    return "?";
}

bool isScalarType(ValueType type) {
    switch (type) {
        case T::Section:
        case T::List:
        case T::Map:
        case T::StringList:
        case T::EmailList:
            return false;
        default:
            return true;
    }
}

}  // namespace calconn::settings
