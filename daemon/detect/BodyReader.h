// Turns an event body into what a person sees: visible text (entities decoded, <wbr>, soft
// hyphens and zero-width characters removed, tags as line breaks) plus every anchor with its href,
// Safe Links originalsrc and visible text, and where quoted or forwarded history begins.
// A small linear-time tokenizer following the HTML5 tokenization rules that matter here (tags,
// quoted attributes, comments, raw-text elements, character references); no tree building.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace calconn::detect {

struct BodyLink {
    std::string href;         // entity-decoded attribute value
    std::string originalsrc;  // Outlook's pre-Safe-Links URL, when present
    std::size_t raw_pos = 0;  // byte offset of the <a> tag in the body
    std::size_t text_begin = 0;  // anchor text range in BodyView::text
    std::size_t text_end = 0;
};

struct BodyView {
    std::string storage;    // visible text of an HTML body
    std::string_view text;  // storage, or the body itself for text bodies
    // (text offset, raw offset) at the start of each run copied from the body, ascending.
    std::vector<std::pair<std::size_t, std::size_t>> map;
    std::vector<BodyLink> links;
    static constexpr std::size_t kNone = static_cast<std::size_t>(-1);
    std::size_t quote_start = kNone;  // text offset where quoted history begins (marker seen)
    std::vector<std::pair<std::size_t, std::size_t>> quoted_ranges;  // <blockquote> text ranges
    std::size_t raw_base = 0;  // added to every raw offset (for a tail slice of a long body)
    mutable std::vector<std::size_t> line_breaks;  // built on first lineStart()
    mutable bool line_breaks_built = false;

    bool has_quote_lines = false;  // some line starts with '>' (plain-text quoting)

    std::size_t rawPos(std::size_t text_offset) const;
    // Offset of the first character of the line holding `text_offset` (O(log n) after a
    // one-time index of line breaks).
    std::size_t lineStart(std::size_t text_offset) const;
    bool isQuoted(std::size_t text_offset) const;
};

// `raw_base` is the offset of `html` inside the full body (positions are reported against it).
void readHtml(std::string_view html, BodyView& out, std::size_t raw_base = 0);
void readText(std::string_view text, BodyView& out, std::size_t raw_base = 0);

// Appends `in` with character references decoded (HTML5 attribute rules when `attribute`),
// dropping soft hyphens and zero-width characters and turning no-break spaces into spaces.
void appendDecoded(std::string_view in, bool attribute, std::string& out);

// Finds the text offset of the first quoted/forwarded-history marker in plain text
// ("-----Original Appointment-----", "From:/Sent:" header runs, Gmail forwards), or kNone.
std::size_t findQuoteMarker(std::string_view text);

}  // namespace calconn::detect
