// `calconnctl token create|revoke|list`: manages the REST API's bearer tokens in the tokens
// file (api.tokens_file of the configuration, or --tokens-file). Works on the file, not
// through the daemon, which re-reads the file when it changes.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "common/Clock.h"

namespace calconn::ctl {

inline constexpr const char* kDefaultTokensFile = "/etc/calconn/api-tokens.yaml";

// api.tokens_file from the YAML file; nullopt when the file or key is missing or unreadable.
std::optional<std::string> tokensFileFromConfig(const std::string& config_file);

// `args` are the words after the verb. Returns the exit code.
int runToken(const std::vector<std::string>& args, const std::optional<std::string>& config_file,
             std::ostream& out, std::ostream& err, const common::Clock& clock);

}  // namespace calconn::ctl
