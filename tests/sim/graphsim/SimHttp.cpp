// Query-string helpers shared by the simulator handlers.
#include "SimHttp.h"

namespace calconn::graphsim {

namespace {
int hexValue(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}
}  // namespace

std::string urlDecode(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '+') {
            out.push_back(' ');
        } else if (c == '%' && i + 2 < text.size() &&
                   hexValue(text[i + 1]) >= 0 && hexValue(text[i + 2]) >= 0) {
            out.push_back(static_cast<char>(hexValue(text[i + 1]) * 16 + hexValue(text[i + 2])));
            i += 2;
        } else {
            out.push_back(c);
        }
    }
    return out;
}

std::string urlEncode(std::string_view text) {
    static const char* kHex = "0123456789ABCDEF";
    std::string out;
    out.reserve(text.size() * 3 / 2);
    for (unsigned char c : text) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            out.push_back(static_cast<char>(c));
        } else {
            out.push_back('%');
            out.push_back(kHex[c >> 4]);
            out.push_back(kHex[c & 15]);
        }
    }
    return out;
}

std::map<std::string, std::string> parseQuery(std::string_view raw_query) {
    std::map<std::string, std::string> out;
    size_t pos = 0;
    while (pos <= raw_query.size()) {
        size_t amp = raw_query.find('&', pos);
        if (amp == std::string_view::npos) amp = raw_query.size();
        std::string_view part = raw_query.substr(pos, amp - pos);
        if (!part.empty()) {
            size_t eq = part.find('=');
            if (eq == std::string_view::npos) {
                out[urlDecode(part)] = "";
            } else {
                out[urlDecode(part.substr(0, eq))] = urlDecode(part.substr(eq + 1));
            }
        }
        pos = amp + 1;
    }
    return out;
}

}  // namespace calconn::graphsim
