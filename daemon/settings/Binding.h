// Internal to the settings module: the one place that maps Settings fields to schema keys. The
// same template reads a validated tree into Settings, writes Settings as YAML and flattens them
// for comparison; the order of the calls here is the order of --dump-config (schema order, which
// a unit test checks).
#pragma once

#include "settings/Settings.h"

namespace calconn::settings {

// Io: Reader (S = Settings) or a writer (S = const Settings).
template <class Io, class S>
void bindSettings(Io& io, S& s) {
    io.section("daemon", [&](Io& d) {
        d.field("state_directory", s.daemon.state_directory);
        d.field("control_socket", s.daemon.control_socket);
        d.field("shutdown_timeout", s.daemon.shutdown_timeout);
    });
    io.section("microsoft365", [&](Io& m) {
        m.list("tenants", s.microsoft365.tenants, [](Io& t, auto& tenant) {
            t.field("name", tenant.name);
            t.field("tenant_id", tenant.tenant_id);
            t.field("client_id", tenant.client_id);
            t.field("certificate_file", tenant.certificate_file);
            t.field("private_key_file", tenant.private_key_file);
            t.field("client_secret_file", tenant.client_secret_file);
            t.field("cloud", tenant.cloud);
            t.field("login_endpoint", tenant.login_endpoint);
            t.field("graph_endpoint", tenant.graph_endpoint);
            t.field("auth_mode", tenant.auth_mode);
        });
    });
    io.section("sync", [&](Io& y) {
        y.section("window", [&](Io& w) {
            w.field("past", s.sync.window_past);
            w.field("future", s.sync.window_future);
        });
        y.field("poll_interval", s.sync.poll_interval);
        y.field("workers", s.sync.workers);
        y.field("max_requests_per_mailbox", s.sync.max_requests_per_mailbox);
        y.section("notifications",
                  [&](Io& n) { n.field("public_url", s.sync.notifications_public_url); });
    });
    io.section("mailboxes", [&](Io& m) {
        m.field("users", s.mailboxes.users);
        m.field("users_file", s.mailboxes.users_file);
        m.list("rooms", s.mailboxes.rooms, [](Io& r, auto& room) {
            r.field("mailbox", room.mailbox);
            r.field("private_title", room.private_title);
            r.list("devices", room.devices, [](Io& d, auto& device) {
                d.field("name", device.name);
                d.field("type", device.type);
                d.field("url", device.url);
                d.field("username", device.username);
                d.field("password_file", device.password_file);
                d.field("ca_file", device.ca_file);
                d.field("pinned_sha256", device.pinned_sha256);
                d.field("tls_verify", device.tls_verify);
                d.field("secret_file", device.secret_file);
            });
        });
    });
    io.section("devices", [&](Io& d) {
        d.field("horizon", s.devices.horizon);
        d.field("refresh_interval", s.devices.refresh_interval);
        d.field("join_lead", s.devices.join_lead);
        d.field("start_time_buffer", s.devices.start_time_buffer);
        d.field("end_time_buffer", s.devices.end_time_buffer);
        d.field("show_tentative", s.devices.show_tentative);
        d.field("show_declined", s.devices.show_declined);
        d.field("private_title", s.devices.private_title);
    });
    io.map("keywords", s.keywords, &KeywordSettings::keyword, [](Io& k, auto& keyword) {
        k.field("action", keyword.action);
        k.field("site", keyword.site);
        k.field("modifiers", keyword.modifiers);
    });
    io.section("webex", [&](Io& w) {
        w.field("api_endpoint", s.webex.api_endpoint);
        w.field("token_file", s.webex.token_file);
        w.field("site", s.webex.site);
    });
    io.section("joindetails", [&](Io& j) {
        j.field("enabled", s.joindetails.enabled);
        j.field("template_dir", s.joindetails.template_dir);
    });
    io.section("presence", [&](Io& p) {
        p.field("poll_interval", s.presence.poll_interval);
        p.field("include_reply_message", s.presence.include_reply_message);
        p.list("sinks", s.presence.sinks, [](Io& k, auto& sink) {
            k.field("type", sink.type);
            k.field("url", sink.url);
            k.field("secret_file", sink.secret_file);
        });
    });
    io.section("api", [&](Io& a) {
        a.field("listen", s.api.listen);
        a.section("tls", [&](Io& t) {
            t.field("certificate_file", s.api.tls_certificate_file);
            t.field("private_key_file", s.api.tls_private_key_file);
        });
        a.field("tokens_file", s.api.tokens_file);
    });
    io.section("kms", [&](Io& k) {
        k.field("mode", s.kms.mode);
        k.section("local", [&](Io& l) { l.field("master_key_file", s.kms.local_master_key_file); });
        k.section("hds", [&](Io& h) {
            h.field("url", s.kms.hds_url);
            h.field("kms_certificate_file", s.kms.hds_kms_certificate_file);
            h.field("token_file", s.kms.hds_token_file);
        });
    });
    io.section("tls", [&](Io& t) { t.field("ca_file", s.tls.ca_file); });
    io.section("logging", [&](Io& l) {
        l.field("level", s.logging.level);
        l.field("target", s.logging.target);
    });
    io.section("detect", [&](Io& d) { d.field("max_body_size", s.detect.max_body_size); });
}

}  // namespace calconn::settings
