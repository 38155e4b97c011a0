#include "joindetails/KeywordMatcher.h"

#include <algorithm>
#include <cctype>

#include "common/Text.h"
#include "settings/Settings.h"

namespace calconn::joindetails {

std::string_view joinActionName(JoinAction action) {
    switch (action) {
        case JoinAction::PersonalRoom: return "personal_room";
        case JoinAction::WebexMeeting: return "webex_meeting";
    }
    return "personal_room";
}

std::optional<JoinAction> parseJoinAction(std::string_view name) {
    if (name == "personal_room") return JoinAction::PersonalRoom;
    if (name == "webex_meeting") return JoinAction::WebexMeeting;
    return std::nullopt;
}

namespace {

char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

bool startsWithIgnoreCase(std::string_view text, std::string_view prefix) {
    if (text.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i) {
        if (lower(text[i]) != lower(prefix[i])) return false;
    }
    return true;
}

// Separators between location tokens. '@' is not one (it starts a keyword, or sits inside an
// address), nor are '.', ':' or '/' (they belong to addresses and URLs).
bool isSeparator(char c) {
    switch (c) {
        case ' ': case '\t': case '\r': case '\n': case '\f': case '\v':
        case ',': case ';': case '(': case ')': case '[': case ']': case '{': case '}':
        case '<': case '>': case '"': case '\'': case '|':
            return true;
        default:
            return false;
    }
}

// Non-ASCII separators seen in typed locations: no-break spaces (Outlook inserts them), the
// ideographic space and punctuation of Japanese/Chinese input methods, zero-width space.
// Returns the byte length of the separator at `i`, 0 when there is none.
std::size_t separatorLength(std::string_view s, std::size_t i) {
    if (isSeparator(s[i])) return 1;
    static constexpr std::string_view kWide[] = {
        "\xC2\xA0",          // U+00A0 no-break space
        "\xE2\x80\x8B",      // U+200B zero-width space
        "\xE2\x80\xAF",      // U+202F narrow no-break space
        "\xE3\x80\x80",      // U+3000 ideographic space
        "\xE3\x80\x81",      // U+3001 ideographic comma
        "\xE3\x80\x82",      // U+3002 ideographic full stop
        "\xEF\xBC\x88",      // U+FF08 fullwidth (
        "\xEF\xBC\x89",      // U+FF09 fullwidth )
        "\xEF\xBC\x8C",      // U+FF0C fullwidth comma
        "\xEF\xBC\x9B",      // U+FF1B fullwidth semicolon
    };
    for (std::string_view wide : kWide) {
        if (s.substr(i, wide.size()) == wide) return wide.size();
    }
    return 0;
}

bool isModifierChar(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-';
}

bool isTrailingPunctuation(char c) {
    return c == '.' || c == '!' || c == '?' || c == ':' || c == ',' || c == ';';
}

bool looksLikeUrl(std::string_view token) {
    return token.find("://") != std::string_view::npos || startsWithIgnoreCase(token, "www.");
}

std::string normaliseModifier(std::string_view modifier) {
    if (!modifier.empty() && modifier.front() == ':') modifier.remove_prefix(1);
    return common::asciiLower(modifier);
}

// Matches `rule` against a whole token; the token may end in sentence punctuation.
std::optional<KeywordMatch> matchToken(std::string_view token, std::size_t position,
                                       const KeywordRule& rule) {
    if (rule.keyword.empty() || !startsWithIgnoreCase(token, rule.keyword)) return std::nullopt;
    while (!token.empty() && token.size() > rule.keyword.size() &&
           isTrailingPunctuation(token.back())) {
        token.remove_suffix(1);
    }
    std::string_view rest = token.substr(rule.keyword.size());
    KeywordMatch match;
    match.keyword = rule.keyword;
    match.position = position;
    match.action = rule.action;
    match.site = rule.site;
    if (!rest.empty()) {
        if (rest.front() != ':' || rest.size() < 2) return std::nullopt;
        std::string_view modifier = rest.substr(1);
        if (!std::all_of(modifier.begin(), modifier.end(), isModifierChar)) return std::nullopt;
        match.modifier = common::asciiLower(modifier);
        auto it = rule.modifiers.find(match.modifier);
        if (it != rule.modifiers.end()) {
            match.action = it->second;
        } else {
            match.unknown_modifier = true;
        }
    }
    match.text = std::string(token);
    return match;
}

}  // namespace

std::vector<KeywordRule> defaultKeywordRules(std::string_view site) {
    KeywordRule webex{"@webex", JoinAction::PersonalRoom, std::string(site),
                      {{"myroom", JoinAction::PersonalRoom},
                       {"room", JoinAction::PersonalRoom},
                       {"meeting", JoinAction::WebexMeeting},
                       {"space", JoinAction::WebexMeeting}}};
    KeywordRule meet{"@meet", JoinAction::WebexMeeting, std::string(site),
                     {{"myroom", JoinAction::PersonalRoom}}};
    return {webex, meet};
}

common::Result<std::vector<KeywordRule>> rulesFromSettings(
    const std::vector<settings::KeywordSettings>& keywords) {
    std::vector<KeywordRule> rules;
    for (const auto& k : keywords) {
        auto action = parseJoinAction(k.action);
        if (!action) {
            return common::makeError(common::ErrorCode::Config,
                                     "unknown keyword action '" + k.action + "'", k.keyword);
        }
        KeywordRule rule{k.keyword, *action, k.site, {}};
        for (const auto& [modifier, name] : k.modifiers) {
            auto modifier_action = parseJoinAction(name);
            if (!modifier_action) {
                return common::makeError(common::ErrorCode::Config,
                                         "unknown modifier action '" + name + "'",
                                         k.keyword + modifier);
            }
            rule.modifiers[normaliseModifier(modifier)] = *modifier_action;
        }
        rules.push_back(std::move(rule));
    }
    return rules;
}

common::Result<std::vector<KeywordRule>> effectiveKeywordRules(const settings::Settings& settings) {
    if (settings.keywords.empty()) return defaultKeywordRules(settings.webex.site);
    auto rules = rulesFromSettings(settings.keywords);
    if (!rules) return rules.error();
    for (auto& rule : *rules) {
        if (rule.site.empty()) rule.site = settings.webex.site;
    }
    return rules;
}

std::optional<KeywordMatch> findKeyword(std::string_view location,
                                        const std::vector<KeywordRule>& rules) {
    std::size_t i = 0;
    while (i < location.size()) {
        while (i < location.size()) {
            std::size_t n = separatorLength(location, i);
            if (n == 0) break;
            i += n;
        }
        std::size_t start = i;
        while (i < location.size() && separatorLength(location, i) == 0) ++i;
        if (start == i) continue;
        std::string_view token = location.substr(start, i - start);
        // A keyword starts its token: "bob@webex.com" and "https://x/@webex" are not requests.
        if (token.front() != '@' || looksLikeUrl(token)) continue;
        // Longest keyword first, so "@meeting" would win over "@meet" if both were configured.
        const KeywordRule* best = nullptr;
        std::optional<KeywordMatch> best_match;
        for (const auto& rule : rules) {
            auto match = matchToken(token, start, rule);
            if (match && (!best || rule.keyword.size() > best->keyword.size())) {
                best = &rule;
                best_match = std::move(match);
            }
        }
        if (best_match) return best_match;
    }
    return std::nullopt;
}

}  // namespace calconn::joindetails
