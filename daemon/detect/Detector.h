// Decides what a device or app should join for one calendar event: reads the structured Graph
// fields, the location (URLs, keywords such as "@webex", placeholders such as "Microsoft Teams
// Meeting") and the body (HTML or text), unwraps mail-gateway links, classifies every candidate
// by service grammar and ranks them by the policy of research/linkdetect.md §7. Pure; no I/O.
#pragma once

#include "detect/Detection.h"

namespace calconn::detect {

class Detector {
public:
    explicit Detector(DetectorOptions options = {});

    // Linear in the input size; bodies longer than max_body_size are read as their first and
    // last max_body_size/2 bytes (the Teams block sits at the end) and flagged truncated.
    Detection detect(const DetectorInput& input) const;

    const DetectorOptions& options() const { return options_; }

private:
    DetectorOptions options_;
};

// Convenience for one-off calls (tests, calconnctl explain).
Detection detect(const DetectorInput& input, const DetectorOptions& options = {});

}  // namespace calconn::detect
