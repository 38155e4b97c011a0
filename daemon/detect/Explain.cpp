#include "detect/Explain.h"

#include <cstdio>

#include "detect/Detector.h"

namespace calconn::detect {


namespace {

std::string orNull(bool present, std::string_view value) { return present ? jsonString(value) : "null"; }

}  // namespace

std::string renderJson(const Detection& d) {
    std::string out = "{\"service\":";
    out += orNull(d.service != Service::None, serviceId(d.service));
    out += ",\"uri\":";
    out += orNull(d.uri.has_value(), d.uri ? *d.uri : "");
    out += ",\"dial\":";
    if (d.dial) {
        out += "{\"number\":" + jsonString(d.dial->number) + ",\"protocol\":" +
               jsonString(dialProtocolName(d.dial->protocol)) + "}";
    } else {
        out += "null";
    }
    out += ",\"keyword\":";
    out += orNull(d.keyword.has_value(), d.keyword ? *d.keyword : "");
    out += ",\"candidates\":[";
    for (std::size_t i = 0; i < d.candidates.size(); ++i) {
        const Candidate& c = d.candidates[i];
        if (i > 0) out += ',';
        out += "{\"service\":" + orNull(c.service != Service::None, serviceId(c.service));
        out += ",\"uri\":" + orNull(!c.uri.empty(), c.uri);
        out += ",\"source\":" + jsonString(sourceName(c.source));
        out += ",\"position\":" + std::to_string(c.position);
        out += ",\"reason\":" + jsonString(c.reason) + "}";
    }
    out += "]}";
    return out;
}

std::string renderText(const Detection& d) {
    std::string out;
    if (d.service == Service::None) {
        out += "No join target: " + d.summary + ".\n";
    } else if (!d.uri) {
        out += "Service " + std::string(serviceId(d.service)) + " without a link: " + d.summary + ".\n";
    } else {
        out += "Join target: " + std::string(serviceId(d.service)) + " " + *d.uri + "\n";
        out += "Why: " + d.summary + ".\n";
    }
    if (d.dial) {
        out += "Devices dial: " + d.dial->number + " (" + std::string(dialProtocolName(d.dial->protocol)) + ")\n";
    } else if (d.service != Service::None) {
        out += "Devices dial: nothing (no SIP, H.323 or WebRTC address for this target)\n";
    }
    if (d.keyword) out += "Keyword in location: " + *d.keyword + "\n";
    if (d.limited) out += "Note: the body holds more links than the detector reads; later ones were skipped.\n";
    if (d.truncated) out += "Note: the body exceeded the size limit; only its beginning and end were read.\n";
    if (d.candidates.empty()) {
        out += "No candidates were found in the location or the body.\n";
        return out;
    }
    out += "Candidates (" + std::to_string(d.candidates.size()) + "):\n";
    for (std::size_t i = 0; i < d.candidates.size(); ++i) {
        const Candidate& c = d.candidates[i];
        out += static_cast<int>(i) == d.winner ? "  * " : "  - ";
        out += std::string(c.service == Service::None ? "unknown" : serviceId(c.service)) + " " + c.uri;
        out += " [" + std::string(sourceName(c.source)) + " @" + std::to_string(c.position) + "]\n";
        out += "      " + c.reason + "\n";
    }
    return out;
}

std::string explainCommand(std::string_view location, std::string_view body, std::string_view body_type,
                           bool json, const DetectorOptions& options) {
    DetectorInput input;
    input.location = location;
    input.body = body;
    input.body_type = body_type == "html" ? BodyType::Html : BodyType::Text;
    Detection d = Detector(options).detect(input);
    return json ? renderJson(d) + "\n" : renderText(d);
}

}  // namespace calconn::detect
