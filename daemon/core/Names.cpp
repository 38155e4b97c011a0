// Stable names for the domain enums: Graph's spelling where Graph has one, else snake_case.
#include <array>
#include <utility>

#include "core/ChangeEvent.h"
#include "core/Mailbox.h"
#include "core/Meeting.h"

namespace calconn::core {
namespace {

template <typename Enum, std::size_t N>
std::string_view nameOf(const std::array<std::pair<Enum, std::string_view>, N>& table, Enum value) {
    for (const auto& [e, name] : table) {
        if (e == value) return name;
    }
    return "unknown";
}

template <typename Enum, std::size_t N>
std::optional<Enum> parseOf(const std::array<std::pair<Enum, std::string_view>, N>& table,
                            std::string_view name) {
    for (const auto& [e, n] : table) {
        if (n == name) return e;
    }
    return std::nullopt;
}

constexpr std::array<std::pair<MailboxKind, std::string_view>, 2> kKinds{
    {{MailboxKind::User, "user"}, {MailboxKind::Room, "room"}}};
constexpr std::array<std::pair<MailboxState, std::string_view>, 3> kStates{
    {{MailboxState::Pending, "pending"},
     {MailboxState::Active, "active"},
     {MailboxState::Error, "error"}}};
constexpr std::array<std::pair<MailboxErrorReason, std::string_view>, 8> kReasons{
    {{MailboxErrorReason::None, ""},
     {MailboxErrorReason::ConsentMissing, "consent_missing"},
     {MailboxErrorReason::OutOfScope, "out_of_scope"},
     {MailboxErrorReason::MailboxNotFound, "mailbox_not_found"},
     {MailboxErrorReason::NotEnabledForRest, "not_enabled_for_rest"},
     {MailboxErrorReason::Throttled, "throttled"},
     {MailboxErrorReason::Unavailable, "unavailable"},
     {MailboxErrorReason::Internal, "internal"}}};
constexpr std::array<std::pair<MeetingType, std::string_view>, 4> kTypes{
    {{MeetingType::SingleInstance, "singleInstance"},
     {MeetingType::Occurrence, "occurrence"},
     {MeetingType::Exception, "exception"},
     {MeetingType::SeriesMaster, "seriesMaster"}}};
constexpr std::array<std::pair<Sensitivity, std::string_view>, 4> kSensitivities{
    {{Sensitivity::Normal, "normal"},
     {Sensitivity::Personal, "personal"},
     {Sensitivity::Private, "private"},
     {Sensitivity::Confidential, "confidential"}}};
constexpr std::array<std::pair<ShowAs, std::string_view>, 6> kShowAs{
    {{ShowAs::Unknown, "unknown"},
     {ShowAs::Free, "free"},
     {ShowAs::Tentative, "tentative"},
     {ShowAs::Busy, "busy"},
     {ShowAs::Oof, "oof"},
     {ShowAs::WorkingElsewhere, "workingElsewhere"}}};
constexpr std::array<std::pair<ResponseType, std::string_view>, 6> kResponses{
    {{ResponseType::None, "none"},
     {ResponseType::Organizer, "organizer"},
     {ResponseType::TentativelyAccepted, "tentativelyAccepted"},
     {ResponseType::Accepted, "accepted"},
     {ResponseType::Declined, "declined"},
     {ResponseType::NotResponded, "notResponded"}}};
constexpr std::array<std::pair<AttendeeType, std::string_view>, 3> kAttendeeTypes{
    {{AttendeeType::Required, "required"},
     {AttendeeType::Optional, "optional"},
     {AttendeeType::Resource, "resource"}}};
constexpr std::array<std::pair<ChangeKind, std::string_view>, 4> kChangeKinds{
    {{ChangeKind::Added, "added"},
     {ChangeKind::Changed, "changed"},
     {ChangeKind::Cancelled, "cancelled"},
     {ChangeKind::Removed, "removed"}}};

}  // namespace

std::string_view mailboxKindName(MailboxKind kind) { return nameOf(kKinds, kind); }
std::string_view mailboxStateName(MailboxState state) { return nameOf(kStates, state); }
std::string_view mailboxErrorReasonName(MailboxErrorReason r) { return nameOf(kReasons, r); }
std::optional<MailboxKind> parseMailboxKind(std::string_view name) { return parseOf(kKinds, name); }
std::optional<MailboxState> parseMailboxState(std::string_view name) {
    return parseOf(kStates, name);
}
std::optional<MailboxErrorReason> parseMailboxErrorReason(std::string_view name) {
    return parseOf(kReasons, name);
}

std::string_view meetingTypeName(MeetingType type) { return nameOf(kTypes, type); }
std::optional<MeetingType> parseMeetingType(std::string_view name) { return parseOf(kTypes, name); }
std::string_view sensitivityName(Sensitivity value) { return nameOf(kSensitivities, value); }
std::optional<Sensitivity> parseSensitivity(std::string_view name) {
    return parseOf(kSensitivities, name);
}
std::string_view showAsName(ShowAs value) { return nameOf(kShowAs, value); }
std::optional<ShowAs> parseShowAs(std::string_view name) { return parseOf(kShowAs, name); }
std::string_view responseTypeName(ResponseType value) { return nameOf(kResponses, value); }
std::optional<ResponseType> parseResponseType(std::string_view name) {
    return parseOf(kResponses, name);
}
std::string_view attendeeTypeName(AttendeeType value) { return nameOf(kAttendeeTypes, value); }
std::optional<AttendeeType> parseAttendeeType(std::string_view name) {
    return parseOf(kAttendeeTypes, name);
}
std::string_view changeKindName(ChangeKind kind) { return nameOf(kChangeKinds, kind); }

}  // namespace calconn::core
