// Detection for a cached meeting: the bridge from core::Meeting to the detector's input and
// from its Detection to the core::JoinTarget that bookings, meeting lists and notifications
// carry. Pure; the meeting must outlive the DetectorInput that views into it.
#pragma once

#include <optional>

#include "core/Meeting.h"
#include "detect/Detector.h"

namespace calconn::detect {

DetectorInput detectorInput(const core::Meeting& meeting);

// The join target, or none when detection found neither a link nor a service (a keyword or a
// placeholder alone yields a target with the service and no URI).
std::optional<core::JoinTarget> joinTargetOf(const Detection& detection);

std::optional<core::JoinTarget> joinTargetFor(const core::Meeting& meeting,
                                              const Detector& detector);

}  // namespace calconn::detect
