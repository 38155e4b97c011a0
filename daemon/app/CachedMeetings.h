// The cache as the modules built on it read it: a mailbox's meetings from sync's store, each
// with the join target detection finds, the detector following the current settings
// (detect.max_body_size, the configured keywords). Also the room devices' BookingSource.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "app/SettingsHolder.h"
#include "common/Clock.h"
#include "common/Result.h"
#include "detect/Detector.h"
#include "devices/DevicePushService.h"
#include "store/MeetingStore.h"

namespace calconn::app {

// The detector options calconnd uses: the body cap and the configured keywords (the
// detector's defaults when none are configured, as `calconnctl explain` does).
detect::DetectorOptions detectorOptionsFor(const settings::Settings& settings);

class CachedMeetings {
public:
    // Both must outlive this object.
    CachedMeetings(store::MeetingStore& store, const SettingsHolder& settings);

    // Instances (no series masters) overlapping [from, to), by start, with join targets.
    common::Result<std::vector<devices::BookingInput>> inWindow(const std::string& mailbox,
                                                                core::UtcSeconds from,
                                                                core::UtcSeconds to) const;

    // The room's meetings in [now, now + devices.horizon), `now` from `clock`; the
    // not-synced-yet answer while the room has never completed a sync round.
    devices::DevicePushService::BookingSource bookingSource(const common::Clock& clock) const;

private:
    std::shared_ptr<const detect::Detector> detector() const;

    store::MeetingStore& store_;
    const SettingsHolder& settings_;
    mutable std::mutex mutex_;
    mutable std::shared_ptr<const settings::Settings> detector_settings_;
    mutable std::shared_ptr<const detect::Detector> detector_;
};

}  // namespace calconn::app
