// Pure functions that put a join-details block into an event body, find it again, replace it
// and take it out, leaving everything else the user wrote untouched. The block is wrapped in
// markers that survive Outlook's reformatting: in HTML, comments
// <!-- calconn:join-details:begin --> ... <!-- calconn:join-details:end --> around a
// <div id="calconn-join-details" class="calconn-join-details"> (either is enough to find it:
// Outlook may drop comments or unquote attributes); in text, two delimiter lines.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "joindetails/JoinDetails.h"

namespace calconn::joindetails {

inline constexpr std::string_view kBlockBeginToken = "calconn:join-details:begin";
inline constexpr std::string_view kBlockEndToken = "calconn:join-details:end";
inline constexpr std::string_view kBlockElementName = "calconn-join-details";
inline constexpr std::size_t kMaxBlocks = 16;  // findBlocks stops there

struct BlockRange {
    std::size_t begin = 0;  // first byte of the block, markers included
    std::size_t end = 0;    // one past the last byte
};

// Every block in the body (at most kMaxBlocks), in order, not overlapping.
std::vector<BlockRange> findBlocks(std::string_view body, BodyType type);
std::optional<BlockRange> findBlock(std::string_view body, BodyType type);
inline bool hasBlock(std::string_view body, BodyType type) { return findBlock(body, type).has_value(); }

// The block with its markers, as it is written into a body.
std::string wrapBlock(std::string_view block, BodyType type);

// Puts `block` into `body`: replaces the first existing block in place (and drops any others,
// so there is exactly one), or inserts before </body> (HTML) / appends (text).
std::string insertBlock(std::string_view body, BodyType type, std::string_view block);
inline std::string replaceBlock(std::string_view body, BodyType type, std::string_view block) {
    return insertBlock(body, type, block);
}
// Takes every block out; the body is returned unchanged when it has none.
std::string removeBlock(std::string_view body, BodyType type);

}  // namespace calconn::joindetails
