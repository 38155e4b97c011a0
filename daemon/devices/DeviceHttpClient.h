// HTTPS to one room device with the device's own trust setting (research §1.3: devices ship
// self-signed certificates): a CA file (the net client, chain and name checked), a pinned
// SHA-256 of the device certificate (checked after the handshake, before any byte of the
// request, so credentials never reach an impostor), or no verification at all when the admin
// explicitly set tls_verify: false (warned at creation).
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "common/Result.h"
#include "net/HttpClient.h"
#include "settings/Settings.h"

namespace calconn::devices {

struct DeviceTlsOptions {
    std::string ca_file;        // PEM; empty = the system's CAs
    std::string pinned_sha256;  // hex SHA-256 of the DER certificate; any case, ':' allowed
    bool verify = true;         // false: accept any certificate (labs only)
    std::chrono::milliseconds connect_timeout{5'000};
    std::chrono::milliseconds read_timeout{15'000};
};

// Lower-case hex SHA-256 of a PEM certificate file's DER form (what pinned_sha256 holds;
// equal to `openssl x509 -in FILE -outform DER | sha256sum`).
common::Result<std::string> certificateSha256(const std::string& pem_file);

// Fails with Config when the CA file cannot be loaded or the pin is not 64 hex digits.
common::Result<std::unique_ptr<net::HttpClient>> makeDeviceHttpClient(
    const DeviceTlsOptions& options);
common::Result<std::unique_ptr<net::HttpClient>> makeDeviceHttpClient(
    const settings::DeviceSettings& device);

}  // namespace calconn::devices
