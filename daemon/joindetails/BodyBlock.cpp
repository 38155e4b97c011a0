#include "joindetails/BodyBlock.h"

#include <cctype>

namespace calconn::joindetails {

namespace {

char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

// Case-insensitive find; linear in practice for the short needles used here.
std::size_t findIgnoreCase(std::string_view hay, std::string_view needle, std::size_t from = 0) {
    if (needle.empty() || hay.size() < needle.size()) return std::string_view::npos;
    char first = lower(needle[0]);
    for (std::size_t i = from; i + needle.size() <= hay.size(); ++i) {
        if (lower(hay[i]) != first) continue;
        std::size_t k = 1;
        while (k < needle.size() && lower(hay[i + k]) == lower(needle[k])) ++k;
        if (k == needle.size()) return i;
    }
    return std::string_view::npos;
}

std::size_t rfindIgnoreCase(std::string_view hay, std::string_view needle) {
    std::size_t found = std::string_view::npos;
    for (std::size_t pos = findIgnoreCase(hay, needle); pos != std::string_view::npos;
         pos = findIgnoreCase(hay, needle, pos + 1)) {
        found = pos;
    }
    return found;
}

// ---- HTML ----

// The comment around a marker token: "<!--" before it (only blanks between) and "-->" after.
std::optional<BlockRange> commentAround(std::string_view body, std::size_t token_pos,
                                        std::size_t token_len) {
    std::size_t b = token_pos;
    while (b > 0 && std::isspace(static_cast<unsigned char>(body[b - 1])) != 0) --b;
    if (b < 4 || body.substr(b - 4, 4) != "<!--") return std::nullopt;
    std::size_t close = body.find("-->", token_pos + token_len);
    if (close == std::string_view::npos) return std::nullopt;
    return BlockRange{b - 4, close + 3};
}

// A <div ...> start tag whose attributes name our element, from `from` on. The last '<' and
// '>' before each hit are tracked while scanning forward, so a hostile body full of the name
// costs linear time, not a backward search per hit.
std::optional<BlockRange> findMarkedDiv(std::string_view body, std::size_t from) {
    std::size_t last_lt = std::string_view::npos;
    std::size_t last_gt = std::string_view::npos;
    std::size_t scanned = from;
    for (std::size_t pos = findIgnoreCase(body, kBlockElementName, from);
         pos != std::string_view::npos;
         pos = findIgnoreCase(body, kBlockElementName, pos + 1)) {
        for (; scanned < pos; ++scanned) {
            if (body[scanned] == '<') last_lt = scanned;
            else if (body[scanned] == '>') last_gt = scanned;
        }
        // Inside a start tag: a '<' after the last '>', and that tag is a div.
        if (last_lt == std::string_view::npos) continue;
        if (last_gt != std::string_view::npos && last_gt > last_lt) continue;
        if (findIgnoreCase(body.substr(last_lt, 5), "<div") != 0) continue;
        std::size_t tag_end = body.find('>', pos);
        if (tag_end == std::string_view::npos) return std::nullopt;
        return BlockRange{last_lt, tag_end + 1};
    }
    return std::nullopt;
}

bool isTagNameEnd(char c) {
    return c == '>' || c == '/' || std::isspace(static_cast<unsigned char>(c)) != 0;
}

// End of the div whose start tag ends at `after_start_tag`, counting nested divs.
std::optional<std::size_t> matchingDivEnd(std::string_view body, std::size_t after_start_tag) {
    int depth = 1;
    std::size_t pos = after_start_tag;
    while (pos < body.size()) {
        std::size_t lt = body.find('<', pos);
        if (lt == std::string_view::npos) return std::nullopt;
        std::string_view rest = body.substr(lt);
        if (rest.size() >= 5 && findIgnoreCase(rest.substr(0, 4), "<div") == 0 && isTagNameEnd(rest[4])) {
            ++depth;
        } else if (rest.size() >= 6 && findIgnoreCase(rest.substr(0, 5), "</div") == 0 &&
                   isTagNameEnd(rest[5])) {
            if (--depth == 0) {
                std::size_t gt = body.find('>', lt);
                if (gt == std::string_view::npos) return std::nullopt;
                return gt + 1;
            }
        } else if (rest.substr(0, 4) == "<!--") {
            std::size_t close = body.find("-->", lt + 4);
            if (close == std::string_view::npos) return std::nullopt;
            pos = close + 3;
            continue;
        }
        pos = lt + 1;
    }
    return std::nullopt;
}

std::optional<BlockRange> nextHtmlBlock(std::string_view body, std::size_t from) {
    // Preferred: the comment pair (also covers a block whose div Outlook rewrote).
    std::size_t begin_token = findIgnoreCase(body, kBlockBeginToken, from);
    std::optional<BlockRange> div = findMarkedDiv(body, from);
    if (begin_token != std::string_view::npos &&
        (!div || begin_token < div->begin)) {
        auto begin_comment = commentAround(body, begin_token, kBlockBeginToken.size());
        std::size_t end_token = findIgnoreCase(body, kBlockEndToken, begin_token);
        if (begin_comment && end_token != std::string_view::npos) {
            auto end_comment = commentAround(body, end_token, kBlockEndToken.size());
            if (end_comment) return BlockRange{begin_comment->begin, end_comment->end};
        }
    }
    // Comments lost: the div alone, plus any comment marker right next to it.
    if (!div) return std::nullopt;
    auto end = matchingDivEnd(body, div->end);
    if (!end) return std::nullopt;
    BlockRange range{div->begin, *end};
    std::size_t b = range.begin;
    while (b > 0 && std::isspace(static_cast<unsigned char>(body[b - 1])) != 0) --b;
    if (b >= 3 && body.substr(b - 3, 3) == "-->") {
        std::size_t token = body.rfind(kBlockBeginToken, b);
        if (token != std::string_view::npos) {
            if (auto c = commentAround(body, token, kBlockBeginToken.size()); c && c->end == b) {
                range.begin = c->begin;
            }
        }
    }
    std::size_t e = range.end;
    while (e < body.size() && std::isspace(static_cast<unsigned char>(body[e])) != 0) ++e;
    if (body.substr(e, 4) == "<!--") {
        std::size_t token = findIgnoreCase(body, kBlockEndToken, e);
        if (token != std::string_view::npos) {
            if (auto c = commentAround(body, token, kBlockEndToken.size()); c && c->begin == e) {
                range.end = c->end;
            }
        }
    }
    return range;
}

// ---- text ----

std::size_t lineStart(std::string_view body, std::size_t pos) {
    std::size_t nl = pos == 0 ? std::string_view::npos : body.rfind('\n', pos - 1);
    return nl == std::string_view::npos ? 0 : nl + 1;
}

std::size_t lineEndInclusive(std::string_view body, std::size_t pos) {
    std::size_t nl = body.find('\n', pos);
    return nl == std::string_view::npos ? body.size() : nl + 1;
}

std::optional<BlockRange> nextTextBlock(std::string_view body, std::size_t from) {
    std::size_t begin_token = findIgnoreCase(body, kBlockBeginToken, from);
    if (begin_token == std::string_view::npos) return std::nullopt;
    std::size_t end_token = findIgnoreCase(body, kBlockEndToken, begin_token);
    if (end_token == std::string_view::npos) return std::nullopt;
    return BlockRange{lineStart(body, begin_token), lineEndInclusive(body, end_token)};
}

std::string textMarkerLine(std::string_view token) {
    return "=== " + std::string(token) + " ===";
}

}  // namespace

std::vector<BlockRange> findBlocks(std::string_view body, BodyType type) {
    std::vector<BlockRange> ranges;
    std::size_t from = 0;
    // More than a handful of blocks is not something we or a user's copy-paste produced;
    // the bound keeps a hostile body from costing blocks x body length.
    while (from < body.size() && ranges.size() < kMaxBlocks) {
        auto range = type == BodyType::Html ? nextHtmlBlock(body, from) : nextTextBlock(body, from);
        if (!range) break;
        ranges.push_back(*range);
        from = range->end;
    }
    return ranges;
}

std::optional<BlockRange> findBlock(std::string_view body, BodyType type) {
    auto ranges = findBlocks(body, type);
    if (ranges.empty()) return std::nullopt;
    return ranges.front();
}

std::string wrapBlock(std::string_view block, BodyType type) {
    std::string out;
    if (type == BodyType::Html) {
        out += "<!-- ";
        out += kBlockBeginToken;
        out += " --><div id=\"";
        out += kBlockElementName;
        out += "\" class=\"";
        out += kBlockElementName;
        out += "\">\n";
        out += block;
        if (!block.empty() && block.back() != '\n') out += '\n';
        out += "</div><!-- ";
        out += kBlockEndToken;
        out += " -->";
        return out;
    }
    out += textMarkerLine(kBlockBeginToken);
    out += '\n';
    out += block;
    if (!block.empty() && block.back() != '\n') out += '\n';
    out += textMarkerLine(kBlockEndToken);
    out += '\n';
    return out;
}

std::string insertBlock(std::string_view body, BodyType type, std::string_view block) {
    std::string wrapped = wrapBlock(block, type);
    auto ranges = findBlocks(body, type);
    if (!ranges.empty()) {
        std::string out;
        std::size_t pos = 0;
        for (std::size_t i = 0; i < ranges.size(); ++i) {
            out += body.substr(pos, ranges[i].begin - pos);
            if (i == 0) out += wrapped;
            pos = ranges[i].end;
        }
        out += body.substr(pos);
        return out;
    }
    std::string out;
    if (type == BodyType::Html) {
        std::size_t close = rfindIgnoreCase(body, "</body");
        if (close == std::string_view::npos) close = body.size();
        out += body.substr(0, close);
        out += '\n';
        out += wrapped;
        out += body.substr(close);
        return out;
    }
    out = std::string(body);
    if (!out.empty()) {
        if (out.back() != '\n') out += '\n';
        out += '\n';
    }
    out += wrapped;
    return out;
}

std::string removeBlock(std::string_view body, BodyType type) {
    auto ranges = findBlocks(body, type);
    if (ranges.empty()) return std::string(body);
    std::string out;
    std::size_t pos = 0;
    for (const auto& range : ranges) {
        std::size_t begin = range.begin;
        // Take back the line break insertBlock put in front of the block.
        if (begin > pos && body[begin - 1] == '\n') {
            --begin;
            if (begin > pos && body[begin - 1] == '\r') --begin;
        }
        out += body.substr(pos, begin - pos);
        pos = range.end;
    }
    out += body.substr(pos);
    return out;
}

}  // namespace calconn::joindetails
