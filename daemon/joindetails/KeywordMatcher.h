// Finds a join-details keyword ("@webex", "@webex:myroom", "@meet") in a meeting's location
// text and resolves it to an action. Only whole tokens count: an e-mail address such as
// "bob@webex.com" or a URL that merely contains the keyword is not a request.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/Result.h"
#include "joindetails/JoinDetails.h"

namespace calconn::settings {
struct KeywordSettings;
struct Settings;
}

namespace calconn::joindetails {

struct KeywordRule {
    std::string keyword;  // "@webex", compared case-insensitively
    JoinAction action = JoinAction::PersonalRoom;
    std::string site;     // Webex site name, e.g. "acme"
    // Modifier without its colon, lower case ("myroom") -> action.
    std::map<std::string, JoinAction> modifiers;
};

struct KeywordMatch {
    std::string keyword;   // the rule's keyword as configured, e.g. "@webex"
    std::string modifier;  // lower case, without colon; empty when none was typed
    std::string text;      // exactly as typed in the location, e.g. "@Webex:MyRoom"
    std::size_t position = 0;  // byte offset in the location
    JoinAction action = JoinAction::PersonalRoom;
    std::string site;
    bool unknown_modifier = false;  // typed a modifier the rule does not know: base action used
};

// The defaults that apply when the configuration names no keywords.
std::vector<KeywordRule> defaultKeywordRules(std::string_view site);

// Converts configured keywords; fails on an unknown action name (the validator normally
// catches that first).
common::Result<std::vector<KeywordRule>> rulesFromSettings(
    const std::vector<settings::KeywordSettings>& keywords);

// The rules calconnd applies: the configured keywords, or defaultKeywordRules() when none are
// configured; keywords without a site take webex.site.
common::Result<std::vector<KeywordRule>> effectiveKeywordRules(const settings::Settings& settings);

// The first keyword (lowest position) in `location`, if any.
std::optional<KeywordMatch> findKeyword(std::string_view location,
                                        const std::vector<KeywordRule>& rules);

}  // namespace calconn::joindetails
