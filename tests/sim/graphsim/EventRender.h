// Serialises events, occurrences and tombstones in Graph's wire shape, applying the
// outlook.timezone and outlook.body-content-type preferences.
#pragma once

#include <string>
#include <vector>

#include "Json.h"
#include "Tenant.h"

namespace calconn::graphsim {

struct RenderOptions {
    const TimeZoneInfo* zone = nullptr;  // nullptr: UTC
    std::string zone_name = "UTC";       // echoed as dateTimeTimeZone.timeZone
    bool body_text = false;
    bool with_odata_type = false;  // delta items carry @odata.type
    std::vector<std::string> expand_extended;  // $expand=singleValueExtendedProperties($filter=...)
};

void renderInstance(JsonWriter& w, const Instance& instance, const RenderOptions& options);
// The series master itself (type seriesMaster, with recurrence).
void renderMaster(JsonWriter& w, const Event& master, const RenderOptions& options);
// Delta's bare occurrence: @odata.type, @odata.etag, id, seriesMasterId, type, start, end.
void renderBareOccurrence(JsonWriter& w, const Instance& instance, const RenderOptions& options);
void renderTombstone(JsonWriter& w, const std::string& id);

void renderDateTimeTimeZone(JsonWriter& w, Seconds utc, bool floating, const RenderOptions& o);

// Outlook's text rendition of an HTML body: tags dropped, links as "text<url>", entities decoded.
std::string htmlToText(const std::string& html);
std::string instanceEtag(const Instance& instance);

}  // namespace calconn::graphsim
