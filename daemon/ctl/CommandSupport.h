// What the calconnctl verbs share: usage errors, the --json flag, the daemon's JSON answers
// (error messages, "message" of an action) and the column tables they print.
#pragma once

#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include <Poco/JSON/Object.h>

#include "common/Result.h"
#include "ctl/ControlClient.h"

namespace calconn::ctl {

// Prints "calconnctl: MESSAGE" and the --help hint; returns kExitUsage.
int usageFailure(std::ostream& err, const std::string& message);

// Whether args[first..] is "--json" (any number of times); an error naming the first other
// argument ("unknown option 'X'") otherwise.
common::Result<bool> jsonFlag(const std::vector<std::string>& args, std::size_t first = 0);

// Message of a daemon's JSON error answer, or the raw body when it is not one.
std::string errorMessage(const std::string& body);

// Reports a request that could not connect or did not answer 200; returns kExitFailure.
int requestFailure(const std::string& what, const ControlClient& client,
                   const common::Result<ControlReply>& reply, std::ostream& err);

// The "message" of an action's JSON answer, "done" when there is none.
std::string actionMessage(const std::string& body);

// GET `path` and print the answer: the raw JSON with `json`, else what `render` makes of it.
int showAnswer(const ControlClient& client, const std::string& path, const std::string& what,
               bool json, const std::function<common::Result<std::string>(const std::string&)>& render,
               std::ostream& out, std::ostream& err);

// The string at `key`, "-" when it is missing, null or empty.
std::string orDash(const Poco::JSON::Object::Ptr& object, const std::string& key);

// Rows as left-aligned columns two spaces apart, each line after `indent`; the last column
// is not padded.
std::string renderTable(const std::vector<std::vector<std::string>>& rows,
                        const std::string& indent = "  ");

// A scalar at root[section][key] of a YAML file; nullopt when the file or key is missing or
// the file is unreadable (a broken file is the daemon's business: calconnd --check-config).
std::optional<std::string> configScalar(const std::string& config_file, const std::string& section,
                                        const std::string& key);

}  // namespace calconn::ctl
