#include "devices/webhook/WebhookCodec.h"

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

}  // namespace calconn::devices::webhook
