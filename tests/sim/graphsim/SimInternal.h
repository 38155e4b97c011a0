// Helpers shared by the Graph and control API translation units (not part of the public API).
#pragma once

#include <Poco/JSON/Object.h>

#include <string>
#include <vector>

#include "EventRender.h"
#include "SimHttp.h"

namespace calconn::graphsim::internal {

SimResponse jsonResponse(int status, std::string body);
// nullptr when the body is not a JSON object.
Poco::JSON::Object::Ptr parseObject(const std::string& body);
std::vector<std::string> splitPath(const std::string& path);

struct Preferences {
    RenderOptions render;
    int max_page_size = 0;  // 0: not given
    std::string applied;    // Preference-Applied value
    bool bad_timezone = false;
};
Preferences parsePrefer(const SimRequest& request);

// Event JSON -> fields. Returns an error message on invalid input.
bool applyEventJson(EventFields& fields, const Poco::JSON::Object::Ptr& obj, std::string& error);
bool parseRecurrence(Recurrence& r, const Poco::JSON::Object::Ptr& obj, std::string& error);
bool parseDateTimeTimeZone(const Poco::JSON::Object::Ptr& obj, Seconds& out, std::string& error);

}  // namespace calconn::graphsim::internal
