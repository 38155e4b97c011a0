// Byte formats of presence: the signed webhook body, and the state file that remembers what was
// announced and what each sink has received (so a restart neither repeats nor loses a change).
// The state file holds no reply message: messages are never written to disk.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "common/Result.h"
#include "presence/PresenceRecord.h"

namespace calconn::presence {

// {"upn":"...","state":"available"|"out_of_office","since":"<ISO UTC>","until":"<ISO UTC>",
//  "message":"..."} with until and message left out when absent.
std::string webhookBody(const PresenceUpdate& update);

struct PresenceSnapshot {
    std::map<std::string, PresenceRecord> users;  // UPN -> last announcement
    // sink key -> UPN -> the last announcement that sink acknowledged
    std::map<std::string, std::map<std::string, PresenceRecord>> sinks;
    bool operator==(const PresenceSnapshot&) const = default;
};

// {"version":1,"users":{UPN:{"state","since","until"?}},"sinks":{KEY:{UPN:{...}}}}
std::string encodeSnapshot(const PresenceSnapshot& snapshot);
// Protocol error naming the field for anything malformed.
common::Result<PresenceSnapshot> decodeSnapshot(std::string_view json);

}  // namespace calconn::presence
