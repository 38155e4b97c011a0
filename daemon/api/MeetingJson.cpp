#include "api/MeetingJson.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <sstream>

#include "common/IsoTime.h"

namespace calconn::api {

namespace {

using Poco::JSON::Object;

Object::Ptr newObject() { return new Object(Poco::JSON_PRESERVE_KEY_ORDER); }

std::string stringify(const Object::Ptr& object) {
    std::ostringstream out;
    object->stringify(out);
    return out.str();
}

Poco::Dynamic::Var isoOrNull(const std::optional<core::UtcSeconds>& time) {
    if (!time) return Poco::Dynamic::Var();
    return common::formatIsoUtc(*time);
}

Poco::Dynamic::Var joinObject(const std::optional<core::JoinTarget>& join) {
    if (!isJoinable(join)) return Poco::Dynamic::Var();
    Object::Ptr object = newObject();
    object->set("service", joinServiceName(*join));
    object->set("uri", join->uri);
    if (join->dial_number.empty()) {
        object->set("dial", Poco::Dynamic::Var());
    } else {
        Object::Ptr dial = newObject();
        dial->set("number", join->dial_number);
        dial->set("protocol", join->dial_protocol);
        object->set("dial", dial);
    }
    return object;
}

Object::Ptr meetingObject(const MeetingRecord& record, std::string_view private_title) {
    const core::Meeting& m = record.meeting;
    const bool masked = isPrivate(m);
    Object::Ptr object = newObject();
    object->set("id", m.id);
    object->set("start", common::formatIsoUtc(m.start));
    object->set("end", common::formatIsoUtc(m.end));
    object->set("all_day", m.is_all_day);
    object->set("subject", masked ? std::string(private_title) : m.subject);
    object->set("private", masked);
    Object::Ptr organizer = newObject();
    organizer->set("name", m.organizer.name);
    organizer->set("address", masked ? std::string() : m.organizer.address);
    object->set("organizer", organizer);
    object->set("response", std::string(core::responseTypeName(m.response)));
    object->set("show_as", std::string(core::showAsName(m.show_as)));
    object->set("cancelled", m.is_cancelled);
    object->set("join", joinObject(record.join));
    return object;
}

}  // namespace

bool isPrivate(const core::Meeting& meeting) {
    return meeting.sensitivity == core::Sensitivity::Private ||
           meeting.sensitivity == core::Sensitivity::Confidential;
}

std::string joinServiceName(const core::JoinTarget& join) {
    if (!join.service_id.empty()) return join.service_id;
    switch (join.service) {
        case core::JoinService::Webex:
            return "webex";
        case core::JoinService::Teams:
            return "teams";
        case core::JoinService::Zoom:
            return "zoom";
        case core::JoinService::GoogleMeet:
            return "google_meet";
        case core::JoinService::Sip:
            return "sip";
        case core::JoinService::Other:
            return "other";
        case core::JoinService::Unknown:
            break;
    }
    return "unknown";
}

bool isJoinable(const std::optional<core::JoinTarget>& join) {
    return join && (!join->uri.empty() || !join->dial_number.empty());
}

std::string meetingToJson(const MeetingRecord& record, std::string_view private_title) {
    return stringify(meetingObject(record, private_title));
}

std::string meetingListToJson(std::string_view key, const std::string& mailbox,
                              core::UtcSeconds from, core::UtcSeconds to,
                              const std::vector<MeetingRecord>& records,
                              std::string_view private_title) {
    Object::Ptr root = newObject();
    root->set("mailbox", mailbox);
    root->set("from", common::formatIsoUtc(from));
    root->set("to", common::formatIsoUtc(to));
    Poco::JSON::Array::Ptr list = new Poco::JSON::Array;
    for (const MeetingRecord& record : records) list->add(meetingObject(record, private_title));
    root->set(std::string(key), list);
    return stringify(root);
}

std::string presenceToJson(const core::Presence& presence) {
    Object::Ptr root = newObject();
    root->set("upn", presence.upn);
    root->set("state",
              std::string(presence.state == core::PresenceState::OutOfOffice ? "out_of_office"
                                                                             : "available"));
    root->set("from", isoOrNull(presence.from));
    root->set("until", isoOrNull(presence.until));
    return stringify(root);
}

std::string startingEventJson(const std::string& mailbox, const MeetingRecord& record,
                              std::string_view private_title) {
    Object::Ptr root = newObject();
    root->set("mailbox", mailbox);
    root->set("starts_at", common::formatIsoUtc(record.meeting.start));
    root->set("meeting", meetingObject(record, private_title));
    return stringify(root);
}

std::string changedEventJson(const core::MeetingChange& change,
                             const std::optional<MeetingRecord>& record,
                             std::string_view private_title) {
    Object::Ptr root = newObject();
    root->set("mailbox", change.mailbox);
    root->set("id", change.meeting_id);
    root->set("change", std::string(core::changeKindName(change.kind)));
    if (record) {
        root->set("meeting", meetingObject(*record, private_title));
    } else {
        root->set("meeting", Poco::Dynamic::Var());
    }
    return stringify(root);
}

}  // namespace calconn::api
