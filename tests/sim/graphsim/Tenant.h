// The simulated tenant: mailboxes (users and rooms), their settings and calendars, recurrence
// expansion, and the per-mailbox change sequence that delta tokens are measured against.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "Time.h"

namespace calconn::graphsim {

struct EmailAddress {
    std::string name;
    std::string address;
};

struct Attendee {
    std::string type = "required";  // required | optional | resource
    std::string response = "none";  // none|organizer|tentativelyAccepted|accepted|declined|notResponded
    Seconds response_time = 0;      // 0 = unset (rendered as 0001-01-01T00:00:00Z)
    EmailAddress email;
};

struct PhysicalAddress {
    std::string street, city, state, country, postal_code;
};

struct Location {
    std::string display_name;
    std::string location_type = "default";
    std::string email;  // locationEmailAddress (rooms)
    std::string unique_id;
    PhysicalAddress address;
};

struct Recurrence {
    std::string pattern_type = "weekly";  // daily|weekly|absoluteMonthly|relativeMonthly|absoluteYearly
    int interval = 1;
    std::vector<int> days_of_week;  // 0 = sunday
    int day_of_month = 0;
    int month = 0;
    std::string index = "first";  // first|second|third|fourth|last
    std::string first_day_of_week = "sunday";
    std::string range_type = "endDate";  // endDate|noEnd|numbered
    std::int64_t start_date = 0;         // days since epoch
    std::int64_t end_date = 0;
    int number_of_occurrences = 0;
    std::string time_zone;  // recurrenceTimeZone
};

// How the body is produced: generated bodies are rendered from (kind, seed) on demand so a
// 300,000-event tenant does not hold 300,000 HTML documents; edited bodies are stored.
struct BodySpec {
    int kind = 0;
    std::uint64_t seed = 0;
    std::optional<std::string> content;  // explicit body (set by POST/PATCH)
    std::string content_type = "html";
};

struct EventFields {
    std::string subject;
    BodySpec body;
    Seconds start = 0;  // UTC
    Seconds end = 0;
    bool is_all_day = false;
    std::string time_zone = "UTC";  // originalStartTimeZone
    std::vector<Location> locations;
    std::vector<Attendee> attendees;
    EmailAddress organizer;
    bool is_organizer = false;
    std::string response = "none";  // responseStatus.response of the owner
    Seconds response_time = 0;
    std::string sensitivity = "normal";
    std::string show_as = "busy";
    std::string importance = "normal";
    bool is_cancelled = false;
    bool is_online_meeting = false;
    std::string online_meeting_provider = "unknown";
    std::string join_url;  // onlineMeeting.joinUrl (Teams)
    std::string conference_id;
    std::vector<std::string> categories;
    bool allow_new_time_proposals = true;
    bool is_reminder_on = true;
    int reminder_minutes = 15;
};

// A modified or cancelled occurrence of a series.
struct OccurrenceOverride {
    bool cancelled = false;
    std::optional<EventFields> fields;  // set when it is an exception
    std::uint64_t seq = 0;              // change sequence when last touched
    std::uint64_t change_counter = 1;
    Seconds last_modified = 0;
};

struct Event {
    std::uint64_t key = 0;  // stable order within the mailbox (delta paging)
    std::string id;
    std::string core;  // id body; occurrence ids are derived from it
    std::string ical_uid;
    bool is_series = false;
    EventFields fields;
    Recurrence recurrence;                                  // when is_series
    std::map<Seconds, OccurrenceOverride> overrides;        // by original start (UTC)
    Seconds created = 0;
    Seconds last_modified = 0;
    std::uint64_t change_counter = 1;  // drives changeKey / etag
    std::uint64_t seq = 0;             // mailbox change sequence of the last master-level change
    bool deleted = false;
    std::string transaction_id;
    std::map<std::string, std::string> extended_properties;  // singleValueExtendedProperties
};

// One item as calendarView returns it.
struct Instance {
    const Event* master = nullptr;
    const EventFields* fields = nullptr;
    Seconds original_start = 0;
    Seconds start = 0;
    Seconds end = 0;
    enum class Type { SingleInstance, Occurrence, Exception, SeriesMaster } type;
    const OccurrenceOverride* override = nullptr;
    std::string id;
};

struct AutomaticReplies {
    std::string status = "disabled";  // disabled|alwaysEnabled|scheduled
    std::string external_audience = "all";
    Seconds scheduled_start = 0;
    Seconds scheduled_end = 0;
    std::string internal_message;
    std::string external_message;
};

struct MailboxSettings {
    std::string time_zone = "UTC";
    std::string locale = "en-US";
    std::string locale_display_name = "English (United States)";
    AutomaticReplies automatic_replies;
    std::string working_start = "08:00:00.0000000";
    std::string working_end = "17:00:00.0000000";
    std::string date_format = "M/d/yyyy";
    std::string time_format = "h:mm tt";
};

enum class MailboxKind { User, Room };

struct Mailbox {
    std::size_t index = 0;
    std::string id;  // GUID
    std::string upn;
    std::string display_name;
    MailboxKind kind = MailboxKind::User;
    PhysicalAddress room_address;
    int room_capacity = 0;
    MailboxSettings settings;
    bool rest_enabled = true;  // false: 404 MailboxNotEnabledForRESTAPI

