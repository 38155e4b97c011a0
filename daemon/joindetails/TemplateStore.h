// Join-details templates per locale (HTML and text), the shipped set overridable file by file
// from an admin directory, resolved from the organizer's mailbox locale with fallback to the
// language (de-AT -> de-DE) and then en-US. Templates use a tiny mustache subset:
// {{name}} (HTML-escaped in HTML templates), {{#name}}...{{/name}} shown when name is non-empty,
// {{^name}}...{{/name}} when empty; a section tag alone on a line takes its line with it.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/Result.h"
#include "joindetails/JoinDetails.h"

namespace calconn::joindetails {

inline constexpr std::string_view kFallbackLocale = "en-US";

// Variable name -> values; several values render one per line ("<br>" in HTML).
using TemplateValues = std::map<std::string, std::vector<std::string>>;

std::string htmlEscape(std::string_view text);
bool isValidUtf8(std::string_view text);

// Checks that sections are balanced and tags well formed.
common::Status checkTemplate(std::string_view text);
// Renders; an unbalanced template renders what it can (load-time checks reject those).
std::string renderTemplate(std::string_view text, const TemplateValues& values, bool html);

// The variables a block offers: join_url, sip_address, meeting_number, password,
// video_password, access_code, call_in (one value per number), personal_room / scheduled
// (flags), site, host_name. join_url is dropped unless it is an https URL.
TemplateValues templateValues(const JoinDetails& details);

class TemplateStore {
public:
    // The shipped templates only.
    static TemplateStore shipped();
    // The shipped templates, then every LOCALE.html / LOCALE.txt in `dir` over them. A missing
    // directory is fine (nothing overridden); an unreadable, non-UTF-8 or malformed file fails
    // with Config so an admin's mistake shows at start or reload, not in an invitation.
    static common::Result<TemplateStore> withOverrides(const std::string& dir);

    // Canonical locale that will be used for `requested` ("de_at", "de-AT" -> "de-DE").
    std::string resolveLocale(std::string_view requested) const;
    std::vector<std::string> locales() const;

    // The inner block (without markers) for `details` in `locale`'s resolved template.
    std::string render(std::string_view locale, BodyType type, const JoinDetails& details) const;

private:
    struct Pair {
        std::string html;
        std::string text;
    };
    std::map<std::string, Pair> by_locale_;  // key: canonical "ll-CC"
};

}  // namespace calconn::joindetails
