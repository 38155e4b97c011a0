#include "detect/Url.h"

#include "common/Text.h"

#include <re2/re2.h>

#include <array>
#include <cctype>

namespace calconn::detect {

namespace {

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool startsWith(std::string_view s, std::string_view prefix) {
    return s.size() >= prefix.size() && s.substr(0, prefix.size()) == prefix;
}

bool iStartsWith(std::string_view s, std::string_view prefix) {
    if (s.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i) {
        if (lower(s[i]) != lower(prefix[i])) return false;
    }
    return true;
}

int hexValue(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool hasParam(std::string_view query, std::string_view name) {
    bool found = false;
    auto value = queryParam(query, name, &found);
    return found && !value.empty();
}

// Path grammars, anchored on the whole path. RE2: linear time on untrusted text.
struct Grammar {
    RE2 zoom_join{R"(/(j|w)/(\d{9,12})/?)"};
    RE2 zoom_wc{R"(/wc/(?:join/(\d{9,12})|(\d{9,12})/join)/?)"};
    RE2 zoom_my{R"(/my/([A-Za-z0-9._-]{1,64})/?)"};
    RE2 teams_meet{R"(/meet/(\d{6,20})/?)"};
    RE2 teams_meetup{R"((?i)/l/meetup-join/([^/]+)(?:/.*)?)"};
    RE2 meet_code{R"((?i)/(?:_meet/)?([a-z]{3}-[a-z]{4}-[a-z]{3})/?)"};
    RE2 meet_lookup{R"(/lookup/([A-Za-z0-9_-]{1,64})/?)"};
    RE2 webex_jphp{R"((?i)/([A-Za-z0-9_-]+)/(j|e|k2/j)\.php)"};
    RE2 webex_meet{R"(/(?:meet|join)/([A-Za-z0-9._-]{1,64})/?)"};
    RE2 goto_meet{R"(/(\d{9}|[A-Za-z0-9_-]{3,64})/?)"};
    RE2 goto_join{R"(/(?:join|meeting)/(\d{9,12})/?)"};
    RE2 bluejeans{R"(/(\d{6,14})(?:/\d{1,10})?/?)"};
    RE2 chime{R"(/(\d{10})/?)"};
    RE2 room{R"(/([A-Za-z0-9._~%-]{1,128})/?)"};
    RE2 slack{R"(/huddle/(T[A-Z0-9]{4,20})/(C[A-Z0-9]{4,20})/?)"};
    RE2 ringcentral{R"(/(?:join|j)/(\d{6,14})/?)"};
    RE2 ringcentral_video{R"(/(\d{6,14})/?)"};
    RE2 sfb{R"(/([A-Za-z0-9._-]{1,64})/([A-Za-z0-9._-]{1,64})/([A-Za-z0-9]{4,16})/?)"};
    RE2 sfb_onprem{R"(/([A-Za-z0-9._-]{1,64})/([A-Za-z0-9]{4,16})/?)"};
};

const Grammar& grammar() {
    static const Grammar g;
    return g;
}

Classification notJoin(Service service, std::string why) {
    Classification c;
    c.service = service;
    c.why = std::move(why);
    return c;
}

Classification join(Service service, std::string why, std::string key) {
    Classification c;
    c.service = service;
    c.joinable = true;
    c.why = std::move(why);
    c.meeting_key = std::move(key);
    return c;
}

constexpr std::array<std::string_view, 5> kZoomDomains = {"zoom.us", "zoom.com", "zoomgov.com",
                                                           "zoom-x.de", "zoom.com.cn"};

Classification classifyZoom(const UrlParts& u) {
    const auto& g = grammar();
    static constexpr std::array<std::string_view, 8> kSites = {
        "support.", "applications.", "explore.", "marketplace.", "developers.",
        "community.", "blog.", "status."};
    for (auto site : kSites) {
        if (startsWith(u.host, site)) return notJoin(Service::Zoom, "Zoom help or marketing site");
    }
    std::string_view path = u.path;
    std::string id;
    std::string kind;
    if (RE2::FullMatch(path, g.zoom_join, &kind, &id)) {
        auto c = join(Service::Zoom, kind == "w" ? "Zoom webinar link" : "Zoom meeting link",
                      "zoom:" + id);
        c.has_credentials = hasParam(u.query, "pwd") || hasParam(u.query, "tk");
        return c;
    }
    std::string id2;
    if (RE2::FullMatch(path, g.zoom_wc, &id, &id2)) {
        if (id.empty()) id = id2;
        auto c = join(Service::Zoom, "Zoom web-client join link", "zoom:" + id);
        c.has_credentials = hasParam(u.query, "pwd");
        return c;
    }
    std::string vanity;
    if (RE2::FullMatch(path, g.zoom_my, &vanity)) {
        return join(Service::Zoom, "Zoom personal link (/my/)", "zoom-my:" + common::asciiLower(vanity));
    }
    if (startsWith(u.host, "events.") && startsWith(path, "/ejl/")) {
        return join(Service::Zoom, "Zoom Events join link", "");
    }
    if (startsWith(path, "/s/")) return notJoin(Service::Zoom, "Zoom /s/ link starts the meeting as host");
    if (startsWith(path, "/u/")) return notJoin(Service::Zoom, "Zoom /u/ page lists local numbers");
    if (startsWith(path, "/rec/")) return notJoin(Service::Zoom, "Zoom recording link");
    if (startsWith(path, "/download")) return notJoin(Service::Zoom, "Zoom download page");
    if (startsWith(path, "/skype/")) return notJoin(Service::Zoom, "Zoom Skype for Business gateway page");
    if (path.find("/register") != std::string_view::npos) {
        return notJoin(Service::Zoom, "Zoom registration page");
    }
    return notJoin(Service::Zoom, "not a Zoom join path");
}

Classification classifyTeams(const UrlParts& u, std::string_view whole) {
    const auto& g = grammar();
    std::string_view path = u.path;
    std::string thread;
    if (RE2::FullMatch(path, g.teams_meetup, &thread)) {
        auto c = join(Service::Teams, "Teams meeting link", "teams:" + percentDecode(common::asciiLower(thread)));
        c.has_credentials = true;  // the meetup-join URL itself admits to the meeting
        return c;
    }
    std::string id;
    if (RE2::FullMatch(path, g.teams_meet, &id)) {
        if (!hasParam(u.query, "p")) {
            return notJoin(Service::Teams, "Teams /meet/ link without passcode");
        }
        auto c = join(Service::Teams, "Teams short join link", "teams-meet:" + id);
        c.has_credentials = true;
        return c;
    }
    // Launcher forms carry the meetup-join path in the fragment or in url=.
    std::string_view rest = path.empty() ? std::string_view{}
                                         : whole.substr(static_cast<std::size_t>(path.data() - whole.data()) + path.size());
    if ((startsWith(path, "/v2") || startsWith(path, "/dl/launcher/") || startsWith(path, "/_")) &&
        (rest.find("/l/meetup-join/") != std::string_view::npos ||
         percentDecode(rest).find("/l/meetup-join/") != std::string::npos)) {
        auto c = join(Service::Teams, "Teams launcher link to a meeting", "");
        c.has_credentials = true;
        return c;
    }
    if (startsWith(path, "/light-meetings/launch")) {
        auto c = join(Service::Teams, "Teams light-meetings launch link", "");
        c.has_credentials = true;
        return c;
    }
    if (iStartsWith(path, "/meetingOptions")) return notJoin(Service::Teams, "Teams meeting options page");
    if (startsWith(path, "/l/channel/")) return notJoin(Service::Teams, "Teams channel link, not a meeting");
    if (startsWith(path, "/l/meeting/new")) return notJoin(Service::Teams, "Teams new-meeting page");
    return notJoin(Service::Teams, "not a Teams join path");
}

Classification classifyWebex(const UrlParts& u) {
    const auto& g = grammar();
    if (u.host == "help.webex.com" || u.host == "www.webex.com" || u.host == "webex.com" ||
        u.host == "m.webex.com" || startsWith(u.host, "status.") || startsWith(u.host, "community.")) {
        return notJoin(Service::Webex, "Webex help or marketing site");
    }
    std::string_view path = u.path;
    if (path.find("globalcallin.php") != std::string_view::npos) {
        return notJoin(Service::Webex, "Webex global call-in numbers page");
    }
    std::string site;
    std::string kind;
    if (RE2::FullMatch(path, g.webex_jphp, &site, &kind)) {
        bool found = false;
        auto mtid = queryParam(u.query, "MTID", &found);
        if (!found) mtid = queryParam(u.query, "mtid", &found);
        if (!found || mtid.empty()) return notJoin(Service::Webex, "Webex j.php link without MTID");
        auto c = join(Service::Webex, kind == "e" ? "Webex event link" : "Webex meeting link",
                      "webex:" + std::string(mtid));
        c.has_credentials = true;
        return c;
    }
    std::string user;
    if (RE2::FullMatch(path, g.webex_meet, &user)) {
        return join(Service::Webex, "Webex personal room link", "webex-room:" + common::asciiLower(user) + "@" + u.host);
    }
    if (startsWith(path, "/wbxmjs/joinservice/") || startsWith(path, "/collabs/meetings/join") ||
        startsWith(path, "/webappng/sites/") ) {
        if (startsWith(path, "/webappng/sites/") && path.find("/meeting/") == std::string_view::npos) {
            return notJoin(Service::Webex, "Webex site page, not a meeting");
        }
        return join(Service::Webex, "Webex join service link", "");
    }
    return notJoin(Service::Webex, "not a Webex join path");
}

Classification classifyMeet(const UrlParts& u) {
    const auto& g = grammar();
    std::string code;
    if (RE2::FullMatch(u.path, g.meet_code, &code)) {
        return join(Service::GoogleMeet, "Google Meet link", "meet:" + common::asciiLower(code));
    }
    if (RE2::FullMatch(u.path, g.meet_lookup, &code)) {
        return join(Service::GoogleMeet, "Google Meet nickname link", "meet-lookup:" + code);
    }
    if (startsWith(u.path, "/new")) return notJoin(Service::GoogleMeet, "Google Meet /new creates a meeting");
    if (startsWith(u.path, "/landing")) return notJoin(Service::GoogleMeet, "Google Meet landing page");
    if (startsWith(u.path, "/linkredirect")) return notJoin(Service::GoogleMeet, "Google Meet chat redirect");
    return notJoin(Service::GoogleMeet, "not a Google Meet join path");
}

Classification classifyHttp(const UrlParts& u, std::string_view whole) {
    const auto& g = grammar();
    const std::string& host = u.host;
    for (auto domain : kZoomDomains) {
        if (hostUnder(host, domain)) return classifyZoom(u);
    }
    if (host == "teams.microsoft.com" || host == "teams.live.com" || host == "gov.teams.microsoft.us" ||
        host == "dod.teams.microsoft.us" || host == "teams.microsoft.us") {
        return classifyTeams(u, whole);
    }
    if (hostUnder(host, "teams.microsoft.com") || hostUnder(host, "teams.microsoft.us")) {
        return notJoin(Service::Teams, "Teams dial-in or service page");
    }
    if (hostUnder(host, "webex.com") || hostUnder(host, "webex.com.cn")) return classifyWebex(u);
    if (host == "meet.google.com") return classifyMeet(u);
    if (host == "g.co" && startsWith(u.path, "/meet/") && u.path.size() > 6) {
        return join(Service::GoogleMeet, "Google Meet short link", "");
    }
    if (host == "stream.meet.google.com" && startsWith(u.path, "/stream/")) {
        return join(Service::GoogleMeet, "Google Meet live stream link", "");
    }
    if (host == "tel.meet") return notJoin(Service::GoogleMeet, "Google Meet phone numbers page");
    std::string id;
    if (host == "meet.goto.com") {
        if (RE2::FullMatch(u.path, g.goto_meet, &id)) return join(Service::GoToMeeting, "GoTo meeting link", "goto:" + id);
        return notJoin(Service::GoToMeeting, "not a GoTo join path");
    }
    if (hostUnder(host, "gotomeeting.com") || host == "app.goto.com") {
        if (RE2::FullMatch(u.path, g.goto_join, &id)) return join(Service::GoToMeeting, "GoTo meeting link", "goto:" + id);
        return notJoin(Service::GoToMeeting, "not a GoTo join path");
    }
    if (hostUnder(host, "bluejeans.com")) {
        if (!startsWith(host, "support.") && RE2::FullMatch(u.path, g.bluejeans, &id)) {
            return join(Service::BlueJeans, "BlueJeans meeting link", "bluejeans:" + id);
        }
        return notJoin(Service::BlueJeans, "not a BlueJeans join path");
    }
    if (host == "chime.aws" || host == "app.chime.aws") {
        if (RE2::FullMatch(u.path, g.chime, &id) || startsWith(u.path, "/meetings")) {
            return join(Service::Chime, "Amazon Chime meeting link", id.empty() ? "" : "chime:" + id);
        }
        return notJoin(Service::Chime, "not a Chime join path");
    }
    if (host == "meet.jit.si" || host == "8x8.vc") {
        if (u.path.size() > 1 && !startsWith(u.path, "/static/") && !startsWith(u.path, "/libs/")) {
            return join(Service::Jitsi, "Jitsi room link", "");
        }
        return notJoin(Service::Jitsi, "Jitsi home page, no room");
    }
    if (hostUnder(host, "whereby.com")) {
        static constexpr std::array<std::string_view, 8> kPages = {
            "/information", "/user", "/org", "/login", "/signup", "/pricing", "/blog", "/help"};
        for (auto page : kPages) {
            if (startsWith(u.path, page)) return notJoin(Service::Whereby, "Whereby site page");
        }
        if (RE2::FullMatch(u.path, g.room, &id) && !startsWith(host, "support.")) {
            return join(Service::Whereby, "Whereby room link", "");
        }
        return notJoin(Service::Whereby, "not a Whereby room");
    }
    if (host == "app.slack.com") {
        if (RE2::FullMatch(u.path, g.slack)) return join(Service::Slack, "Slack huddle link", "");
        return notJoin(Service::Slack, "Slack page, not a huddle");
    }
    if (host == "v.ringcentral.com" || host == "meetings.ringcentral.com" ||
        host == "video.ringcentral.com") {
        if (RE2::FullMatch(u.path, g.ringcentral, &id) ||
            (host == "video.ringcentral.com" && RE2::FullMatch(u.path, g.ringcentral_video, &id))) {
            return join(Service::RingCentral, "RingCentral meeting link", "ringcentral:" + id);
        }
        return notJoin(Service::RingCentral, "not a RingCentral join path");
    }
    if (host == "meet.lync.com" || hostUnder(host, "meet.lync.com")) {
        if (RE2::FullMatch(u.path, g.sfb)) return join(Service::SkypeForBusiness, "Skype for Business meeting link", "");
        return notJoin(Service::SkypeForBusiness, "not a Skype for Business meeting path");
    }
    if (startsWith(host, "meet.") && RE2::FullMatch(u.path, g.sfb_onprem)) {
        return join(Service::SkypeForBusiness, "Skype for Business (on-premises) meeting link", "");
    }
    // Look-alike: a service domain followed by more labels (zoom.us.evil.example).
    static constexpr std::array<std::string_view, 9> kLookAlike = {
        "zoom.us.", "zoom.com.", "teams.microsoft.com.", "webex.com.", "meet.google.com.",
        "zoomgov.com.", "teams.live.com.", "gotomeeting.com.", "bluejeans.com."};
    for (auto needle : kLookAlike) {
        auto at = host.find(needle);
        if (at != std::string::npos && (at == 0 || host[at - 1] == '.' || host[at - 1] == '-')) {
            return notJoin(Service::None, "look-alike host " + host + " is not on " +
                                              std::string(needle.substr(0, needle.size() - 1)));
        }
    }
    for (auto domain : kZoomDomains) {
        if (host.size() > domain.size() && host.compare(host.size() - domain.size(), domain.size(), domain) == 0) {
            return notJoin(Service::None, "look-alike host " + host + " is not on " + std::string(domain));
        }
    }
    return notJoin(Service::None, "no known meeting service at " + host);
}

Classification classifySip(std::string_view uri, std::size_t scheme_len) {
    std::string_view rest = uri.substr(scheme_len);
    std::size_t end = rest.find_first_of(";?>");
    std::string_view addr = rest.substr(0, end);
    auto at = addr.find('@');
    if (at == std::string_view::npos || at == 0 || at + 1 >= addr.size()) {
        return notJoin(Service::None, "SIP URI without user@host");
    }
    std::string user(addr.substr(0, at));
    std::string host = common::asciiLower(addr.substr(at + 1));
    if (auto colon = host.find(':'); colon != std::string::npos) host.resize(colon);
    Classification c;
    c.modality = Modality::Sip;
    c.joinable = true;
    c.normalised = "sip:" + user + "@" + host;
    if (rest.find("app:conf:focus") != std::string_view::npos) {
        c.service = Service::SkypeForBusiness;
        c.why = "Skype for Business conference URI";
    } else if (host == "m.webex.com" || host == "t.plcm.vc") {
        c.service = Service::Teams;
        c.why = "Teams video interop (CVI) address";
    } else if (hostUnder(host, "webex.com")) {
        c.service = Service::Webex;
        c.why = "Webex video address";
        c.meeting_key = "webex-sip:" + common::asciiLower(user) + "@" + host;
    } else if (hostUnder(host, "zoomcrc.com") || hostUnder(host, "zoomgovcrc.com")) {
        c.service = Service::Zoom;
        c.why = "Zoom SIP address";
        std::string digits;
        for (char ch : user) {
            if (ch == '.') break;
            digits += ch;
        }
        c.meeting_key = "zoom:" + digits;
    } else if (host == "bjn.vc" || hostUnder(host, "bjn.vc")) {
        c.service = Service::BlueJeans;
        c.why = "BlueJeans video address";
    } else {
        c.service = Service::Sip;
        c.why = "SIP address";
    }
    return c;
}

}  // namespace

bool hostUnder(std::string_view host, std::string_view domain) {
    if (host == domain) return true;
    return host.size() > domain.size() && host[host.size() - domain.size() - 1] == '.' &&
           host.substr(host.size() - domain.size()) == domain;
}

bool splitUrl(std::string_view url, UrlParts& out) {
    out = UrlParts{};
    std::size_t i = 0;
    while (i < url.size() && (std::isalnum(static_cast<unsigned char>(url[i])) || url[i] == '+' ||
                              url[i] == '-' || url[i] == '.')) {
        ++i;
    }
    if (i == 0 || i >= url.size() || url[i] != ':' || !std::isalpha(static_cast<unsigned char>(url[0]))) {
        return false;
    }
    out.scheme = common::asciiLower(url.substr(0, i));
    std::string_view rest = url.substr(i + 1);
    if (startsWith(rest, "//")) {
        out.has_authority = true;
        rest.remove_prefix(2);
        std::size_t end = rest.find_first_of("/?#");
        std::string_view authority = rest.substr(0, end);
        rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end);
        if (auto at = authority.rfind('@'); at != std::string_view::npos) authority.remove_prefix(at + 1);
        if (auto colon = authority.find(':'); colon != std::string_view::npos) authority = authority.substr(0, colon);
        out.host = common::asciiLower(authority);
        while (!out.host.empty() && out.host.back() == '.') out.host.pop_back();
    }
    std::size_t hash = rest.find('#');
    if (hash != std::string_view::npos) {
        out.fragment = rest.substr(hash + 1);
        rest = rest.substr(0, hash);
    }
    std::size_t q = rest.find('?');
    if (q != std::string_view::npos) {
        out.query = rest.substr(q + 1);
        rest = rest.substr(0, q);
    }
    out.path = rest;
    return true;
}

std::string percentDecode(std::string_view in) {
    std::string out;
    out.reserve(in.size());
    for (std::size_t i = 0; i < in.size(); ++i) {
        if (in[i] == '%' && i + 2 < in.size()) {
            int hi = hexValue(in[i + 1]);
            int lo = hexValue(in[i + 2]);
            if (hi >= 0 && lo >= 0) {
                out += static_cast<char>(hi * 16 + lo);
                i += 2;
                continue;
            }
        }
        out += in[i];
    }
    return out;
}

std::string_view queryParam(std::string_view query, std::string_view name, bool* found) {
    if (found) *found = false;
    std::size_t pos = 0;
    while (pos <= query.size()) {
        std::size_t amp = query.find('&', pos);
        std::string_view pair = query.substr(pos, amp == std::string_view::npos ? std::string_view::npos : amp - pos);
        if (pair.size() > name.size() && pair[name.size()] == '=' && pair.substr(0, name.size()) == name) {
            if (found) *found = true;
            return pair.substr(name.size() + 1);
        }
        if (pair == name) {
            if (found) *found = true;
            return {};
        }
        if (amp == std::string_view::npos) break;
        pos = amp + 1;
    }
    return {};
}

Classification classifyUri(std::string_view uri) {
    UrlParts u;
    if (!splitUrl(uri, u)) return notJoin(Service::None, "not a URI");
    Classification c;
    if (u.scheme == "http" || u.scheme == "https") {
        if (u.host.empty()) return notJoin(Service::None, "URL without host");
        c = classifyHttp(u, uri);
    } else if (u.scheme == "sip" || u.scheme == "sips") {
        return classifySip(uri, u.scheme.size() + 1);
    } else if (u.scheme == "h323") {
        c.service = Service::Sip;
        c.modality = Modality::H323;
        c.joinable = uri.size() > 5;
        c.why = "H.323 address";
        c.normalised = "h323:" + std::string(uri.substr(5));
        return c;
    } else if (u.scheme == "zoommtg" || u.scheme == "zoomus") {
        bool found = false;
        auto confno = queryParam(u.query, "confno", &found);
        if (!found || confno.empty()) return notJoin(Service::Zoom, "Zoom app link without meeting number");
        c = join(Service::Zoom, "Zoom app link", "zoom:" + std::string(confno));
        c.has_credentials = hasParam(u.query, "pwd");
    } else if (u.scheme == "msteams") {
        if (uri.find("/l/meetup-join/") == std::string_view::npos) {
            return notJoin(Service::Teams, "Teams app link, not a meeting");
        }
        c = join(Service::Teams, "Teams app link", "");
        c.has_credentials = true;
    } else if (u.scheme == "tel") {
        c.service = Service::Phone;
        c.modality = Modality::Phone;
        c.why = "phone number";
        return c;  // the detector decides about access codes and normalises
    } else if (u.scheme == "mailto") {
        return notJoin(Service::None, "e-mail address, not a join target");
    } else {
        return notJoin(Service::None, "unsupported scheme " + u.scheme);
    }
    if (c.normalised.empty()) c.normalised = std::string(uri);
    return c;
}

}  // namespace calconn::detect
