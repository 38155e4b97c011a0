#include "joindetails/TemplateStore.h"

#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "joindetails/EmbeddedTemplates.h"

namespace calconn::joindetails {

using common::ErrorCode;
using common::makeError;

std::string htmlEscape(std::string_view text) {
    std::string out;
    out.reserve(text.size() + text.size() / 8);
    for (char c : text) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&#39;"; break;
            default: out += c;
        }
    }
    return out;
}

bool isValidUtf8(std::string_view text) {
    std::size_t i = 0;
    while (i < text.size()) {
        auto c = static_cast<unsigned char>(text[i]);
        std::size_t len = 0;
        std::uint32_t cp = 0;
        if (c < 0x80) { len = 1; cp = c; }
        else if ((c & 0xE0) == 0xC0) { len = 2; cp = c & 0x1F; }
        else if ((c & 0xF0) == 0xE0) { len = 3; cp = c & 0x0F; }
        else if ((c & 0xF8) == 0xF0) { len = 4; cp = c & 0x07; }
        else return false;
        if (i + len > text.size()) return false;
        for (std::size_t k = 1; k < len; ++k) {
            auto cc = static_cast<unsigned char>(text[i + k]);
            if ((cc & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (cc & 0x3F);
        }
        // Overlong forms, surrogates and values beyond U+10FFFF.
        if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
            (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) {
            return false;
        }
        i += len;
    }
    return true;
}

namespace {

enum class TokenKind { Text, Var, Open, Inverted, Close };

struct Token {
    TokenKind kind;
    std::string text;  // literal text or variable name
};

bool isBlank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

// Splits into tokens; section tags alone on their line swallow that line.
common::Result<std::vector<Token>> tokenize(std::string_view text) {
    std::vector<Token> tokens;
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t open = text.find("{{", pos);
        if (open == std::string_view::npos) {
            tokens.push_back({TokenKind::Text, std::string(text.substr(pos))});
            break;
        }
        std::size_t close = text.find("}}", open + 2);
        if (close == std::string_view::npos) {
            return makeError(ErrorCode::InvalidArgument, "unterminated '{{' in template");
        }
        std::string_view tag = text.substr(open + 2, close - open - 2);
        while (!tag.empty() && tag.front() == ' ') tag.remove_prefix(1);
        while (!tag.empty() && tag.back() == ' ') tag.remove_suffix(1);
        TokenKind kind = TokenKind::Var;
        if (!tag.empty() && (tag.front() == '#' || tag.front() == '^' || tag.front() == '/')) {
            kind = tag.front() == '#' ? TokenKind::Open
                 : tag.front() == '^' ? TokenKind::Inverted : TokenKind::Close;
            tag.remove_prefix(1);
        }
        if (tag.empty()) return makeError(ErrorCode::InvalidArgument, "empty tag in template");
        for (char c : tag) {
            if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '_') {
                return makeError(ErrorCode::InvalidArgument,
                                 "bad tag name in template", std::string(tag));
            }
        }
        std::size_t text_end = open;
        std::size_t next = close + 2;
        if (kind != TokenKind::Var) {
            std::size_t line_start = open;
            while (line_start > pos && isBlank(text[line_start - 1])) --line_start;
            bool starts_line = line_start == 0 || text[line_start - 1] == '\n';
            std::size_t after = next;
            while (after < text.size() && isBlank(text[after])) ++after;
            bool ends_line = after == text.size() || text[after] == '\n';
            if (starts_line && ends_line && (line_start > pos || line_start == 0 ||
                                             text[line_start - 1] == '\n')) {
                text_end = line_start;
                next = after < text.size() ? after + 1 : after;
            }
        }
        if (text_end > pos) tokens.push_back({TokenKind::Text, std::string(text.substr(pos, text_end - pos))});
        tokens.push_back({kind, std::string(tag)});
        pos = next;
    }
    return tokens;
}

bool hasValue(const TemplateValues& values, const std::string& name) {
    auto it = values.find(name);
    if (it == values.end()) return false;
    for (const auto& v : it->second) {
        if (!v.empty()) return true;
    }
    return false;
}

// Renders tokens[begin, end) and returns the index after the matching Close (or end).
std::size_t renderRange(const std::vector<Token>& tokens, std::size_t i, const std::string& section,
                        const TemplateValues& values, bool html, bool emit, std::string& out) {
    while (i < tokens.size()) {
        const Token& t = tokens[i];
        switch (t.kind) {
            case TokenKind::Text:
                if (emit) out += t.text;
                ++i;
                break;
            case TokenKind::Var:
                if (emit) {
                    auto it = values.find(t.text);
                    if (it != values.end()) {
                        bool first = true;
                        for (const auto& v : it->second) {
                            if (v.empty()) continue;
                            if (!first) out += html ? "<br>\n" : "\n";
                            out += html ? htmlEscape(v) : v;
                            first = false;
                        }
                    }
                }
                ++i;
                break;
            case TokenKind::Open:
            case TokenKind::Inverted: {
                bool shown = hasValue(values, t.text) == (t.kind == TokenKind::Open);
                i = renderRange(tokens, i + 1, t.text, values, html, emit && shown, out);
                break;
            }
            case TokenKind::Close:
                if (t.text == section) return i + 1;
                ++i;  // stray close: checkTemplate rejects these at load time
                break;
        }
    }
    return i;
}

std::string canonicalLocale(std::string_view locale) {
    std::string out;
    std::size_t part = 0;
    std::size_t i = 0;
    while (i <= locale.size()) {
        std::size_t j = i;
        while (j < locale.size() && locale[j] != '-' && locale[j] != '_') ++j;
        std::string piece(locale.substr(i, j - i));
        if (piece.empty()) break;
        for (auto& c : piece) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (part > 0 && piece.size() == 2) {
            for (auto& c : piece) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        } else if (part > 0 && piece.size() == 4) {
            piece[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(piece[0])));
        }
        if (part > 0) out += '-';
        out += piece;
        ++part;
        i = j + 1;
    }
    return out;
}

