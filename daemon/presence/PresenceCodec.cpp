#include "presence/PresenceCodec.h"

#include <simdjson.h>

#include "common/IsoTime.h"
#include "common/JsonString.h"
#include "presence/PresenceEvaluator.h"

namespace calconn::presence {

using common::ErrorCode;
using common::jsonString;
using common::makeError;
using common::Result;

namespace {

void appendRecordFields(std::string& out, const PresenceRecord& record) {
    out += "\"state\":";
    out += jsonString(presenceStateName(record.state));
    out += ",\"since\":";
    out += jsonString(common::formatIsoUtc(record.since));
    if (record.until) {
        out += ",\"until\":";
        out += jsonString(common::formatIsoUtc(*record.until));
    }
}

void appendRecord(std::string& out, const PresenceRecord& record) {
    out += '{';
    appendRecordFields(out, record);
    out += '}';
}

common::Error malformed(const std::string& path, std::string_view what) {
    return makeError(ErrorCode::Protocol,
                     "presence state file: " + path + ": " + std::string(what));
}

Result<PresenceRecord> decodeRecord(simdjson::dom::element element, const std::string& path) {
    simdjson::dom::object o;
    if (element.get_object().get(o)) return malformed(path, "expected an object");
    PresenceRecord record;
    std::string_view text;
    if (o["state"].get_string().get(text)) return malformed(path + ".state", "expected a string");
    const auto state = parsePresenceState(text);
    if (!state) return malformed(path + ".state", "unknown state");
    record.state = *state;
    if (o["since"].get_string().get(text)) return malformed(path + ".since", "expected a string");
    const auto since = common::parseIsoUtc(text);
    if (!since) return malformed(path + ".since", "expected an ISO 8601 UTC time");
    record.since = *since;
    auto until = o["until"];
    if (!until.error() && !until.is_null()) {
        if (until.get_string().get(text)) return malformed(path + ".until", "expected a string");
        const auto parsed = common::parseIsoUtc(text);
        if (!parsed) return malformed(path + ".until", "expected an ISO 8601 UTC time");
        record.until = *parsed;
    }
    return record;
}

Result<std::map<std::string, PresenceRecord>> decodeRecords(simdjson::dom::element element,
                                                            const std::string& path) {
    simdjson::dom::object o;
    if (element.get_object().get(o)) return malformed(path, "expected an object");
    std::map<std::string, PresenceRecord> out;
    for (auto field : o) {
        const std::string upn(field.key);
        auto record = decodeRecord(field.value, path + "." + upn);
        if (!record) return record.error();
        out.emplace(upn, *record);
    }
    return out;
}

}  // namespace

std::string webhookBody(const PresenceUpdate& update) {
    std::string out = "{\"upn\":";
    out += jsonString(update.upn);
    out += ',';
    appendRecordFields(out, update.record);
    if (!update.message.empty()) {
        out += ",\"message\":";
        out += jsonString(update.message);
    }
    out += '}';
    return out;
}

std::string encodeSnapshot(const PresenceSnapshot& snapshot) {
    std::string out = "{\"version\":1,\"users\":{";
    bool first = true;
    for (const auto& [upn, record] : snapshot.users) {
        if (!first) out += ',';
        first = false;
        out += jsonString(upn);
        out += ':';
        appendRecord(out, record);
    }
    out += "},\"sinks\":{";
    first = true;
    for (const auto& [key, records] : snapshot.sinks) {
        if (!first) out += ',';
        first = false;
        out += jsonString(key);
        out += ":{";
        bool first_record = true;
        for (const auto& [upn, record] : records) {
            if (!first_record) out += ',';
            first_record = false;
            out += jsonString(upn);
            out += ':';
            appendRecord(out, record);
        }
        out += '}';
    }
    out += "}}\n";
    return out;
}

Result<PresenceSnapshot> decodeSnapshot(std::string_view json) {
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    if (auto error = parser.parse(json.data(), json.size(), true).get(root)) {
        return makeError(ErrorCode::Protocol, std::string("presence state file: invalid json: ") +
                                                  simdjson::error_message(error));
    }
    simdjson::dom::object o;
    if (root.get_object().get(o)) return malformed("(root)", "expected an object");
    int64_t version = 0;
    if (o["version"].get_int64().get(version) || version != 1) {
        return malformed("version", "expected 1");
    }
    PresenceSnapshot snapshot;
    simdjson::dom::element users;
    if (!o["users"].get(users)) {
        auto decoded = decodeRecords(users, "users");
        if (!decoded) return decoded.error();
        snapshot.users = std::move(*decoded);
    }
    simdjson::dom::element sinks;
    if (!o["sinks"].get(sinks)) {
        simdjson::dom::object so;
        if (sinks.get_object().get(so)) return malformed("sinks", "expected an object");
        for (auto field : so) {
            const std::string key(field.key);
            auto decoded = decodeRecords(field.value, "sinks." + key);
            if (!decoded) return decoded.error();
            snapshot.sinks.emplace(key, std::move(*decoded));
        }
    }
    return snapshot;
}

}  // namespace calconn::presence
