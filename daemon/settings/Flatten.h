// Internal to the settings module: Settings as a flat list of (schema pattern, key path,
// canonical text), in schema order; used to compare settings and by tests of the schema order.
#pragma once

#include <string>
#include <vector>

#include "settings/Settings.h"

namespace calconn::settings {

struct FlatValue {
    std::string pattern;  // "microsoft365.tenants[].name"
    std::string path;     // "microsoft365.tenants[0].name"
    std::string text;     // canonical value; empty for sections, lists, maps and unset keys
};

std::vector<FlatValue> flattenSettings(const Settings& settings);

}  // namespace calconn::settings