std::string languageOf(std::string_view canonical) {
    return std::string(canonical.substr(0, canonical.find('-')));
}

bool isLocaleName(std::string_view name) {
    if (name.size() < 2 || name.size() > 35) return false;
    for (char c : name) {
        if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '-' && c != '_') return false;
    }
    return std::isalpha(static_cast<unsigned char>(name[0])) != 0;
}

}  // namespace

common::Status checkTemplate(std::string_view text) {
    auto tokens = tokenize(text);
    if (!tokens) return tokens.error();
    std::vector<std::string> open;
    for (const auto& t : *tokens) {
        if (t.kind == TokenKind::Open || t.kind == TokenKind::Inverted) open.push_back(t.text);
        if (t.kind == TokenKind::Close) {
            if (open.empty() || open.back() != t.text) {
                return makeError(ErrorCode::InvalidArgument, "unbalanced section in template", t.text);
            }
            open.pop_back();
        }
    }
    if (!open.empty()) {
        return makeError(ErrorCode::InvalidArgument, "unclosed section in template", open.back());
    }
    return {};
}

std::string renderTemplate(std::string_view text, const TemplateValues& values, bool html) {
    auto tokens = tokenize(text);
    if (!tokens) return {};
    std::string out;
    renderRange(*tokens, 0, {}, values, html, true, out);
    return out;
}

TemplateValues templateValues(const JoinDetails& d) {
    TemplateValues values;
    // Only an https link may become an href: an API answer must not be able to inject a
    // javascript: or data: URL into every attendee's invitation.
    if (d.join_url.rfind("https://", 0) == 0) values["join_url"] = {d.join_url};
    values["sip_address"] = {d.sip_address};
    values["meeting_number"] = {d.meeting_number};
    values["password"] = {d.password};
    values["video_password"] = {d.video_password};
    values["access_code"] = {d.access_code};
    values["site"] = {d.site};
    values["host_name"] = {d.host_name};
    std::vector<std::string> call_in;
    for (const auto& n : d.call_in_numbers) {
        call_in.push_back(n.label.empty() ? n.number : n.label + ": " + n.number);
    }
    values["call_in"] = call_in;
    values["personal_room"] = {d.action == JoinAction::PersonalRoom ? "1" : ""};
    values["scheduled"] = {d.action == JoinAction::WebexMeeting ? "1" : ""};
    return values;
}

