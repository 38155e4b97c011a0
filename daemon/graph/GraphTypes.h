// Decoded Microsoft Graph and identity-platform values: what calconn reads from events, delta
// pages, mailbox settings, subscriptions and tokens. The sync engine translates these into the
// core domain model; nothing here depends on simdjson or Poco.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/Clock.h"

namespace calconn::graph {

using common::TimePoint;

struct EmailAddress {
    std::string name;
    std::string address;
};

struct Attendee {
    std::string type;  // required, optional, resource
    EmailAddress email;
    std::string response;  // none, organizer, tentativelyAccepted, accepted, declined, notResponded
    std::optional<TimePoint> response_time;  // absent when Graph sends 0001-01-01
};

struct Location {
    std::string display_name;
    std::string location_type;
    std::string location_uri;
    std::string location_email;
    std::string unique_id;
    std::string unique_id_type;
};

struct OnlineMeetingInfo {
    std::string join_url;
    std::string conference_id;
    std::string toll_number;
    std::string quick_dial;
};

struct RecurrencePattern {
    std::string type;  // daily, weekly, absoluteMonthly, relativeMonthly, absoluteYearly, ...
    int interval = 0;
    std::vector<std::string> days_of_week;
    int day_of_month = 0;
    int month = 0;
    std::string first_day_of_week;
    std::string index;  // first, second, third, fourth, last
};

struct RecurrenceRange {
    std::string type;        // endDate, noEnd, numbered
    std::string start_date;  // YYYY-MM-DD
    std::string end_date;
    int number_of_occurrences = 0;
    std::string recurrence_time_zone;
};

struct Recurrence {
    RecurrencePattern pattern;
    RecurrenceRange range;
};

// A single-value extended property, returned only when asked for with $expand.
struct ExtendedProperty {
    std::string id;  // e.g. "String {guid} Name calconn-join-details"
    std::string value;
};

enum class EventType { SingleInstance, Occurrence, Exception, SeriesMaster, Unknown };
std::string_view eventTypeName(EventType type);

struct Event {
    std::string id;
    std::string etag;
    std::string change_key;
    std::string ical_uid;
    std::string series_master_id;
    std::string transaction_id;
    EventType type = EventType::Unknown;
    // A plain occurrence in a delta page carries only ids, type and times (graph.md §2); the
    // rest must come from its series master.
    bool bare = false;

    std::string subject;
    std::string body_content_type;  // text or html
    std::string body;
    std::string body_preview;

    std::optional<TimePoint> start;  // converted to UTC
    std::optional<TimePoint> end;
    std::string start_time_zone;  // the zone the dateTime was expressed in on the wire
    std::string original_start_time_zone;
    std::string original_end_time_zone;
    std::optional<TimePoint> original_start;
    std::optional<TimePoint> created;
    std::optional<TimePoint> last_modified;

    bool is_all_day = false;
    bool is_cancelled = false;
    bool is_online_meeting = false;
    bool is_organizer = false;
    bool is_draft = false;
    bool response_requested = false;
    bool allow_new_time_proposals = false;
    bool hide_attendees = false;

    std::string online_meeting_provider;
    std::string online_meeting_url;
    std::optional<OnlineMeetingInfo> online_meeting;
    std::optional<Location> location;
    std::vector<Location> locations;
    std::optional<EmailAddress> organizer;
    std::vector<Attendee> attendees;
    std::string response;  // the calendar owner's own response
    std::string sensitivity;
    std::string show_as;
    std::string importance;
    std::vector<std::string> categories;
    std::vector<std::string> cancelled_occurrences;
    std::optional<Recurrence> recurrence;
    std::string web_link;
    std::vector<ExtendedProperty> single_value_extended_properties;
};

// One entry of a delta page, in page order: a created/updated event or a tombstone.
struct DeltaEntry {
    bool removed = false;
    std::string removed_reason;  // "deleted", "changed"; any @removed is a tombstone
    Event event;                 // for tombstones only `id` is set
};

struct DeltaPage {
    std::vector<DeltaEntry> entries;
    std::string next_link;  // exactly one of next_link and delta_link is set
    std::string delta_link;
};

// A plain collection page (instances, calendarView, events).
struct EventPage {
    std::vector<Event> events;
    std::string next_link;
};

struct AutomaticReplies {
    std::string status;  // disabled, alwaysEnabled, scheduled (lower camel, normalised)
    std::string external_audience;
    // Converted to UTC from the zone each value names, or the mailbox's time zone when the
    // value names none.
    std::optional<TimePoint> scheduled_start;
    std::optional<TimePoint> scheduled_end;
    std::string scheduled_start_time_zone;  // the zone applied (after the fallback)
    std::string scheduled_end_time_zone;
    std::string internal_reply_message;
    std::string external_reply_message;
};

struct MailboxSettings {
    AutomaticReplies automatic_replies;
    std::string time_zone;
    std::string locale;
    std::string language_display_name;
    std::string user_purpose;  // user, shared, room, equipment, ...
};

struct Subscription {
    std::string id;
    std::string resource;
    std::string change_type;
    std::string client_state;
    std::string notification_url;
    std::string lifecycle_notification_url;
    std::optional<TimePoint> expiration;
    std::string application_id;
    std::string creator_id;
};

// Why a Graph or token call failed, in terms the sync engine acts on (mailbox states, resync,
// backoff). Carried in common::Error::context; read it back with errorKindOf().
enum class GraphErrorKind {
    None,
    TokenExpired,        // 401 InvalidAuthenticationToken: refresh once, retry
    AccessDenied,        // 403 without a more specific reason
    OutOfPolicyScope,    // 403 ErrorAccessDenied from an application access policy (RAOP)
    MailboxNotEnabled,   // MailboxNotEnabledForRESTAPI: unlicensed, soft-deleted, on-premises
    UserNotFound,        // ErrorInvalidUser, ResourceNotFound, Request_ResourceNotFound
    ItemNotFound,        // ErrorItemNotFound: the event is gone
    SyncStateGone,       // 410, syncStateNotFound, resyncRequired: full resync
    Conflict,            // 409/412: re-read and re-apply
    Throttled,           // 429
    ServiceUnavailable,  // 5xx
    BadRequest,          // other 4xx
    ConsentMissing,      // AADSTS65001/65004/90094, consent_required, app not in tenant
    CredentialsInvalid,  // AADSTS7000215/7000222/700027/700024, invalid_client
    ReauthRequired,      // AADSTS700082/50173/70008, invalid_grant: user must sign in again
    TenantNotFound,      // AADSTS90002
    Other,
};
std::string_view errorKindName(GraphErrorKind kind);

struct GraphError {
    int http_status = 0;
    std::string code;  // top-level error.code
    std::string message;
    std::vector<std::string> inner_codes;  // nested innerError codes, outermost first
    std::string request_id;
    std::string client_request_id;
    std::optional<std::chrono::milliseconds> retry_after;
    GraphErrorKind kind = GraphErrorKind::Other;
};

struct TokenResponse {
    std::string access_token;
    std::string token_type;
    std::chrono::seconds expires_in{0};
    std::string refresh_token;  // only on delegated grants with offline_access
    std::string scope;
};

struct TokenError {
    int http_status = 0;
    std::string error;  // invalid_client, invalid_grant, ...
    std::string description;
    std::vector<long long> codes;  // AADSTS numbers
    std::string trace_id;
    std::string correlation_id;
    GraphErrorKind kind = GraphErrorKind::Other;
};

}  // namespace calconn::graph
