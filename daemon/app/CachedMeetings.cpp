#include "app/CachedMeetings.h"

#include "detect/MeetingDetection.h"

namespace calconn::app {

detect::DetectorOptions detectorOptionsFor(const settings::Settings& settings) {
    detect::DetectorOptions options;
    options.max_body_size = static_cast<std::size_t>(settings.detect.max_body_size);
    if (!settings.keywords.empty()) {
        options.keywords.clear();
        // Both keyword actions (personal_room, webex_meeting) produce Webex meetings.
        for (const settings::KeywordSettings& keyword : settings.keywords) {
            options.keywords.push_back({keyword.keyword, detect::Service::Webex});
        }
    }
    return options;
}

CachedMeetings::CachedMeetings(store::MeetingStore& store, const SettingsHolder& settings)
    : store_(store), settings_(settings) {}

std::shared_ptr<const detect::Detector> CachedMeetings::detector() const {
    const auto settings = settings_.get();
    std::lock_guard lock(mutex_);
    if (!detector_ || detector_settings_ != settings) {
        detector_ = std::make_shared<const detect::Detector>(detectorOptionsFor(*settings));
        detector_settings_ = settings;
    }
    return detector_;
}

common::Result<std::vector<devices::BookingInput>> CachedMeetings::inWindow(
    const std::string& mailbox, core::UtcSeconds from, core::UtcSeconds to) const {
    auto meetings = store_.meetingsInWindow(mailbox, from, to);
    if (!meetings) return meetings.error();
    const auto detector = this->detector();
    std::vector<devices::BookingInput> out;
    out.reserve(meetings->size());
    for (core::Meeting& meeting : *meetings) {
        devices::BookingInput input;
        input.join = detect::joinTargetFor(meeting, *detector);
        input.meeting = std::move(meeting);
        out.push_back(std::move(input));
    }
    return out;
}

devices::DevicePushService::BookingSource CachedMeetings::bookingSource(
    const common::Clock& clock) const {
    return [this, &clock](
               const std::string& room) -> common::Result<std::vector<devices::BookingInput>> {
        auto mailbox = store_.mailbox(room);
        if (!mailbox) return mailbox.error();
        if (!*mailbox || !(*mailbox)->last_sync) return devices::roomNotSyncedYet(room);
        const auto now = std::chrono::floor<std::chrono::seconds>(clock.now());
        return inWindow(room, now, now + settings_.get()->devices.horizon);
    };
}

}  // namespace calconn::app