TemplateStore TemplateStore::shipped() {
    TemplateStore store;
    for (const auto& t : embeddedTemplates()) {
        std::string_view name = t.file_name;
        auto dot = name.rfind('.');
        std::string locale = canonicalLocale(name.substr(0, dot));
        std::string_view ext = name.substr(dot + 1);
        auto& pair = store.by_locale_[locale];
        (ext == "html" ? pair.html : pair.text) = std::string(t.text);
    }
    return store;
}

common::Result<TemplateStore> TemplateStore::withOverrides(const std::string& dir) {
    TemplateStore store = shipped();
    if (dir.empty()) return store;
    std::error_code ec;
    if (!std::filesystem::exists(dir, ec)) return store;
    std::filesystem::directory_iterator it(dir, ec);
    if (ec) return makeError(ErrorCode::Config, "cannot list template directory: " + ec.message(), dir);
    for (const auto& entry : it) {
        const auto& path = entry.path();
        std::string ext = path.extension().string();
        if (ext != ".html" && ext != ".txt") continue;
        std::string stem = path.stem().string();
        if (!isLocaleName(stem)) {
            return makeError(ErrorCode::Config, "template file name is not a locale", path.string());
        }
        std::ifstream in(path, std::ios::binary);
        if (!in) return makeError(ErrorCode::Config, "cannot read template", path.string());
        std::ostringstream content;
        content << in.rdbuf();
        std::string text = content.str();
        if (!isValidUtf8(text)) {
            return makeError(ErrorCode::Config, "template is not valid utf-8", path.string());
        }
        if (auto status = checkTemplate(text); !status) {
            return makeError(ErrorCode::Config, status.error().message, path.string());
        }
        auto& pair = store.by_locale_[canonicalLocale(stem)];
        (ext == ".html" ? pair.html : pair.text) = std::move(text);
    }
    return store;
}

std::string TemplateStore::resolveLocale(std::string_view requested) const {
    std::string canonical = canonicalLocale(requested);
    if (by_locale_.count(canonical) != 0) return canonical;
    std::string language = languageOf(canonical);
    if (!language.empty()) {
        // Prefer the shipped locale of that language (de -> de-DE), then any other.
        for (const auto& t : embeddedTemplates()) {
            std::string_view name = t.file_name;
            std::string shipped_locale = canonicalLocale(name.substr(0, name.rfind('.')));
            if (languageOf(shipped_locale) == language && by_locale_.count(shipped_locale) != 0) {
                return shipped_locale;
            }
        }
        for (const auto& [locale, pair] : by_locale_) {
            if (languageOf(locale) == language) return locale;
        }
    }
    return std::string(kFallbackLocale);
}

std::vector<std::string> TemplateStore::locales() const {
    std::vector<std::string> out;
    for (const auto& [locale, pair] : by_locale_) out.push_back(locale);
    return out;
}

std::string TemplateStore::render(std::string_view locale, BodyType type,
                                  const JoinDetails& details) const {
    bool html = type == BodyType::Html;
    const std::string* text = nullptr;
    auto it = by_locale_.find(resolveLocale(locale));
    if (it != by_locale_.end()) text = html ? &it->second.html : &it->second.text;
    if (text == nullptr || text->empty()) {
        auto fallback = by_locale_.find(std::string(kFallbackLocale));
        if (fallback == by_locale_.end()) return {};
        text = html ? &fallback->second.html : &fallback->second.text;
    }
    return renderTemplate(*text, templateValues(details), html);
}

}  // namespace calconn::joindetails
