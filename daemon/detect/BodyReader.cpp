#include "detect/BodyReader.h"

#include <algorithm>
#include <array>
#include <cstring>

namespace calconn::detect {

namespace {

constexpr std::size_t kMaxLinks = 4096;

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
bool isAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isAlnum(char c) { return isAlpha(c) || isDigit(c); }
bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

bool iEquals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (lower(a[i]) != lower(b[i])) return false;
    }
    return true;
}

bool iContains(std::string_view hay, std::string_view needle) {
    if (needle.size() > hay.size()) return false;
    for (std::size_t i = 0; i + needle.size() <= hay.size(); ++i) {
        if (iEquals(hay.substr(i, needle.size()), needle)) return true;
    }
    return false;
}

void appendUtf8(unsigned int cp, std::string& out) {
    if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
    if (cp == 0xAD || (cp >= 0x200B && cp <= 0x200D) || cp == 0x2060 || cp == 0xFEFF) return;
    if (cp == 0xA0) {
        out += ' ';
        return;
    }
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

struct NamedEntity {
    std::string_view name;
    unsigned int cp;
    bool legacy;  // recognised without ';' (HTML5 legacy set)
};

// The references that occur in invitations and URLs; others stay literal (as a browser would
// render an unknown name). Legacy names are matched without ';' only in text.
constexpr std::array<NamedEntity, 40> kEntities = {{
    {"amp", '&', true}, {"lt", '<', true}, {"gt", '>', true}, {"quot", '"', true},
    {"nbsp", 0xA0, true}, {"copy", 0xA9, true}, {"reg", 0xAE, true}, {"shy", 0xAD, true},
    {"apos", '\'', false}, {"sol", '/', false}, {"colon", ':', false}, {"period", '.', false},
    {"commat", '@', false}, {"quest", '?', false}, {"equals", '=', false}, {"percnt", '%', false},
    {"lowbar", '_', false}, {"num", '#', false}, {"excl", '!', false}, {"lpar", '(', false},
    {"rpar", ')', false}, {"comma", ',', false}, {"semi", ';', false}, {"plus", '+', false},
    {"hyphen", 0x2010, false}, {"dash", 0x2010, false}, {"ndash", 0x2013, false},
    {"mdash", 0x2014, false}, {"hellip", 0x2026, false}, {"lsquo", 0x2018, false},
    {"rsquo", 0x2019, false}, {"ldquo", 0x201C, false}, {"rdquo", 0x201D, false},
    {"bull", 0x2022, false}, {"middot", 0xB7, true}, {"euro", 0x20AC, false},
    {"ZeroWidthSpace", 0x200B, false}, {"zwnj", 0x200C, false}, {"zwj", 0x200D, false},
    {"NewLine", '\n', false},
}};

// Decodes one character reference at in[0] == '&'. Returns bytes consumed (0: not a reference).
std::size_t decodeReference(std::string_view in, bool attribute, std::string& out) {
    if (in.size() < 2) return 0;
    if (in[1] == '#') {
        std::size_t i = 2;
        bool hex = i < in.size() && (in[i] == 'x' || in[i] == 'X');
        if (hex) ++i;
        std::size_t digits_start = i;
        unsigned long cp = 0;
        while (i < in.size() && i - digits_start < 8 &&
               (hex ? std::isxdigit(static_cast<unsigned char>(in[i])) != 0 : isDigit(in[i]))) {
            char c = in[i];
            int v = isDigit(c) ? c - '0' : (lower(c) - 'a' + 10);
            cp = cp * (hex ? 16 : 10) + static_cast<unsigned long>(v);
            ++i;
        }
        if (i == digits_start) return 0;
        while (i < in.size() && (hex ? std::isxdigit(static_cast<unsigned char>(in[i])) != 0 : isDigit(in[i]))) {
            cp = 0x110000;  // overlong: replacement character
            ++i;
        }
        if (i < in.size() && in[i] == ';') ++i;
        appendUtf8(static_cast<unsigned int>(cp), out);
        return i;
    }
    std::size_t i = 1;
    while (i < in.size() && i < 32 && isAlnum(in[i])) ++i;
    std::string_view name = in.substr(1, i - 1);
    if (name.empty()) return 0;
    bool semicolon = i < in.size() && in[i] == ';';
    for (const auto& e : kEntities) {
        if (semicolon && name == e.name) {
            appendUtf8(e.cp, out);
            return i + 1;
        }
    }
    // Legacy names without ';' (the longest legacy prefix of the name).
    for (const auto& e : kEntities) {
        if (!e.legacy || name.size() < e.name.size() || name.substr(0, e.name.size()) != e.name) continue;
        std::size_t end = 1 + e.name.size();
        if (semicolon && end == i) continue;
        if (attribute && end < in.size() && (isAlnum(in[end]) || in[end] == '=')) return 0;
        appendUtf8(e.cp, out);
        return end;
    }
    return 0;
}

// Byte classes for the text copy loop: 0 plain, 1 '&', 2 whitespace to fold, 3 possible
// invisible UTF-8 lead byte.
constexpr std::array<unsigned char, 256> makeTextClasses() {
    std::array<unsigned char, 256> t{};
    t['&'] = 1;
    t['\n'] = 2;
    t['\r'] = 2;
    t['\t'] = 2;
    t['\f'] = 2;
    t[0xC2] = 3;
    t[0xE2] = 3;
    t[0xEF] = 3;
    return t;
}
constexpr auto kTextClasses = makeTextClasses();

// Length of an invisible character sequence at s[0] (0 when it is visible), and whether it
// becomes a space (no-break space).
std::size_t invisibleLength(std::string_view s, bool* is_space) {
    *is_space = false;
    auto b = [&](std::size_t i) { return i < s.size() ? static_cast<unsigned char>(s[i]) : 0; };
    if (b(0) == 0xC2 && b(1) == 0xAD) return 2;
    if (b(0) == 0xC2 && b(1) == 0xA0) {
        *is_space = true;
        return 2;
    }
    if (b(0) == 0xE2 && b(1) == 0x80 && (b(2) >= 0x8B && b(2) <= 0x8D)) return 3;
    if (b(0) == 0xE2 && b(1) == 0x81 && b(2) == 0xA0) return 3;
    if (b(0) == 0xEF && b(1) == 0xBB && b(2) == 0xBF) return 3;
    return 0;
}

void appendTextRun(std::string_view in, std::size_t raw_offset, BodyView& out) {
    std::string& text = out.storage;
    out.map.emplace_back(text.size(), raw_offset);
    std::size_t i = 0;
    std::size_t run = 0;
    const std::size_t n = in.size();
    while (i < n) {
        unsigned char cls = kTextClasses[static_cast<unsigned char>(in[i])];
        if (cls == 0) {
            ++i;
            continue;
        }
        text.append(in.data() + run, i - run);
        if (cls == 2) {
            text += ' ';
            ++i;
        } else if (cls == 1) {
            std::size_t used = decodeReference(in.substr(i), false, text);
            if (used == 0) {
                text += '&';
                ++i;
            } else {
                i += used;
                out.map.emplace_back(text.size(), raw_offset + i);
            }
        } else {
            bool space = false;
            std::size_t len = invisibleLength(in.substr(i), &space);
            if (len == 0) {
                text += in[i];
                ++i;
            } else {
                if (space) text += ' ';
                i += len;
                out.map.emplace_back(text.size(), raw_offset + i);
            }
        }
        run = i;
    }
    text.append(in.data() + run, n - run);
}

void lineBreak(std::string& text) {
    if (!text.empty() && text.back() != '\n') text += '\n';
}

enum class TagKind { Other, Anchor, Block, Cell, Wbr, RawText, Blockquote };

TagKind tagKind(std::string_view name) {
    switch (name.size()) {
        case 1:
            if (name[0] == 'a') return TagKind::Anchor;
            if (name[0] == 'p') return TagKind::Block;
            return TagKind::Other;
        case 2:
            if (name == "br" || name == "tr" || name == "li" || name == "hr" || name == "ul" ||
                name == "ol" || name == "dd" || name == "dt" ||
                (name[0] == 'h' && name[1] >= '1' && name[1] <= '6')) {
                return TagKind::Block;
            }
            if (name == "td" || name == "th") return TagKind::Cell;
            return TagKind::Other;
        case 3:
            if (name == "div" || name == "pre") return TagKind::Block;
            if (name == "wbr") return TagKind::Wbr;
            return TagKind::Other;
        default:
            if (name == "table" || name == "tbody" || name == "center" || name == "section" ||
                name == "header" || name == "footer" || name == "article") {
                return TagKind::Block;
            }
            if (name == "style" || name == "script" || name == "title" || name == "textarea" ||
                name == "xmp" || name == "noscript") {
                return TagKind::RawText;
            }
            if (name == "blockquote") return TagKind::Blockquote;
            return TagKind::Other;
    }
}

bool isQuoteMarkerAttribute(std::string_view value) {
    return iContains(value, "divRplyFwdMsg") || iContains(value, "appendonsend") ||
           iContains(value, "gmail_quote") || iContains(value, "moz-forward-container") ||
           iContains(value, "OutlookMessageHeader") || iContains(value, "yahoo_quoted");
}

// Finds "</name" (case-insensitive) from `from`; returns the offset of '<' or npos.
std::size_t findEndTag(std::string_view in, std::size_t from, std::string_view name) {
    while (from < in.size()) {
        const void* hit = std::memchr(in.data() + from, '<', in.size() - from);
        if (!hit) return std::string_view::npos;
        std::size_t lt = static_cast<std::size_t>(static_cast<const char*>(hit) - in.data());
        if (lt + 2 + name.size() <= in.size() && in[lt + 1] == '/' &&
            iEquals(in.substr(lt + 2, name.size()), name)) {
            return lt;
        }
        from = lt + 1;
    }
    return std::string_view::npos;
}

}  // namespace

