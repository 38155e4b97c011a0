// Applies keyword actions to one event: plans, obtains the join details (personal room
// template or a Webex meeting), renders the block in the organizer's language and PATCHes the
// event guarded by If-Match. A 412 (Conflict) means someone edited the event meanwhile: re-read,
// re-plan, retry; their edit is never overwritten.
#pragma once

#include <atomic>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/Result.h"
#include "joindetails/KeywordMatcher.h"
#include "joindetails/Planner.h"
#include "joindetails/TemplateStore.h"
#include "joindetails/WebexMeetingsClient.h"

namespace calconn::joindetails {

// One event as the service needs it.
struct EventSnapshot {
    std::string id;
    std::string etag;  // @odata.etag / changeKey, sent back as If-Match
    std::string subject;
    std::string start;  // ISO-8601 (UTC with Z, as the sync reads events)
    std::string end;
    std::string timezone;    // IANA, may be empty
    std::string recurrence;  // RRULE of a series master, empty otherwise
    std::string organizer_email;
    std::string organizer_name;
    MeetingState state;
};

// The port to the calendar: the sync issue implements it with the Graph client
// (GET ...?$expand=singleValueExtendedProperties($filter=id eq '...'), PATCH with If-Match).
class EventUpdater {
public:
    virtual ~EventUpdater() = default;
    virtual common::Result<EventSnapshot> readEvent(const std::string& mailbox,
                                                    const std::string& event_id) = 0;
    // Conflict when the etag no longer matches (HTTP 412). Returns the new etag.
    virtual common::Result<std::string> patchEvent(const std::string& mailbox,
                                                   const std::string& event_id,
                                                   const std::string& etag,
                                                   const std::string& json) = 0;
};

struct ServiceOptions {
    std::vector<KeywordRule> rules;
    int max_conflict_retries = 3;
    // Ask the Webex API for the personal room link instead of building it from the template.
    bool personal_room_from_api = false;
};

struct Outcome {
    PlanAction action = PlanAction::Nothing;  // what was applied
    std::string reason;
    std::string locale;  // template locale used
    int conflicts = 0;   // 412s met on the way
    std::optional<JoinDetails> details;
};

// The integrationTags value of the Webex meeting booked for one event: "calconn-" and 32 hex
// digits of SHA-256(mailbox, event id). Stable across attempts and restarts, so an attempt
// that died between booking and writing the invitation is found again instead of booking a
// second meeting; it reveals neither the mailbox nor the event.
std::string webexMeetingTag(std::string_view mailbox, std::string_view event_id);

class JoinDetailsService {
public:
    // `webex` may be null when no token is configured: webex_meeting keywords then fail with
    // Config and personal rooms use the template.
    JoinDetailsService(const TemplateStore& templates, EventUpdater& events, WebexMeetings* webex,
                       ServiceOptions options);

    // `locale` is the organizer's mailboxSettings.language.locale.
    common::Result<Outcome> process(const std::string& mailbox, const EventSnapshot& event,
                                    const std::string& locale);

private:
    common::Result<JoinDetails> detailsFor(const Plan& plan, const std::string& mailbox,
                                           const EventSnapshot& event,
                                           std::optional<JoinDetails>& created);
    // The meeting an earlier attempt booked for this event and never wrote, if Webex has one.
    common::Result<std::optional<JoinDetails>> bookedEarlier(const MeetingQuery& query);

    const TemplateStore& templates_;
    EventUpdater& events_;
    WebexMeetings* webex_;
    ServiceOptions options_;
    std::atomic<bool> warned_list_denied_{false};
};

}  // namespace calconn::joindetails
