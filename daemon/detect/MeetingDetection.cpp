#include "detect/MeetingDetection.h"

namespace calconn::detect {

namespace {

core::JoinService coreService(Service service) {
    switch (service) {
        case Service::Teams: return core::JoinService::Teams;
        case Service::Zoom: return core::JoinService::Zoom;
        case Service::GoogleMeet: return core::JoinService::GoogleMeet;
        case Service::Webex: return core::JoinService::Webex;
        case Service::Sip: return core::JoinService::Sip;
        case Service::None: return core::JoinService::Unknown;
        default: return core::JoinService::Other;
    }
}

}  // namespace

DetectorInput detectorInput(const core::Meeting& meeting) {
    DetectorInput input;
    input.location = meeting.location.display_name;
    for (const core::Location& location : meeting.locations) {
        input.locations.emplace_back(location.display_name);
        if (!location.uri.empty()) input.locations.emplace_back(location.uri);
    }
    input.body = meeting.body.content;
    input.body_type = meeting.body.type == core::BodyType::Html ? BodyType::Html : BodyType::Text;
    input.online_meeting_join_url = meeting.online_meeting_join_url;
    return input;
}

std::optional<core::JoinTarget> joinTargetOf(const Detection& detection) {
    if (detection.service == Service::None) return std::nullopt;
    core::JoinTarget target;
    target.service = coreService(detection.service);
    target.service_id = std::string(serviceId(detection.service));
    if (detection.uri) target.uri = *detection.uri;
    if (detection.dial) {
        target.dial_number = detection.dial->number;
        target.dial_protocol = std::string(dialProtocolName(detection.dial->protocol));
    }
    return target;
}

std::optional<core::JoinTarget> joinTargetFor(const core::Meeting& meeting,
                                              const Detector& detector) {
    return joinTargetOf(detector.detect(detectorInput(meeting)));
}

}  // namespace calconn::detect