void appendDecoded(std::string_view in, bool attribute, std::string& out) {
    std::size_t i = 0;
    while (i < in.size()) {
        char c = in[i];
        if (c == '&') {
            std::size_t used = decodeReference(in.substr(i), attribute, out);
            if (used == 0) {
                out += '&';
                ++i;
            } else {
                i += used;
            }
            continue;
        }
        auto u = static_cast<unsigned char>(c);
        if (u == 0xC2 || u == 0xE2 || u == 0xEF) {
            bool space = false;
            std::size_t len = invisibleLength(in.substr(i), &space);
            if (len > 0) {
                if (space) out += ' ';
                i += len;
                continue;
            }
        }
        out += c;
        ++i;
    }
}

std::size_t BodyView::rawPos(std::size_t text_offset) const {
    if (map.empty()) return raw_base + text_offset;
    auto it = std::upper_bound(map.begin(), map.end(), std::make_pair(text_offset, static_cast<std::size_t>(-1)));
    if (it == map.begin()) return raw_base + map.front().second;
    --it;
    return raw_base + it->second + (text_offset - it->first);
}

std::size_t BodyView::lineStart(std::size_t text_offset) const {
    if (!line_breaks_built) {
        line_breaks_built = true;
        std::size_t pos = 0;
        while (pos < text.size()) {
            const void* nl = std::memchr(text.data() + pos, '\n', text.size() - pos);
            if (!nl) break;
            pos = static_cast<std::size_t>(static_cast<const char*>(nl) - text.data());
            line_breaks.push_back(pos);
            ++pos;
        }
    }
    auto it = std::lower_bound(line_breaks.begin(), line_breaks.end(), text_offset);
    return it == line_breaks.begin() ? 0 : *(it - 1) + 1;
}

