// Internal to the settings module: checks a merged ConfigTree against the schema table, reports
// every problem to the sink and rewrites valid scalars in place to their canonical text (resolved
// file paths, normalised fingerprints) so that building Settings afterwards cannot fail.
#pragma once

#include <optional>
#include <string>

#include "settings/ConfigTree.h"

namespace calconn::settings {

void validateConfig(ConfigNode& root, const std::optional<std::string>& credentials_directory,
                    DiagnosticSink& sink);

}  // namespace calconn::settings
