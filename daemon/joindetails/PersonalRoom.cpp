#include "joindetails/PersonalRoom.h"

#include <algorithm>
#include <cctype>

namespace calconn::joindetails {

bool isValidSiteName(std::string_view site) {
    if (site.empty() || site.size() > 63 || site.front() == '-' || site.back() == '-') return false;
    return std::all_of(site.begin(), site.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-';
    });
}

common::Result<std::string> personalRoomId(std::string_view organizer_email) {
    auto at = organizer_email.rfind('@');
    std::string_view local = organizer_email.substr(0, at);
    // Plus addressing ("alice+cal@") is a mail feature, not part of the Webex user name.
    if (auto plus = local.find('+'); plus != std::string_view::npos) local = local.substr(0, plus);
    std::string id;
    for (char c : local) {
        auto u = static_cast<unsigned char>(c);
        // Webex room ids keep letters, digits, '.', '_' and '-'; anything else (quotes, spaces,
        // non-ASCII) cannot be typed into a SIP URI safely and is dropped.
        if (std::isalnum(u) != 0 || c == '.' || c == '_' || c == '-') {
            id += static_cast<char>(std::tolower(u));
        }
    }
    while (!id.empty() && id.front() == '.') id.erase(id.begin());
    while (!id.empty() && id.back() == '.') id.pop_back();
    if (id.empty()) {
        return common::makeError(common::ErrorCode::InvalidArgument,
                                 "organizer address has no usable personal room id",
                                 std::string(organizer_email));
    }
    if (std::all_of(id.begin(), id.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        id = "pr" + id;
    }
    return id;
}

common::Result<JoinDetails> personalRoomDetails(std::string_view site,
                                                std::string_view organizer_email,
                                                std::string_view organizer_name) {
    if (!isValidSiteName(site)) {
        return common::makeError(common::ErrorCode::Config, "invalid webex site name",
                                 std::string(site));
    }
    auto id = personalRoomId(organizer_email);
    if (!id) return id.error();
    std::string site_lower(site);
    std::transform(site_lower.begin(), site_lower.end(), site_lower.begin(),
                   [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); });
    JoinDetails details;
    details.action = JoinAction::PersonalRoom;
    details.site = site_lower;
    details.join_url = "https://" + site_lower + ".webex.com/meet/" + *id;
    details.sip_address = *id + "@" + site_lower + ".webex.com";
    details.host_name = std::string(organizer_name);
    return details;
}

}  // namespace calconn::joindetails