bool BodyView::isQuoted(std::size_t text_offset) const {
    if (quote_start != kNone && text_offset >= quote_start) return true;
    for (const auto& [begin, end] : quoted_ranges) {
        if (text_offset >= begin && text_offset < end) return true;
    }
    return false;
}

void readText(std::string_view text, BodyView& out, std::size_t raw_base) {
    out.text = text;
    out.raw_base = raw_base;
    out.has_quote_lines = (!text.empty() && text[0] == '>') || text.find("\n>") != std::string_view::npos;
    out.quote_start = findQuoteMarker(text);
}

void readHtml(std::string_view in, BodyView& out, std::size_t raw_base) {
    out.raw_base = raw_base;
    out.storage.reserve(in.size() / 3);
    const std::size_t n = in.size();
    std::size_t i = 0;
    int open_anchor = -1;
    int blockquote_depth = 0;
    std::size_t blockquote_start = 0;
    char name_buf[16];
    std::size_t run = 0;  // start of pending text (a '<' that opens no tag is text)
    while (i < n) {
        const void* hit = std::memchr(in.data() + i, '<', n - i);
        std::size_t lt = hit ? static_cast<std::size_t>(static_cast<const char*>(hit) - in.data()) : n;
        if (lt + 1 >= n) {
            if (n > run) appendTextRun(in.substr(run, n - run), run, out);
            run = n;
            break;
        }
        char c = in[lt + 1];
        if (!isAlpha(c) && c != '/' && c != '!' && c != '?') {
            i = lt + 1;
            continue;
        }
        if (lt > run) appendTextRun(in.substr(run, lt - run), run, out);
        i = lt;
        run = lt;
        if (c == '!') {
            if (in.compare(i + 2, 2, "--") == 0) {
                std::size_t end = in.find("-->", i + 4);
                i = end == std::string_view::npos ? n : end + 3;
            } else {
                const void* gt = std::memchr(in.data() + i, '>', n - i);
                i = gt ? static_cast<std::size_t>(static_cast<const char*>(gt) - in.data()) + 1 : n;
            }
            run = i;
            continue;
        }
        bool end_tag = c == '/';
        std::size_t p = i + 1 + (end_tag ? 1 : 0);
        if (c == '?' || (end_tag && (p >= n || !isAlpha(in[p])))) {
            // Bogus comment up to '>' ("</>" and "</3" included).
            const void* gt = std::memchr(in.data() + i, '>', n - i);
            i = gt ? static_cast<std::size_t>(static_cast<const char*>(gt) - in.data()) + 1 : n;
            run = i;
            continue;
        }
        std::size_t name_start = p;
        while (p < n && !isSpace(in[p]) && in[p] != '/' && in[p] != '>') ++p;
        std::size_t name_len = std::min<std::size_t>(p - name_start, sizeof name_buf);
        for (std::size_t k = 0; k < name_len; ++k) name_buf[k] = lower(in[name_start + k]);
        std::string_view name = (p - name_start) <= sizeof name_buf ? std::string_view(name_buf, name_len)
                                                                    : std::string_view("-");
        TagKind kind = tagKind(name);
        std::string_view href;
        std::string_view originalsrc;
        bool quote_marker = false;
        bool complete = false;
        // Attributes (HTML5 "before attribute name" ... "after attribute value" states).
        while (p < n) {
            char a = in[p];
            if (isSpace(a) || a == '/') {
                ++p;
                continue;
            }
            if (a == '>') {
                complete = true;
                ++p;
                break;
            }
            std::size_t attr_start = p;
            ++p;  // the first character belongs to the name even if it is '='
            while (p < n && !isSpace(in[p]) && in[p] != '/' && in[p] != '>' && in[p] != '=') ++p;
            std::string_view attr = in.substr(attr_start, p - attr_start);
            while (p < n && isSpace(in[p])) ++p;
            std::string_view value;
            if (p < n && in[p] == '=') {
                ++p;
                while (p < n && isSpace(in[p])) ++p;
                if (p < n && (in[p] == '"' || in[p] == '\'')) {
                    char quote = in[p];
                    const void* close = std::memchr(in.data() + p + 1, quote, n - p - 1);
                    if (!close) {
                        p = n;
                        break;
                    }
                    std::size_t q = static_cast<std::size_t>(static_cast<const char*>(close) - in.data());
                    value = in.substr(p + 1, q - p - 1);
                    p = q + 1;
                } else {
                    std::size_t v = p;
                    while (p < n && !isSpace(in[p]) && in[p] != '>') ++p;
                    value = in.substr(v, p - v);
                }
            }
            if (end_tag) continue;
            if (kind == TagKind::Anchor) {
                if (iEquals(attr, "href")) href = value;
                else if (iEquals(attr, "originalsrc")) originalsrc = value;
            }
            if ((attr.size() == 2 || attr.size() == 5) && (iEquals(attr, "id") || iEquals(attr, "class")) &&
                isQuoteMarkerAttribute(value)) {
                quote_marker = true;
            }
        }
        if (!complete) {  // EOF inside a tag: the tag is dropped
            run = n;
            break;
        }
        i = p;
        run = p;
        std::string& text = out.storage;
        if (quote_marker && out.quote_start == BodyView::kNone) out.quote_start = text.size();
        switch (kind) {
            case TagKind::Anchor:
                if (open_anchor >= 0) {
                    out.links[static_cast<std::size_t>(open_anchor)].text_end = text.size();
                    open_anchor = -1;
                }
                // Anchors without a target are not links; past kMaxLinks the rest is text.
                if (!end_tag && (!href.empty() || !originalsrc.empty()) && out.links.size() < kMaxLinks) {
                    BodyLink link;
                    appendDecoded(href, true, link.href);
                    appendDecoded(originalsrc, true, link.originalsrc);
                    link.raw_pos = raw_base + lt;
                    link.text_begin = link.text_end = text.size();
                    out.links.push_back(std::move(link));
                    open_anchor = static_cast<int>(out.links.size() - 1);
                }
                break;
            case TagKind::Block:
                lineBreak(text);
                break;
            case TagKind::Cell:
                if (!text.empty() && text.back() != ' ' && text.back() != '\n') text += ' ';
                break;
            case TagKind::Blockquote:
                lineBreak(text);
                if (!end_tag) {
                    if (blockquote_depth++ == 0) blockquote_start = text.size();
                } else if (blockquote_depth > 0 && --blockquote_depth == 0) {
                    out.quoted_ranges.emplace_back(blockquote_start, text.size());
                }
                break;
            case TagKind::RawText:
                if (!end_tag) {
                    std::size_t end = findEndTag(in, i, name);
                    i = end == std::string_view::npos ? n : end;
                    run = i;
                }
                break;
            case TagKind::Wbr:
            case TagKind::Other:
                break;
        }
    }
    if (run < n) appendTextRun(in.substr(run, n - run), run, out);
    if (open_anchor >= 0) out.links[static_cast<std::size_t>(open_anchor)].text_end = out.storage.size();
    if (blockquote_depth > 0) out.quoted_ranges.emplace_back(blockquote_start, out.storage.size());
    out.text = out.storage;
    std::size_t marker = findQuoteMarker(out.text);
    if (marker < out.quote_start) out.quote_start = marker;
}

