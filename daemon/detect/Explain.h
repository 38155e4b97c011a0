// Renders a Detection for people and tools: one JSON object (the `calconnctl explain --json`
// contract) or a short text that says which target won, why, and why every other candidate lost.
#pragma once

#include "common/JsonString.h"

#include <string>
#include <string_view>

#include "detect/Detection.h"

namespace calconn::detect {

// {"service": ID|null, "uri": URI|null, "dial": {"number","protocol"}|null, "keyword": TEXT|null,
//  "candidates": [{"service","uri","source","position","reason"}...]} on one line, no newline.
std::string renderJson(const Detection& detection);

// Multi-line explanation for a person, ending with a newline.
std::string renderText(const Detection& detection);

// What `calconnctl explain --location TEXT --body-file FILE --body-type html|text [--json]`
// prints, given the file's content. `body_type` is "html" or "text" (anything else: text).
std::string explainCommand(std::string_view location, std::string_view body, std::string_view body_type,
                           bool json, const DetectorOptions& options = {});

// JSON string literal with the quotes, escaping per RFC 8259 (control characters as \u00XX).
using common::jsonString;

}  // namespace calconn::detect