    mutable std::shared_mutex mutex;
    std::map<std::uint64_t, Event> events;  // by key
    std::unordered_map<std::string, std::uint64_t> by_id;
    std::unordered_map<std::string, std::uint64_t> by_transaction;
    std::uint64_t seq = 1;              // bumped on every change
    std::uint64_t next_key = 1;
    std::uint64_t delta_generation = 0;  // tokens older than this are expired (410)

    // Counters (lock-free; read by /_sim/counters).
    std::atomic<std::uint64_t> requests{0};
    std::atomic<int> in_flight{0};
    std::atomic<int> max_in_flight{0};
};

// Expands an event into the instances overlapping [from, to). A series yields occurrences and
// exceptions (cancelled occurrences are skipped); a single event yields itself.
std::vector<Instance> expandEvent(const Event& event, Seconds from, Seconds to);
// Occurrence start times (UTC) of a series between from and to, before overrides are applied.
std::vector<Seconds> seriesStarts(const Event& series, Seconds from, Seconds to);
std::string occurrenceId(const Event& master, Seconds original_start);
// Splits an occurrence id into the master core and original start; false if it is not one.
bool parseOccurrenceId(const std::string& id, std::string& core, Seconds& original_start);

std::string changeKeyOf(const Event& event, std::uint64_t counter);
std::string etagOf(const std::string& change_key);

class Tenant {
public:
    Tenant() = default;
    Tenant(const Tenant&) = delete;
    Tenant& operator=(const Tenant&) = delete;

    std::string tenant_id;
    std::string domain = "contoso.example";
    std::vector<std::unique_ptr<Mailbox>> mailboxes;

    Mailbox* addMailbox(std::unique_ptr<Mailbox> mailbox);
    // By id (GUID) or UPN, case-insensitively.
    Mailbox* find(const std::string& id_or_upn) const;

    // Inserts an event into a mailbox (mailbox lock held by the caller), assigning key/seq.
    static Event& insertEvent(Mailbox& mailbox, Event event);
    // Marks a master-level change (lock held): bumps seq, changeKey and lastModified.
    static void touch(Mailbox& mailbox, Event& event, Seconds now);
    static Event* findEvent(Mailbox& mailbox, const std::string& id);

private:
    std::unordered_map<std::string, Mailbox*> by_id_;
    std::unordered_map<std::string, Mailbox*> by_upn_;
};

std::string toLower(std::string text);

}  // namespace calconn::graphsim
