// Helpers shared by the join-details tests: fixture loading and fakes of the two ports.
#pragma once

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "joindetails/JoinDetailsService.h"

namespace calconn::joindetails::testing {

inline std::string readFixture(const std::string& name) {
    std::ifstream in(std::string(CALCONN_FIXTURES_DIR) + "/joindetails/" + name, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

inline std::size_t countOccurrences(const std::string& text, const std::string& needle) {
    std::size_t n = 0;
    for (auto pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + 1)) ++n;
    return n;
}

// A calendar that behaves like Graph for one event: PATCH with a stale etag answers Conflict,
// a good one applies body and extended property and changes the etag.
class FakeCalendar : public EventUpdater {
public:
    EventSnapshot event;
    int version = 1;
    int patches = 0;
    int conflicts = 0;
    // Runs before a PATCH is judged: a test's concurrent user edit.
    std::function<void(FakeCalendar&)> before_patch;
    // Answers the next PATCH with this error instead of applying it (Graph down, a crash).
    std::optional<common::Error> fail_next_patch;

    void userEdit(const std::function<void(EventSnapshot&)>& edit) {
        edit(event);
        event.etag = "W/\"v" + std::to_string(++version) + "\"";
    }

    common::Result<EventSnapshot> readEvent(const std::string&, const std::string& id) override {
        if (id != event.id) return common::makeError(common::ErrorCode::NotFound, "no such event");
        return event;
    }

    common::Result<std::string> patchEvent(const std::string&, const std::string& id,
                                           const std::string& etag, const std::string& json) override {
        if (before_patch) {
            auto hook = std::move(before_patch);
            before_patch = nullptr;
            hook(*this);
        }
        if (id != event.id) return common::makeError(common::ErrorCode::NotFound, "no such event");
        if (fail_next_patch) {
            common::Error error = *fail_next_patch;
            fail_next_patch.reset();
            return error;
        }
        if (etag != event.etag) {
            ++conflicts;
            return common::makeError(common::ErrorCode::Conflict, "precondition failed (412)");
        }
        Poco::JSON::Parser parser;
        auto object = parser.parse(json).extract<Poco::JSON::Object::Ptr>();
        event.state.body = object->getObject("body")->getValue<std::string>("content");
        auto props = object->getArray("singleValueExtendedProperties");
        if (props && props->size() > 0 &&
            props->getObject(0)->getValue<std::string>("id") == kJoinDetailsPropertyId) {
            event.state.property = props->getObject(0)->getValue<std::string>("value");
        }
        ++patches;
        event.etag = "W/\"v" + std::to_string(++version) + "\"";
        return event.etag;
    }
};

}  // namespace calconn::joindetails::testing
