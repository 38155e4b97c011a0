#include "joindetails/JoinDetailsService.h"

#include <Poco/Logger.h>

#include "common/Text.h"
#include "crypto/Digest.h"
#include "joindetails/BodyBlock.h"
#include "joindetails/PersonalRoom.h"

namespace calconn::joindetails {

using common::ErrorCode;
using common::makeError;

namespace {
Poco::Logger& logger() { return Poco::Logger::get("calconn.joindetails"); }
}  // namespace

std::string webexMeetingTag(std::string_view mailbox, std::string_view event_id) {
    std::string key = common::asciiLower(mailbox);
    key += '\n';
    key += event_id;
    return "calconn-" + crypto::sha256Hex(key).substr(0, 32);
}

JoinDetailsService::JoinDetailsService(const TemplateStore& templates, EventUpdater& events,
                                       WebexMeetings* webex, ServiceOptions options)
    : templates_(templates), events_(events), webex_(webex), options_(std::move(options)) {}

common::Result<std::optional<JoinDetails>> JoinDetailsService::bookedEarlier(
    const MeetingQuery& query) {
    auto found = webex_->findMeetings(query);
    if (!found) {
        // A token that may book for users but not list their meetings: book without looking,
        // as before the tag existed, and say once what the token lacks.
        if (found.error().code == ErrorCode::PermissionDenied) {
            if (!warned_list_denied_.exchange(true)) {
                logger().warning(
                    "webex token may not list meetings (meeting:admin_schedule_read): a "
                    "booking interrupted by a crash may be booked twice: %s",
                    found.error().toString());
            }
            return std::optional<JoinDetails>();
        }
        return found.error();
    }
    // The tag names this event and the query its site, so a meeting found is this event's
    // booking. A Webex meeting the invitation is about to drop never matches: the planner drops
    // one only when the keyword's site changes (filtered out here) or its action does (then
    // nothing is booked).
    if (found->empty()) return std::optional<JoinDetails>();
    return std::optional<JoinDetails>(std::move(found->front()));
}

common::Result<JoinDetails> JoinDetailsService::detailsFor(const Plan& plan,
                                                           const std::string& mailbox,
                                                           const EventSnapshot& event,
                                                           std::optional<JoinDetails>& created) {
    const KeywordMatch& keyword = *plan.keyword;
    if (keyword.action == JoinAction::PersonalRoom) {
        // Without a site there is no template to build the room from: only Webex knows it.
        const bool api_only = keyword.site.empty();
        if ((options_.personal_room_from_api || api_only) && webex_ != nullptr) {
            auto room = webex_->personalRoom(event.organizer_email);
            if (room || api_only) return room;
            if (room.error().code != ErrorCode::NotFound) return room.error();
        }
        if (api_only) {
            return makeError(ErrorCode::Config,
                             "keyword asks for a personal room but no webex site and no webex "
                             "token are configured",
                             keyword.keyword);
        }
        return personalRoomDetails(keyword.site, event.organizer_email, event.organizer_name);
    }
    if (webex_ == nullptr) {
        return makeError(ErrorCode::Config,
                         "keyword asks for a webex meeting but no webex token is configured",
                         keyword.keyword);
    }
    // A meeting created in an earlier attempt (before a 412) is reused: a retry must not book
    // another Webex meeting.
    if (created) return *created;
    CreateMeetingRequest request;
    request.title = event.subject;
    request.start = event.start;
    request.end = event.end;
    request.timezone = event.timezone;
    request.recurrence = event.recurrence;  // one Webex series for the whole Outlook series
    if (!keyword.site.empty()) request.site_url = keyword.site + ".webex.com";
    request.host_email = event.organizer_email;
    request.integration_tag = webexMeetingTag(mailbox, event.id);
    // Booking and writing the invitation are two calls: an attempt that died in between (a
    // crash, a failed PATCH) left a meeting in Webex under this event's tag. Use it.
    auto earlier = bookedEarlier({request.integration_tag, request.host_email,
                                        request.site_url, event.start, event.end});
    if (!earlier) return earlier.error();
    if (*earlier) {
        logger().information("event %s: using the webex meeting booked by an earlier attempt",
                             event.id);
        created = **earlier;
        return **earlier;
    }
    auto meeting = webex_->createMeeting(request);
    if (!meeting) return meeting.error();
    created = *meeting;
    return meeting;
}

common::Result<Outcome> JoinDetailsService::process(const std::string& mailbox,
                                                    const EventSnapshot& first,
                                                    const std::string& locale) {
    Outcome outcome;
    outcome.locale = templates_.resolveLocale(locale);
    EventSnapshot event = first;
    std::optional<JoinDetails> created;
    for (int attempt = 0;; ++attempt) {
        Plan plan = planJoinDetails(event.state, options_.rules);
        outcome.action = plan.action;
        outcome.reason = plan.reason;
        if (plan.action == PlanAction::Nothing) {
            // A meeting booked before a 412 whose re-plan no longer wants it must not leak.
            if (created && webex_ != nullptr) {
                if (auto deleted = webex_->deleteMeeting(created->webex_meeting_id); !deleted) {
                    logger().warning("cannot delete unused webex meeting: %s",
                                     deleted.error().toString());
                }
            }
            return outcome;
        }
        std::string new_body;
        std::string property;
        if (plan.action == PlanAction::Remove) {
            new_body = removeBlock(event.state.body, event.state.body_type);
            property = std::string(kPropertyRemoved);
        } else {
            auto details = detailsFor(plan, mailbox, event, created);
            if (!details) return details.error();
            details->host_name = event.organizer_name;
            std::string block = templates_.render(locale, event.state.body_type, *details);
            new_body = insertBlock(event.state.body, event.state.body_type, block);
            property =
                encodeProperty({details->action, plan.keyword->site, details->webex_meeting_id});
            outcome.details = *details;
        }
        std::string patch = buildEventPatch(new_body, event.state.body_type, property);
        auto patched = events_.patchEvent(mailbox, event.id, event.etag, patch);
        if (patched) {
            logger().debug("join details %s on event %s: %s",
                           std::string(planActionName(plan.action)), event.id, plan.reason);
            // Only now is the old meeting no longer referenced by the invitation.
            if (!plan.obsolete_meeting_id.empty() && webex_ != nullptr &&
                (!created || created->webex_meeting_id != plan.obsolete_meeting_id)) {
                if (auto deleted = webex_->deleteMeeting(plan.obsolete_meeting_id);
                    !deleted && deleted.error().code != ErrorCode::NotFound) {
                    logger().warning("cannot delete replaced webex meeting: %s",
                                     deleted.error().toString());
                }
            }
            return outcome;
        }
        if (patched.error().code != ErrorCode::Conflict) return patched.error();
        ++outcome.conflicts;
        logger().debug("event %s changed meanwhile (412): re-reading", event.id);
        if (attempt >= options_.max_conflict_retries) {
            return makeError(ErrorCode::Conflict, "event keeps changing; giving up for this round",
                             event.id);
        }
        auto reread = events_.readEvent(mailbox, event.id);
        if (!reread) return reread.error();
        event = std::move(*reread);
    }
}

}  // namespace calconn::joindetails
