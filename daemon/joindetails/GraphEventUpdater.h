// The join-details calendar port over Microsoft Graph: reads an event with calconn's
// single-value extended property expanded, and PATCHes body and property guarded by If-Match,
// so a concurrent edit answers 412 (Conflict) instead of being overwritten.
#pragma once

#include <string>

#include "graph/GraphClient.h"
#include "graph/GraphTypes.h"
#include "joindetails/JoinDetailsService.h"

namespace calconn::joindetails {

// What the service needs of a Graph event (read from the calendar of the mailbox that holds
// it). Property ids are matched ignoring case: Graph may return the GUID in another case.
EventSnapshot snapshotFromGraph(const graph::Event& event);

// A Graph recurrence as an RFC 2445 RRULE for Webex ("FREQ=WEEKLY;INTERVAL=1;BYDAY=MO,WE;
// COUNT=10"); empty for a pattern it does not know. An end date becomes UNTIL at the end of
// that day (UTC).
std::string recurrenceRule(const graph::Recurrence& recurrence);

class GraphEventUpdater final : public EventUpdater {
public:
    explicit GraphEventUpdater(graph::GraphClient& graph) : graph_(graph) {}

    common::Result<EventSnapshot> readEvent(const std::string& mailbox,
                                            const std::string& event_id) override;
    common::Result<std::string> patchEvent(const std::string& mailbox, const std::string& event_id,
                                           const std::string& etag,
                                           const std::string& json) override;

private:
    graph::GraphClient& graph_;
};

}  // namespace calconn::joindetails
