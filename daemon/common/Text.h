// Small text helpers shared by every module.
#pragma once

#include <string>
#include <string_view>

namespace calconn::common {

// A-Z to a-z, every other byte as it is (addresses, header names, ids: never locale-dependent).
inline std::string asciiLower(std::string_view text) {
    std::string out(text);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

}  // namespace calconn::common
