#include "devices/webhook/WebhookCodec.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <chrono>

#include "devices/JsonText.h"

namespace calconn::devices::webhook {

std::string webhookBody(std::string_view room, core::UtcSeconds generated_at,
                        const std::vector<DeviceBooking>& bookings) {
    std::string out = "{\"room\":" + jsonString(room);
    out += ",\"generated_at\":" + jsonString(formatUtc(generated_at));
    out += ",\"bookings\":[";
    for (std::size_t i = 0; i < bookings.size(); ++i) {
        const DeviceBooking& b = bookings[i];
        if (i) out += ',';
        out += "{\"id\":" + jsonString(b.id);
        out += ",\"title\":" + jsonString(b.title);
        out += ",\"private\":";
        out += b.is_private ? "true" : "false";
        out += ",\"tentative\":";
        out += b.is_tentative ? "true" : "false";
        out += ",\"start\":" + jsonString(formatUtc(b.start));
        out +=
            ",\"end\":" + jsonString(formatUtc(b.start + std::chrono::minutes(b.duration_minutes)));
        out += ",\"duration_minutes\":" + std::to_string(b.duration_minutes);
        out += ",\"start_time_buffer\":" + std::to_string(b.start_time_buffer_seconds);
        out += ",\"end_time_buffer\":" + std::to_string(b.end_time_buffer_seconds);
        out += ",\"organizer\":{\"name\":" + jsonString(b.organizer_name);
        out += ",\"email\":" + jsonString(b.organizer_email) + "}";
        out += ",\"join\":";
        if (b.number.empty()) {
            out += "null";
        } else {
            out += "{\"number\":" + jsonString(b.number) +
                   ",\"protocol\":" + jsonString(b.protocol) +
                   ",\"platform\":" + jsonString(b.meeting_platform) + "}";
        }
        out += '}';
    }
    out += "]}";
    return out;
}

std::string hmacSha256Hex(std::string_view secret, std::string_view body) {
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
         reinterpret_cast<const unsigned char*>(body.data()), body.size(), mac, &mac_len);
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(mac_len * 2);
    for (unsigned int i = 0; i < mac_len; ++i) {
        out += kHex[mac[i] >> 4];
        out += kHex[mac[i] & 0x0f];
    }
    OPENSSL_cleanse(mac, sizeof mac);
    return out;
}

std::string signatureHeaderValue(std::string_view secret, std::string_view body) {
    return "sha256=" + hmacSha256Hex(secret, body);
}

bool verifySignature(std::string_view secret, std::string_view body,
                     std::string_view header_value) {
    const std::string expected = signatureHeaderValue(secret, body);
    if (header_value.size() != expected.size()) return false;
    return CRYPTO_memcmp(expected.data(), header_value.data(), expected.size()) == 0;
}

}  // namespace calconn::devices::webhook
