#include "joindetails/Planner.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <cctype>
#include <sstream>

#include "joindetails/BodyBlock.h"

namespace calconn::joindetails {

std::string_view planActionName(PlanAction action) {
    switch (action) {
        case PlanAction::Nothing: return "nothing";
        case PlanAction::Insert: return "insert";
        case PlanAction::Replace: return "replace";
        case PlanAction::Remove: return "remove";
    }
    return "nothing";
}

std::string encodeProperty(const PropertyRecord& record) {
    std::string out = "v1;action=";
    out += joinActionName(record.action);
    out += ";site=" + record.site;
    if (!record.meeting_id.empty()) out += ";meeting=" + record.meeting_id;
    return out;
}

std::optional<PropertyRecord> decodeProperty(std::string_view value) {
    if (value.substr(0, 3) != "v1;") return std::nullopt;
    value.remove_prefix(3);
    PropertyRecord record;
    bool have_action = false;
    while (!value.empty()) {
        std::size_t semi = value.find(';');
        std::string_view field = value.substr(0, semi);
        value = semi == std::string_view::npos ? std::string_view{} : value.substr(semi + 1);
        std::size_t eq = field.find('=');
        if (eq == std::string_view::npos) continue;
        std::string_view key = field.substr(0, eq);
        std::string_view val = field.substr(eq + 1);
        if (key == "action") {
            auto action = parseJoinAction(val);
            if (!action) return std::nullopt;
            record.action = *action;
            have_action = true;
        } else if (key == "site") {
            record.site = std::string(val);
        } else if (key == "meeting") {
            record.meeting_id = std::string(val);
        }
    }
    if (!have_action) return std::nullopt;
    return record;
}

Plan planJoinDetails(const MeetingState& state, const std::vector<KeywordRule>& rules) {
    Plan plan;
    if (state.kind == EventKind::Occurrence || state.kind == EventKind::Exception) {
        // A series is handled once, on its master; occurrences inherit the master's body and
        // an exception that Outlook copied keeps the copy it was given.
        plan.reason = state.series_master_has_block
                          ? "occurrence of a series whose master carries the block"
                          : "occurrence of a series: handled through its master";
        return plan;
    }
    if (state.cancelled) {
        plan.reason = "meeting is cancelled";
        return plan;
    }
    if (!state.organizer_is_configured_user) {
        plan.reason = "organizer is not a configured user";
        return plan;
    }
    auto keyword = findKeyword(state.location, rules);
    bool block = hasBlock(state.body, state.body_type);
    std::optional<PropertyRecord> record;
    if (state.property) record = decodeProperty(*state.property);

    if (!keyword) {
        if (block) {
            plan.action = PlanAction::Remove;
            plan.reason = "keyword removed from the location";
            if (record) plan.obsolete_meeting_id = record->meeting_id;
        } else {
            plan.reason = "no keyword";
        }
        return plan;
    }
    plan.keyword = keyword;
    bool same = record && record->action == keyword->action && record->site == keyword->site;
    if (block) {
        if (same) {
            plan.reason = "block already present";
            return plan;
        }
        plan.action = PlanAction::Replace;
        plan.reason = record ? "keyword now asks for different join details"
                             : "block present without our record (copied from another meeting)";
        if (record) plan.obsolete_meeting_id = record->meeting_id;
        return plan;
    }
    if (record) {
        if (same) {
            // We wrote the block and it is gone: the user deleted it (or a client rewrote the
            // body beyond recognition). Either way, adding another could duplicate it.
            plan.reason = "block was removed by the user; not re-adding";
            return plan;
        }
        plan.obsolete_meeting_id = record->meeting_id;
    }
    plan.action = PlanAction::Insert;
    plan.reason = "keyword " + keyword->text + " asks for " +
                  std::string(joinActionName(keyword->action));
    return plan;
}

std::string extendedPropertyExpandQuery() {
    std::string filter = "singleValueExtendedProperties($filter=id eq '" +
                         std::string(kJoinDetailsPropertyId) + "')";
    std::string out = "$expand=";
    for (char c : filter) {
        auto u = static_cast<unsigned char>(c);
        if (std::isalnum(u) != 0 || c == '-' || c == '.' || c == '_' || c == '~' || c == '(' ||
            c == ')' || c == '$' || c == '=' || c == '\'') {
            out += c;
        } else {
            static const char* const kHex = "0123456789ABCDEF";
            out += '%';
            out += kHex[u >> 4];
            out += kHex[u & 0xF];
        }
    }
    return out;
}

std::string buildEventPatch(std::string_view new_body, BodyType type,
                            std::string_view property_value) {
    Poco::JSON::Object patch;
    Poco::JSON::Object::Ptr body = new Poco::JSON::Object;
    body->set("contentType", type == BodyType::Html ? "html" : "text");
    body->set("content", std::string(new_body));
    patch.set("body", body);
    Poco::JSON::Array::Ptr properties = new Poco::JSON::Array;
    Poco::JSON::Object::Ptr property = new Poco::JSON::Object;
    property->set("id", std::string(kJoinDetailsPropertyId));
    property->set("value", std::string(property_value));
    properties->add(property);
    patch.set("singleValueExtendedProperties", properties);
    std::ostringstream out;
    patch.stringify(out);
    return out.str();
}

}  // namespace calconn::joindetails