namespace {

std::size_t fastFind(std::string_view hay, std::string_view needle, std::size_t from = 0) {
    const std::size_t n = hay.size();
    const std::size_t m = needle.size();
    while (from + m <= n) {
        const void* hit = std::memchr(hay.data() + from, needle[0], n - from - m + 1);
        if (!hit) return std::string_view::npos;
        std::size_t at = static_cast<std::size_t>(static_cast<const char*>(hit) - hay.data());
        std::size_t k = 1;
        while (k < m && hay[at + k] == needle[k]) ++k;
        if (k == m) return at;
        from = at + 1;
    }
    return std::string_view::npos;
}

}  // namespace

std::size_t findQuoteMarker(std::string_view text) {
    // Outlook and Gmail separators all open with a run of dashes: one pass finds them.
    static constexpr std::array<std::string_view, 5> kDashMarkers = {
        "-----Original Appointment-----", "-----Original Message-----", "---------- Forwarded message",
        "-----Ursprünglicher Termin-----", "-----Message d'origine-----"};
    std::size_t best = BodyView::kNone;
    for (std::size_t at = fastFind(text, "-----"); at != std::string_view::npos; at = fastFind(text, "-----", at + 1)) {
        bool hit = false;
        for (auto marker : kDashMarkers) hit = hit || text.substr(at, marker.size()) == marker;
        if (hit) {
            best = at;
            break;
        }
        // Skip the rest of this run of dashes.
        while (at + 5 < text.size() && text[at + 5] == '-') ++at;
    }
    if (auto fwd = text.substr(0, best).find("Begin forwarded message:"); fwd != std::string_view::npos) best = fwd;
    // An Outlook header run: "From:" then "Sent:" or "Date:" within a few lines.
    std::size_t from = 0;
    int checked = 0;  // bounded so that a body of "From:" lines stays linear
    while (from < text.size() && from < best && checked < 64) {
        auto at = fastFind(text, "From:", from);
        if (at == std::string_view::npos || at >= best) break;
        bool line_start = at == 0 || text[at - 1] == '\n' || text[at - 1] == '>';
        if (line_start) {
            ++checked;
            std::string_view window = text.substr(at, 600);
            if (window.find("\nSent:") != std::string_view::npos || window.find("\nDate:") != std::string_view::npos ||
                window.find("\n>Sent:") != std::string_view::npos) {
                best = at;
                break;
            }
        }
        from = at + 5;
    }
    return best;
}

}  // namespace calconn::detect
