#include "detect/Detector.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <limits>
#include <unordered_set>

#include "common/Text.h"
#include "detect/BodyReader.h"
#include "detect/Unwrap.h"
#include "detect/Url.h"

namespace calconn::detect {

namespace {

constexpr std::size_t kMaxUrlLength = 8192;
// Candidate extractions per event. Real invitations hold a few dozen links; the cap keeps the
// per-candidate work (unwrapping, grammar, labels) bounded on hostile bodies.
constexpr int kMaxExtractions = 2048;

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
bool isAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isAlnum(char c) { return isAlpha(c) || isDigit(c); }
bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

std::size_t iFind(std::string_view hay, std::string_view needle, std::size_t from = 0) {
    if (needle.empty() || needle.size() > hay.size()) return std::string_view::npos;
    for (std::size_t i = from; i + needle.size() <= hay.size(); ++i) {
        if (lower(hay[i]) != lower(needle[0])) continue;
        std::size_t k = 1;
        while (k < needle.size() && lower(hay[i + k]) == lower(needle[k])) ++k;
        if (k == needle.size()) return i;
    }
    return std::string_view::npos;
}

bool iContains(std::string_view hay, std::string_view needle) {
    return iFind(hay, needle) != std::string_view::npos;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (isSpace(s.front()) || s.front() == ':' || s.front() == '-')) s.remove_prefix(1);
    while (!s.empty() && (isSpace(s.back()) || s.back() == ':' || s.back() == '-')) s.remove_suffix(1);
    return s;
}

bool isUrlByte(unsigned char c) {
    return c > 0x20 && c < 0x7F && c != '<' && c != '>' && c != '"' && c != '`' && c != '{' &&
           c != '}' && c != '|' && c != '\\' && c != '^';
}

// Invisible UTF-8 sequences that may sit inside a URL in a text body.
std::size_t invisibleAt(std::string_view s, std::size_t i) {
    auto b = [&](std::size_t k) { return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0; };
    if (b(0) == 0xC2 && b(1) == 0xAD) return 2;
    if (b(0) == 0xE2 && b(1) == 0x80 && b(2) >= 0x8B && b(2) <= 0x8D) return 3;
    if (b(0) == 0xE2 && b(1) == 0x81 && b(2) == 0xA0) return 3;
    if (b(0) == 0xEF && b(1) == 0xBB && b(2) == 0xBF) return 3;
    return 0;
}

// Service hinted by a location placeholder. Outlook writes "Microsoft Teams Meeting" in the
// user's language ("Microsoft Teams-Besprechung", "Réunion Microsoft Teams"), so Teams matches
// on the product name; the others only as the whole segment, so that a room called
// "Zoom Room 5" names no service.
Service placeholderService(std::string_view segment) {
    if (iContains(segment, "microsoft teams")) return Service::Teams;
    std::string s = common::asciiLower(trim(segment));
    if (s == "zoom" || s == "zoom meeting" || s == "zoom webinar" || s == "zoomgov meeting") return Service::Zoom;
    if (s == "google meet" || s == "hangouts meet" || s == "google hangouts meet") return Service::GoogleMeet;
    if (s == "webex" || s == "webex meeting" || s == "cisco webex meeting" || s == "webex meetings") return Service::Webex;
    if (s == "skype meeting" || s == "skype for business meeting") return Service::SkypeForBusiness;
    if (s == "gotomeeting" || s == "goto meeting") return Service::GoToMeeting;
    return Service::None;
}

std::string_view serviceTitle(Service s) {
    switch (s) {
        case Service::Teams: return "Microsoft Teams";
        case Service::Zoom: return "Zoom";
        case Service::GoogleMeet: return "Google Meet";
        case Service::Webex: return "Webex";
        case Service::GoToMeeting: return "GoTo";
        case Service::BlueJeans: return "BlueJeans";
        case Service::Chime: return "Amazon Chime";
        case Service::Jitsi: return "Jitsi";
        case Service::Whereby: return "Whereby";
        case Service::Slack: return "Slack";
        case Service::RingCentral: return "RingCentral";
        case Service::SkypeForBusiness: return "Skype for Business";
        case Service::Sip: return "SIP";
        case Service::Phone: return "phone";
        case Service::None: break;
    }
    return "no service";
}

std::string_view modalityName(Modality m) {
    switch (m) {
        case Modality::Web: return "web link";
        case Modality::Sip: return "SIP address";
        case Modality::H323: return "H.323 address";
        case Modality::Phone: return "phone dial-in";
    }
    return "";
}

bool isJoinLabel(std::string_view label) {
    static constexpr std::array<std::string_view, 16> kLabels = {
        "join the meeting", "click here to join", "join microsoft teams meeting", "join zoom meeting",
        "join meeting", "join with google meet", "join the video meeting", "join:", "join webex",
        "join from the meeting link", "join now", "join by sip", "join from a video system",
        "join by video system", "video conferencing device", "join online meeting"};
    std::string low = common::asciiLower(label);
    if (low.find("join") == std::string::npos && low.find("video") == std::string::npos) return false;
    for (auto l : kLabels) {
        if (low.find(l) != std::string::npos) return true;
    }
    return label.size() <= 6;
}

bool isSystemReferenceLabel(std::string_view label) {
    std::string low = common::asciiLower(label);
    return low.find("system reference") != std::string::npos || low.find("référence système") != std::string::npos ||
           low.find("systemreferenz") != std::string::npos;
}

// Start of the line holding `pos`, looking back at most `limit` bytes (npos when not found),
// so that per-candidate look-backs stay bounded on bodies without line breaks.
std::size_t lineStart(std::string_view text, std::size_t pos, std::size_t limit) {
    std::size_t floor = pos > limit ? pos - limit : 0;
    std::size_t i = pos;
    while (i > floor) {
        if (text[i - 1] == '\n') return i;
        --i;
    }
    return i == 0 ? 0 : std::string_view::npos;
}

// find() without a memcmp() call at every first-byte hit (',' and '-' are common in text).
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

struct Work {
    Candidate c;
    std::string key;    // meeting key for same-meeting variants
    std::string label;  // the text that labels the link
    std::string why;    // from the grammar
    std::string mimecast_domain;
};

class Run {
public:
    Run(const DetectorOptions& options, const DetectorInput& input) : options_(options), input_(input) {}

    Detection go();

private:
    void scanLocation(std::string_view text, Source source);
    void scanBody(const BodyView& view);
    void scanText(std::string_view text, Source source, const BodyView* view);
    std::size_t takeUrl(std::string_view text, std::size_t start, bool text_body, std::string& url) const;
    void addUri(std::string_view raw, Source source, std::size_t position, std::string label, bool quoted,
                int anchor = -1, bool anchor_text = false);
    void addBareAddress(std::string_view text, std::size_t at, Source source, const BodyView* view);
    void addPhoneByLabel(std::string_view text, std::size_t label_end, Source source, const BodyView* view);
    void addH323(const BodyView& view);
    std::string lineLabel(std::string_view text, std::size_t pos) const;
    std::size_t positionOf(const BodyView* view, std::size_t text_pos) const;
    bool quotedAt(const BodyView* view, std::string_view text, std::size_t text_pos) const;
    void rank(Detection& d);
    void decideDial(Detection& d);
    std::array<long long, 7> rankKey(const Work& w) const;

    const DetectorOptions& options_;
    const DetectorInput& input_;
    std::vector<Work> work_;
    std::vector<std::string> anchor_uris_;  // unwrapped href per anchor of the body being scanned
    std::vector<bool> anchor_unresolved_;
    const BodyView* anchors_view_ = nullptr;
    Service hint_ = Service::None;
    std::string hint_text_;
    std::vector<BodyView> views_;  // the body slices as read, kept for dial details
    int budget_ = kMaxExtractions;
    std::unordered_set<std::string> seen_;  // dedupe keys: body/non-body, quoted, uri
    bool take() { return budget_-- > 0; }
    bool seen(const Candidate& c) {
        std::string key;
        key += c.source >= Source::BodyHref ? 'b' : 'l';
        key += c.quoted ? 'q' : '-';
        key += c.uri;
        return !seen_.insert(std::move(key)).second;
    }
};

std::size_t Run::positionOf(const BodyView* view, std::size_t text_pos) const {
    return view ? view->rawPos(text_pos) : text_pos;
}

bool Run::quotedAt(const BodyView* view, std::string_view text, std::size_t text_pos) const {
    if (!view) return false;
    if (view->isQuoted(text_pos)) return true;
    // Plain-text quoting: the line starts with '>'.
    if (!view->has_quote_lines) return false;
    std::size_t line = view->lineStart(text_pos);
    if (line < text_pos && text[line] == '>') {
        // "Label<URL>" also starts with text, so only a '>' at column 0 counts.
        return true;
    }
    return false;
}

std::string Run::lineLabel(std::string_view text, std::size_t pos) const {
    std::size_t begin = pos;
    std::size_t limit = pos > 160 ? pos - 160 : 0;
    while (begin > limit && text[begin - 1] != '\n') --begin;
    std::string_view same = trim(text.substr(begin, pos - begin));
    if (same.size() > 1 && same.back() == '<') same.remove_suffix(1);
    same = trim(same);
    if (!same.empty()) return std::string(same.substr(same.size() > 100 ? same.size() - 100 : 0));
    // The label sits on the previous non-empty line ("Join Zoom Meeting\nhttps://...").
    std::size_t end = begin;
    for (int lines = 0; lines < 2 && end > 0; ++lines) {
        std::size_t e = end - 1;  // the '\n'
        std::size_t b = e;
        std::size_t lim = e > 160 ? e - 160 : 0;
        while (b > lim && text[b - 1] != '\n') --b;
        std::string_view prev = trim(text.substr(b, e - b));
        if (!prev.empty()) return std::string(prev.substr(prev.size() > 100 ? prev.size() - 100 : 0));
        end = b;
    }
    return {};
}

void Run::addUri(std::string_view raw, Source source, std::size_t position, std::string label, bool quoted,
                 int anchor, bool anchor_text) {
    if (!take()) return;
    Unwrapped u = unwrapUrl(raw, options_.max_unwrap_depth);
    Work w;
    w.c.source = source;
    w.c.position = position;
    w.c.quoted = quoted;
    w.c.gateways = u.gateways;
    w.label = std::move(label);
    if (u.unresolved) {
        w.c.unresolved = true;
        w.c.uri = u.url;
        w.mimecast_domain = u.mimecast_domain;
        Classification host_only = classifyUri("https://" + (u.mimecast_domain.empty() ? std::string("invalid") : u.mimecast_domain) + "/");
        w.c.service = host_only.service;
        w.c.joinable = host_only.service != Service::None && host_only.service != Service::Phone;
        w.why = w.c.joinable ? "Mimecast-wrapped link to " + u.mimecast_domain + " (not decodable offline)"
                             : "Mimecast-wrapped link with no known meeting domain";
    } else {
        Classification k = classifyUri(u.url);
        w.c.service = k.service;
        w.c.modality = k.modality;
        w.c.joinable = k.joinable;
        w.c.has_credentials = k.has_credentials;
        w.c.uri = k.normalised.empty() ? u.url : k.normalised;
        w.key = k.meeting_key;
        w.why = k.why;
        if (k.service == Service::Phone) {
            // tel:+13125550188,,472915306#  ->  tel:<E.164>,,<code>#
            std::string_view rest = std::string_view(u.url).substr(4);
            std::string number;
            std::string code;
            std::size_t i = 0;
            for (; i < rest.size() && rest[i] != ','; ++i) {
                if (isDigit(rest[i]) || (rest[i] == '+' && number.empty())) number += rest[i];
                if (rest[i] == ';' || rest[i] == '?') break;
            }
            std::string decoded = percentDecode(rest.substr(i));
            for (char ch : decoded) {
                if (isDigit(ch)) code += ch;
                else if (ch == '#' || (ch == '*' && !code.empty())) break;
                else if (ch != ',' && ch != ' ') break;
            }
            if (code.empty()) {
                // Google: tel:+1-929-555-0107;532811470%23
                auto semi = decoded.find(';');
                std::string_view tail = semi == std::string::npos ? std::string_view{} : std::string_view(decoded).substr(semi + 1);
                for (char ch : tail) {
                    if (isDigit(ch)) code += ch;
                    else break;
                }
            }
            std::size_t digits = static_cast<std::size_t>(std::count_if(number.begin(), number.end(), isDigit));
            if (digits < 7) {
                w.c.joinable = false;
                w.why = "too short for a phone number";
                w.c.uri = "tel:" + number;
            } else if (code.empty()) {
                w.c.joinable = false;
                w.why = "phone number without an access code";
                w.c.uri = "tel:" + number;
            } else {
                w.c.joinable = true;
                w.why = "phone dial-in with access code";
                w.c.uri = "tel:" + number + ",," + code + "#";
                w.key = "phone:" + code;
            }
        }
    }
    w.c.labelled = isJoinLabel(w.label);
    w.c.system_reference = isSystemReferenceLabel(w.label);
    if (w.c.system_reference) w.c.labelled = false;
    if (anchor_text && anchor >= 0) {
        const std::string& href_uri = anchor_uris_[static_cast<std::size_t>(anchor)];
        if (w.c.uri == href_uri) return;  // the anchor shows its own target
        if (!anchor_unresolved_[static_cast<std::size_t>(anchor)]) w.c.stale_text = true;
        else w.c.labelled = true;  // the visible URL of a Mimecast-wrapped join link
    }
    if (seen(w.c)) return;
    if (anchor >= 0 && !anchor_text) {
        anchor_uris_[static_cast<std::size_t>(anchor)] = w.c.uri;
        anchor_unresolved_[static_cast<std::size_t>(anchor)] = w.c.unresolved;
    }
    work_.push_back(std::move(w));
}

std::size_t Run::takeUrl(std::string_view text, std::size_t start, bool text_body, std::string& url) const {
    const std::size_t n = text.size();
    bool angle = start > 0 && text[start - 1] == '<';
    std::size_t i = start;
    url.clear();
    auto scanToken = [&](std::size_t from) {
        std::size_t k = from;
        while (k < n && url.size() < kMaxUrlLength) {
            auto c = static_cast<unsigned char>(text[k]);
            if (isUrlByte(c)) {
                url += static_cast<char>(c);
                ++k;
                continue;
            }
            if (c >= 0x80) {
                std::size_t inv = invisibleAt(text, k);
                if (inv > 0) {
                    k += inv;
                    continue;
                }
            }
            break;
        }
        return k;
    };
    i = scanToken(i);
    if (angle) {
        // RFC 3986 Appendix C: inside <...> whitespace (line wraps) may be removed.
        std::size_t k = i;
        std::size_t limit = std::min(n, start + kMaxUrlLength);
        while (k < limit && isSpace(text[k])) {
            while (k < limit && isSpace(text[k])) ++k;
            if (k < n && isUrlByte(static_cast<unsigned char>(text[k]))) k = scanToken(k);
        }
        if (k < n && text[k] == '>') i = k;
        else url.resize(std::min(url.size(), i - start));  // no closing '>': keep the first line only
    } else if (text_body) {
        // Hard-wrapped URL: continue on the next line when this one ends mid-token.
        for (int lines = 0; lines < 20 && i < n && url.size() < kMaxUrlLength; ++lines) {
            std::size_t k = i;
            if (k < n && text[k] == '\r') ++k;
            if (k >= n || text[k] != '\n' || k + 1 >= n) break;
            std::size_t line_begin = lineStart(text, start, 256);
            if (line_begin == std::string_view::npos) line_begin = start > 256 ? start - 256 : 0;
            char last = url.empty() ? ' ' : url.back();
            bool long_line = i - line_begin >= 64;
            bool open = std::strchr("=&?/%-_.+#", last) != nullptr;
            std::size_t next = k + 1;
            // iCalendar folding (RFC 5545 §3.1): a 75-octet line continues after CRLF + one blank.
            bool folded = (text[next] == ' ' || text[next] == '\t') && i - line_begin >= 70 && next + 1 < n &&
                          isUrlByte(static_cast<unsigned char>(text[next + 1]));
            if (folded) ++next;
            std::size_t e = next;
            bool continuation = folded;
            while (e < n && isUrlByte(static_cast<unsigned char>(text[e]))) {
                if (std::strchr("%=&/?_-.#0123456789", text[e]) != nullptr) continuation = true;
                ++e;
            }
            if (e == next || !(long_line || open) || !continuation) break;
            if (text.substr(next, 4) == "http" || text.substr(next, 4) == "tel:" || text.substr(next, 4) == "sip:") break;
            if (text.substr(next, e - next).find(':') != std::string_view::npos && !open) break;
            std::string saved = url;
            std::size_t after = scanToken(next);
            if (after == next) {
                url = saved;
                break;
            }
            start = next;  // for the next line-length check
            i = after;
        }
    }
    // Trailing punctuation is sentence text, not URL (keep a ')' that closes a '(').
    while (!url.empty()) {
        char c = url.back();
        if (c == ')' && std::count(url.begin(), url.end(), '(') >= std::count(url.begin(), url.end(), ')')) break;
        if (std::strchr(".,;:!?)]'*", c) == nullptr) break;
        if (c == '#' ) break;
        url.pop_back();
    }
    return i;
}

void Run::scanText(std::string_view text, Source source, const BodyView* view) {
    const bool body = view != nullptr;
    const bool text_body = body && input_.body_type == BodyType::Text;
    std::string url;
    std::size_t pos = 0;
    std::size_t consumed = 0;
    const std::size_t n = text.size();
    // 1) scheme triggers at ':'
    while (pos < n && budget_ > 0) {
        const void* hit = std::memchr(text.data() + pos, ':', n - pos);
        if (!hit) break;
        std::size_t colon = static_cast<std::size_t>(static_cast<const char*>(hit) - text.data());
        pos = colon + 1;
        std::size_t s = colon;
        while (s > 0 && colon - s < 8 && isAlnum(text[s - 1])) --s;
        if (s == colon || s < consumed) {
            // Labels such as "PIN:" or "Conference ID:" introduce dial-in codes.
            if (body && s < colon) addPhoneByLabel(text, colon + 1, source, view);
            continue;
        }
        if (s > 0 && (isAlnum(text[s - 1]) || text[s - 1] == '.' || text[s - 1] == '-' || text[s - 1] == '+')) continue;
        // Most colons end a label ("Meeting ID:"): reject them without allocating.
        char buf[8];
        std::size_t len = colon - s;
        bool known = len >= 3 && len <= 7;
        for (std::size_t k = 0; known && k < len; ++k) buf[k] = lower(text[s + k]);
        std::string_view scheme = known ? std::string_view(buf, len) : std::string_view();
        bool web = scheme == "http" || scheme == "https";
        known = web || scheme == "sip" || scheme == "sips" || scheme == "h323" || scheme == "tel" ||
                scheme == "zoommtg" || scheme == "msteams" || scheme == "mailto";
        if (web && text.substr(colon + 1, 2) != "//") continue;
        if (!known) {
            if (body) addPhoneByLabel(text, colon + 1, source, view);
            continue;
        }
        std::size_t end = takeUrl(text, s, text_body, url);
        consumed = end;
        pos = std::max(pos, end);
        if (url.size() <= scheme.size() + 1) continue;
        if (scheme == "mailto") {
            std::string addr = percentDecode(url.substr(7));
            auto at = addr.find('@');
            if (at != std::string::npos) {
                std::string tmp = addr;
                addBareAddress(tmp, at, source, nullptr);
                if (!work_.empty() && work_.back().c.position == 0 && work_.back().c.source == source &&
                    work_.back().label == "\x01") {
                    work_.back().c.position = positionOf(view, s);
                    work_.back().label = lineLabel(text, s);
                    work_.back().c.labelled = isJoinLabel(work_.back().label) || work_.back().c.modality == Modality::Sip;
                    work_.back().c.quoted = quotedAt(view, text, s);
                }
            }
            continue;
        }
        int anchor = -1;
        if (anchors_view_ && body) {
            const auto& links = anchors_view_->links;
            auto it = std::upper_bound(links.begin(), links.end(), s,
                                       [](std::size_t v, const BodyLink& l) { return v < l.text_begin; });
            if (it != links.begin()) {
                --it;
                if (s >= it->text_begin && s < it->text_end) anchor = static_cast<int>(it - links.begin());
            }
        }
        std::string label;
        if (anchor >= 0) {
            const auto& l = anchors_view_->links[static_cast<std::size_t>(anchor)];
            label = lineLabel(text, l.text_begin);
        } else if (body) {
            label = lineLabel(text, s);
        }
        addUri(url, source, positionOf(view, s), std::move(label), quotedAt(view, text, s), anchor, anchor >= 0);
    }
    if (!body) return;
    // 2) bare SIP / video addresses at '@'
    pos = 0;
    int at_signs = 0;  // ordinary addresses cost no candidate budget; bound them separately
    while (pos < n && budget_ > 0 && ++at_signs <= 16384) {
        const void* hit = std::memchr(text.data() + pos, '@', n - pos);
        if (!hit) break;
        std::size_t at = static_cast<std::size_t>(static_cast<const char*>(hit) - text.data());
        pos = at + 1;
        addBareAddress(text, at, source, view);
    }
    // 3) one-tap mobile dial strings: +16469313860,,84412365098#
    pos = 0;
    while (pos + 1 < n && budget_ > 0) {
        std::size_t cc = fastFind(text, ",,", pos);
        if (cc == std::string_view::npos) break;
        pos = cc + 2;
        std::size_t b = cc;
        while (b > 0 && cc - b < 24 && (isDigit(text[b - 1]) || text[b - 1] == '+' || text[b - 1] == '-' || text[b - 1] == ' ')) --b;
        while (b < cc && text[b] == ' ') ++b;
        if (b == cc || (b > 0 && (text[b - 1] == ':' || isAlpha(text[b - 1])))) continue;
        std::string number;
        for (std::size_t k = b; k < cc; ++k) {
            if (isDigit(text[k]) || (text[k] == '+' && number.empty())) number += text[k];
        }
        std::size_t e = cc + 2;
        std::string code;
        while (e < n && isDigit(text[e]) && code.size() < 20) code += text[e++];
        if (number.size() < 8 || code.empty()) continue;
        std::string tel = "tel:" + number + ",," + code + "#";
        addUri(tel, source, positionOf(view, b), lineLabel(text, b), quotedAt(view, text, b));
    }
}

void Run::addBareAddress(std::string_view text, std::size_t at, Source source, const BodyView* view) {
    std::size_t b = at;
    while (b > 0 && at - b < 64 && (isAlnum(text[b - 1]) || text[b - 1] == '.' || text[b - 1] == '_' ||
                                    text[b - 1] == '-' || text[b - 1] == '+')) {
        --b;
    }
    if (b == at) return;
    if (b > 0 && text[b - 1] == ':' && view) return;  // sip:/mailto: handled with its scheme
    std::size_t e = at + 1;
    while (e < text.size() && e - at < 128 && (isAlnum(text[e]) || text[e] == '.' || text[e] == '-')) ++e;
    while (e > at + 1 && text[e - 1] == '.') --e;
    if (e == at + 1) return;
    std::string user(text.substr(b, at - b));
    std::string host = common::asciiLower(text.substr(at + 1, e - at - 1));
    bool digits_user = !user.empty() && std::all_of(user.begin(), user.end(), [](char c) { return isDigit(c) || c == '.'; });
    bool service_host = hostUnder(host, "zoomcrc.com") || hostUnder(host, "zoomgovcrc.com") ||
                        hostUnder(host, "webex.com") || host == "t.plcm.vc" || hostUnder(host, "bjn.vc");
    bool email_domain = hostUnder(host, "zoom.us") || hostUnder(host, "zoom.com") ||
                        hostUnder(host, "microsoft.com") || hostUnder(host, "google.com") ||
                        hostUnder(host, "webex.com") || hostUnder(host, "cisco.com") ||
                        hostUnder(host, "zoomgov.com") || hostUnder(host, "gotomeeting.com");
    if (host == "lync.webex.com") return;  // Skype for Business gateway of a Webex meeting
    if (!service_host && !email_domain) {
        // Ordinary domains (signatures, attendees) need a video label on the same line: look at
        // a short window first, without allocating, as bodies hold many such addresses.
        std::size_t from = b > 48 ? b - 48 : 0;
        std::string_view window = text.substr(from, b - from);
        if (auto nl = window.rfind('\n'); nl != std::string_view::npos) window.remove_prefix(nl + 1);
        if (!view || (iFind(window, "sip") == std::string_view::npos && iFind(window, "video") == std::string_view::npos &&
                      iFind(window, "dial") == std::string_view::npos && iFind(window, "tenant key") == std::string_view::npos &&
                      iFind(window, "h.323") == std::string_view::npos)) {
            return;
        }
    }
    std::string label = view ? lineLabel(text, b) : std::string("\x01");
    bool video_label = false;
    if (view) {
        std::string low = common::asciiLower(label);
        video_label = low.find("sip") != std::string::npos || low.find("video") != std::string::npos ||
                      low.find("dial") != std::string::npos || low.find("tenant key") != std::string::npos ||
                      low.find("h.323") != std::string::npos;
    }
    // An ordinary e-mail address (signatures, attendees) is no candidate and costs no budget.
    if (!service_host && !email_domain && !video_label) return;
    if (!take()) return;
    bool cvi = host == "t.plcm.vc" || host == "m.webex.com";
    bool vc = (service_host && (digits_user || cvi)) || (video_label && !email_domain) ||
              (video_label && service_host);
    Work w;
    w.c.source = source;
    w.c.position = positionOf(view, b);
    w.c.quoted = quotedAt(view, text, b);
    w.label = label;
    if (vc) {
        Classification k = classifyUri("sip:" + user + "@" + host);
        w.c.service = k.service;
        w.c.modality = Modality::Sip;
        w.c.joinable = k.joinable;
        w.c.uri = k.normalised;
        w.key = k.meeting_key;
        w.why = std::string(k.why) + (cvi ? "" : " (labelled video address)");
        w.c.labelled = view ? (isJoinLabel(label) || video_label) : true;
    } else if (email_domain || service_host) {
        w.c.service = Service::None;
        w.c.uri = "mailto:" + user + "@" + host;
        w.why = "e-mail address on a service domain, not a join target";
    } else {
        return;  // an ordinary e-mail address
    }
    if (seen(w.c)) return;
    work_.push_back(std::move(w));
}

void Run::addPhoneByLabel(std::string_view text, std::size_t label_end, Source source, const BodyView* view) {
    // Called at every "<word>:"; only code labels matter.
    std::size_t colon = label_end - 1;
    std::size_t b = colon > 32 ? colon - 32 : 0;
    std::string_view before = text.substr(b, colon - b);
    static constexpr std::array<std::string_view, 6> kCodeLabels = {
        "pin", "conference id", "access code", "passcode (audio)", "meeting number (access code)", "conference code"};
    bool code_label = false;
    for (auto l : kCodeLabels) {
        if (before.size() < l.size()) continue;
        std::string_view tail = before.substr(before.size() - l.size());
        bool equal = true;
        for (std::size_t k = 0; k < l.size() && equal; ++k) equal = lower(tail[k]) == l[k];
        if (equal) code_label = true;
    }
    if (!code_label || !take()) return;
    std::size_t e = label_end;
    while (e < text.size() && text[e] == ' ') ++e;
    std::string code;
    while (e < text.size() && (isDigit(text[e]) || text[e] == ' ' || text[e] == '-') && code.size() < 20 && e - label_end < 40) {
        if (isDigit(text[e])) code += text[e];
        ++e;
    }
    if (code.size() < 4) return;
    // The number: the last '+' within 200 bytes before the label, on the same or previous lines.
    std::size_t from = colon > 200 ? colon - 200 : 0;
    std::string_view window = text.substr(from, colon - from);
    auto plus = window.rfind('+');
    if (plus == std::string_view::npos) return;
    std::string number = "+";
    for (std::size_t k = plus + 1; k < window.size(); ++k) {
        char c = window[k];
        if (isDigit(c)) number += c;
        else if (c == ' ' || c == '-' || c == '(' || c == ')' || c == '.') continue;
        else break;
    }
    if (number.size() < 8) return;
    std::size_t at = from + plus;
    addUri("tel:" + number + ",," + code + "#", source, positionOf(view, at), lineLabel(text, at),
           quotedAt(view, text, at));
}

void Run::addH323(const BodyView& view) {
    std::string_view text = view.text;
    std::size_t label = fastFind(text, "H.323");
    if (label == std::string_view::npos || view.isQuoted(label)) return;
    std::string_view window = text.substr(label, 600);
    // First IPv4 address after the label.
    for (std::size_t i = 0; i < window.size(); ++i) {
        if (!isDigit(window[i]) || (i > 0 && (isDigit(window[i - 1]) || window[i - 1] == '.'))) continue;
        std::size_t k = i;
        int dots = 0;
        while (k < window.size() && (isDigit(window[k]) || window[k] == '.')) dots += window[k++] == '.';
        if (dots != 3 || window[k - 1] == '.') continue;
        std::string ip(window.substr(i, k - i));
        std::string id;
        auto mid = iFind(window, "meeting id:", k);
        if (mid != std::string_view::npos) {
            for (std::size_t j = mid + 11; j < window.size() && id.size() < 14; ++j) {
                if (isDigit(window[j])) id += window[j];
                else if (window[j] != ' ') break;
            }
        }
        std::string uri = "h323:" + ip + (id.empty() ? "" : "##" + id);
        Work w;
        w.c.service = Service::Sip;
        w.c.modality = Modality::H323;
        w.c.joinable = true;
        w.c.uri = uri;
        w.c.source = Source::BodyText;
        w.c.position = view.rawPos(label + i);
        w.c.labelled = true;
        w.why = "H.323 address";
        if (!id.empty()) {
            w.key = "zoom:" + id;
            for (const auto& other : work_) {
                if (other.key == w.key) w.c.service = other.c.service;
            }
        }
        work_.push_back(std::move(w));
        return;
    }
}

void Run::scanLocation(std::string_view text, Source source) {
    // Keywords ("@webex", "@meet:space") name a service but are not join targets.
    for (const auto& kw : options_.keywords) {
        std::size_t from = 0;
        while (true) {
            std::size_t at = iFind(text, kw.text, from);
            if (at == std::string_view::npos) break;
            from = at + 1;
            std::size_t end = at + kw.text.size();
            bool left_ok = at == 0 || isSpace(text[at - 1]) || text[at - 1] == ';' || text[at - 1] == ',' || text[at - 1] == '(';
            if (!left_ok || (end < text.size() && (isAlnum(text[end]) || text[end] == '.' || text[end] == '@'))) continue;
            if (end < text.size() && text[end] == ':') {
                std::size_t m = end + 1;
                while (m < text.size() && (isAlnum(text[m]) || text[m] == '_' || text[m] == '-')) ++m;
                if (m > end + 1) end = m;
            }
            if (hint_ == Service::None || hint_text_.empty() || hint_text_[0] != '@') {
                hint_ = kw.service;
                hint_text_ = std::string(text.substr(at, end - at));
            }
            break;
        }
    }
    // Placeholders per ';'-separated segment.
    std::size_t seg_begin = 0;
    while (seg_begin <= text.size()) {
        std::size_t seg_end = text.find(';', seg_begin);
        if (seg_end == std::string_view::npos) seg_end = text.size();
        std::string_view seg = text.substr(seg_begin, seg_end - seg_begin);
        if (seg.find("://") == std::string_view::npos && seg.find('@') == std::string_view::npos && hint_ == Service::None) {
            Service s = placeholderService(seg);
            if (s != Service::None) {
                hint_ = s;
                hint_text_ = std::string(trim(seg));
            }
        }
        // Scheme-less service links typed into the location ("zoom.us/j/123").
        std::string_view t = trim(seg);
        static constexpr std::array<std::string_view, 6> kBare = {"zoom.us/", "meet.google.com/", "teams.microsoft.com/",
                                                                  "webex.com/", "meet.goto.com/", "zoomgov.com/"};
        if (t.find("://") == std::string_view::npos && t.find(' ') == std::string_view::npos) {
            for (auto bare : kBare) {
                auto at = t.find(bare);
                if (at != std::string_view::npos && (at == 0 || t[at - 1] == '.')) {
                    addUri("https://" + std::string(t), source,
                           static_cast<std::size_t>(t.data() - text.data()), {}, false);
                    break;
                }
            }
        }
        seg_begin = seg_end + 1;
    }
    scanText(text, source, nullptr);
}

void Run::scanBody(const BodyView& view) {
    const bool html = input_.body_type == BodyType::Html;
    anchors_view_ = html ? &view : nullptr;
    anchor_uris_.assign(view.links.size(), std::string());
    anchor_unresolved_.assign(view.links.size(), false);
    if (html) {
        for (std::size_t i = 0; i < view.links.size(); ++i) {
            const BodyLink& link = view.links[i];
            std::string label(trim(view.text.substr(link.text_begin, link.text_end - link.text_begin)));
            if (label.find("://") != std::string::npos || label.empty()) label = lineLabel(view.text, link.text_begin);
            bool quoted = view.isQuoted(link.text_begin);
            std::string_view target = link.originalsrc.empty() ? std::string_view(link.href) : std::string_view(link.originalsrc);
            std::string_view scheme_check = target.substr(0, 7);
            if (common::asciiLower(scheme_check) == "mailto:") {
                std::string addr = percentDecode(target.substr(7));
                auto q = addr.find('?');
                if (q != std::string::npos) addr.resize(q);
                auto at = addr.find('@');
                if (at == std::string::npos) continue;
                std::string line = label + " " + addr;
                std::size_t before = work_.size();
                BodyView fake;
                fake.text = line;
                addBareAddress(line, label.size() + 1 + at, Source::BodyHref, &fake);
                if (work_.size() > before) {
                    work_.back().c.position = link.raw_pos;
                    work_.back().c.quoted = quoted;
                }
                anchor_uris_[i] = work_.size() > before ? work_.back().c.uri : std::string();
                continue;
            }
            if (target.empty()) continue;
            std::size_t before = work_.size();
            addUri(target, Source::BodyHref, link.raw_pos, label, quoted, static_cast<int>(i), false);
            if (work_.size() > before && !link.originalsrc.empty()) {
                work_.back().c.gateways.insert(work_.back().c.gateways.begin(), "safelinks-originalsrc");
            }
        }
    }
    scanText(view.text, Source::BodyText, &view);
    addH323(view);
    anchors_view_ = nullptr;
}

std::array<long long, 7> Run::rankKey(const Work& w) const {
    long long label = w.c.system_reference ? 2 : (w.c.labelled ? 0 : 1);
    long long variant = w.c.stale_text ? 2 : (w.c.unresolved ? 1 : 0);
    long long source = static_cast<long long>(w.c.source);
    if (w.c.source == Source::BodyText || w.c.source == Source::BodyHref) source = static_cast<long long>(Source::BodyHref);
    return {w.c.joinable ? 0 : 1,
            w.c.quoted ? 1 : 0,
            source,
            (hint_ != Service::None && w.c.service != hint_) ? 1 : 0,
            label * 4 + variant,
            static_cast<long long>(w.c.modality),
            static_cast<long long>(w.c.position)};
}

void Run::rank(Detection& d) {
    int best = -1;
    std::array<long long, 7> best_key{};
    for (std::size_t i = 0; i < work_.size(); ++i) {
        auto key = rankKey(work_[i]);
        if (key[0] != 0 || key[1] != 0) continue;  // never a non-join or quoted link
        if (best < 0 || key < best_key) {
            best = static_cast<int>(i);
            best_key = key;
        }
    }
    std::string variant_note;
    if (best >= 0) {
        // Same meeting, another variant carries the credentials (pwd=, p=): prefer it.
        const Work& w = work_[static_cast<std::size_t>(best)];
        if (!w.c.has_credentials && !w.key.empty()) {
            for (std::size_t i = 0; i < work_.size(); ++i) {
                const Work& o = work_[i];
                if (o.key == w.key && o.c.has_credentials && o.c.joinable && !o.c.quoted && o.c.modality == w.c.modality) {
                    variant_note = "same meeting as " + w.c.uri + " (" + std::string(sourceName(w.c.source)) +
                                   "), and this variant carries the credentials";
                    best = static_cast<int>(i);
                    break;
                }
            }
        }
    }
    // A location that names a service wins over links of other services: with no link of that
    // service, the result is the service without a URI (§7, issue 5).
    if (best >= 0 && hint_ != Service::None && work_[static_cast<std::size_t>(best)].c.service != hint_) best = -1;
    d.winner = best;
    const Work* win = best >= 0 ? &work_[static_cast<std::size_t>(best)] : nullptr;
    auto winKey = win ? rankKey(*win) : std::array<long long, 7>{};
    for (std::size_t i = 0; i < work_.size(); ++i) {
        Work& w = work_[i];
        std::string reason;
        auto key = rankKey(w);
        if (static_cast<int>(i) == best) {
            reason = "won: " + w.why + " from " + std::string(sourceName(w.c.source));
            if (!variant_note.empty()) reason += "; " + variant_note;
            if (hint_ != Service::None) reason += "; location names " + std::string(serviceTitle(hint_)) + " (\"" + hint_text_ + "\")";
            if (w.c.labelled) reason += "; labelled \"" + w.label.substr(0, 60) + "\"";
            if (!w.c.gateways.empty()) {
                reason += "; unwrapped from";
                for (const auto& g : w.c.gateways) reason += " " + g;
            }
            if (w.c.unresolved) reason += "; kept wrapped (Mimecast cannot be decoded offline)";
        } else if (key[0] != 0) {
            reason = "not a join target: " + w.why;
        } else if (key[1] != 0) {
            reason = "ignored: in quoted or forwarded history (" + w.why + ")";
        } else if (!win) {
            reason = "lost: the location names " + std::string(serviceTitle(hint_)) + " (\"" + hint_text_ +
                     "\") and this is " + std::string(serviceTitle(w.c.service)) + " (" + w.why + ")";
        } else if (w.c.uri == win->c.uri) {
            reason = "lost: same target as the winner, found again in " + std::string(sourceName(w.c.source));
        } else if (!w.key.empty() && w.key == win->key && !variant_note.empty()) {
            reason = "lost: same meeting as the winner, without credentials";
        } else if (key[2] != winKey[2]) {
            reason = "lost: " + std::string(sourceName(w.c.source)) + " ranks below " + std::string(sourceName(win->c.source)) +
                     " (" + w.why + ")";
        } else if (key[3] != winKey[3]) {
            reason = "lost: the location names " + std::string(serviceTitle(hint_)) + "; this is " +
                     std::string(serviceTitle(w.c.service)) + " (" + w.why + ")";
        } else if (key[4] != winKey[4]) {
            if (w.c.system_reference) reason = "lost: Teams \"System reference\" link; the labelled join link wins";
            else if (w.c.stale_text) reason = "lost: anchor text differs from its link target; the href is what a click opens";
            else if (w.c.unresolved) reason = "lost: wrapped by Mimecast and not decodable; a visible URL wins";
            else reason = "lost: not labelled as the join link (" + w.why + "); the winner is labelled \"" + win->label.substr(0, 60) + "\"";
        } else if (key[5] != winKey[5]) {
            reason = "lost: " + std::string(modalityName(w.c.modality)) + " ranks below " + std::string(modalityName(win->c.modality)) +
                     " (" + w.why + ")";
        } else {
            reason = "lost: appears later in the text than the winner (" + w.why + ")";
        }
        w.c.reason = std::move(reason);
    }
    if (win) {
        d.service = win->c.service;
        d.uri = win->c.uri;
        d.summary = std::string(serviceTitle(win->c.service)) + " " + std::string(modalityName(win->c.modality)) + " from " +
                    std::string(sourceName(win->c.source));
    } else if (hint_ != Service::None) {
        d.service = hint_;
        d.summary = "the location names " + std::string(serviceTitle(hint_)) + " (\"" + hint_text_ +
                    "\") but no link of it was found";
    } else {
        d.summary = work_.empty() ? "no join target found" : "no candidate is a join target";
    }
}

void Run::decideDial(Detection& d) {
    if (d.winner < 0) return;
    const Work& win = work_[static_cast<std::size_t>(d.winner)];
    auto strip = [](const std::string& uri) {
        auto colon = uri.find(':');
        return colon == std::string::npos ? uri : uri.substr(colon + 1);
    };
    if (win.c.modality == Modality::Sip) {
        d.dial = Dial{strip(win.c.uri), DialProtocol::Sip};
        if (win.c.service != Service::Teams) return;
    }
    if (win.c.modality == Modality::H323) {
        d.dial = Dial{strip(win.c.uri), DialProtocol::H323};
        return;
    }
    if (win.c.modality == Modality::Phone) return;
    auto findSip = [&](Service service, const std::string& key) -> Work* {
        Work* any = nullptr;
        for (auto& w : work_) {
            if (w.c.service != service || w.c.modality != Modality::Sip || w.c.quoted) continue;
            if (!key.empty() && w.key == key) return &w;
            if (!any) any = &w;
        }
        return any;
    };
    // Digits after the first of `labels` (exact case, as the providers write them) outside quotes.
    auto digitsAfter = [&](std::initializer_list<std::string_view> labels) {
        for (const BodyView& view : views_) {
            std::string_view text = view.text.substr(0, view.quote_start == BodyView::kNone ? view.text.size() : view.quote_start);
            for (auto label : labels) {
                auto at = text.find(label);
                if (at == std::string_view::npos) continue;
                std::string digits;
                for (std::size_t i = at + label.size(); i < text.size() && digits.size() < 16; ++i) {
                    char c = text[i];
                    if (isDigit(c)) {
                        digits += c;
                    } else if (c == ' ') {
                        if (!digits.empty() && (i + 1 >= text.size() || !isDigit(text[i + 1]))) break;
                    } else if (c != '-') {
                        break;
                    }
                }
                if (!digits.empty()) return digits;
            }
        }
        return std::string();
    };
    switch (win.c.service) {
        case Service::Zoom: {
            Work* sip = findSip(Service::Zoom, win.key);
            std::string passcode = digitsAfter({"Passcode:", "Password:", "passcode:"});
            if (sip) {
                std::string number = strip(sip->c.uri);
                auto at = number.find('@');
                std::string user = number.substr(0, at);
                if (user.find('.') == std::string::npos && !passcode.empty()) number = user + "." + passcode + number.substr(at);
                d.dial = Dial{number, DialProtocol::Sip};
                sip->c.reason += "; gives the device dial string";
            } else if (win.key.rfind("zoom:", 0) == 0) {
                // Zoom's cloud room connector takes <id>[.<passcode>]@zoomcrc.com; ZoomGov uses
                // its own connector, whose address must come from the invitation.
                UrlParts u;
                bool gov = splitUrl(win.c.uri, u) && hostUnder(u.host, "zoomgov.com");
                std::string id = win.key.substr(5);
                std::string user = passcode.empty() ? id : id + "." + passcode;
                if (!gov) d.dial = Dial{user + "@zoomcrc.com", DialProtocol::Sip};
            }
            break;
        }
        case Service::Webex: {
            Work* sip = findSip(Service::Webex, "");
            if (sip) {
                d.dial = Dial{strip(sip->c.uri), DialProtocol::Sip};
                sip->c.reason += "; gives the device dial string";
            } else if (win.key.rfind("webex-room:", 0) == 0) {
                d.dial = Dial{win.key.substr(11), DialProtocol::Sip};
            }
            break;
        }
        case Service::Teams: {
            Work* cvi = findSip(Service::Teams, "");
            if (cvi) {
                std::string address = strip(cvi->c.uri);
                std::string vtc = digitsAfter({"Video ID:", "Video Conference ID:", "VTC Conference ID:", "Video conference ID:"});
                auto at = address.find('@');
                std::string tenant = address.substr(0, at);
                std::string host = address.substr(at + 1);
                if (!vtc.empty() && host == "m.webex.com") address = vtc + "." + tenant + "@" + host;
                else if (!vtc.empty() && host == "t.plcm.vc") address = tenant + "." + vtc + "@" + host;
                d.dial = Dial{address, DialProtocol::Sip};
                cvi->c.reason += "; gives the device dial string (video interop)";
            } else if (win.c.modality == Modality::Web) {
                d.dial = Dial{win.c.uri, DialProtocol::WebRtc};
            }
            break;
        }
        case Service::GoogleMeet:
            d.dial = Dial{win.c.uri, DialProtocol::WebRtc};
            break;
        case Service::BlueJeans: {
            Work* sip = findSip(Service::BlueJeans, "");
            if (sip) {
                d.dial = Dial{strip(sip->c.uri), DialProtocol::Sip};
                sip->c.reason += "; gives the device dial string";
            }
            break;
        }
        default:
            break;
    }
}

Detection Run::go() {
    Detection d;
    if (!input_.online_meeting_join_url.empty()) addUri(input_.online_meeting_join_url, Source::OnlineMeeting, 0, {}, false);
    if (!input_.online_meeting_url.empty()) addUri(input_.online_meeting_url, Source::OnlineMeetingUrl, 0, {}, false);
    scanLocation(input_.location, Source::Location);
    for (auto entry : input_.locations) scanLocation(entry, Source::Locations);
    std::string_view body = input_.body;
    const std::size_t cap = std::max<std::size_t>(options_.max_body_size, 2);
    std::vector<std::pair<std::string_view, std::size_t>> slices;
    views_.reserve(2);  // scanBody keeps pointers into the current view
    if (body.size() > cap) {
        d.truncated = true;
        slices.emplace_back(body.substr(0, cap / 2), 0);
        slices.emplace_back(body.substr(body.size() - cap / 2), body.size() - cap / 2);
    } else if (!body.empty()) {
        slices.emplace_back(body, 0);
    }
    bool quoted_before = false;
    for (const auto& [slice, base] : slices) {
        views_.emplace_back();
        BodyView& view = views_.back();
        if (input_.body_type == BodyType::Html) readHtml(slice, view, base);
        else readText(slice, view, base);
        if (quoted_before) view.quote_start = 0;
        scanBody(view);
        quoted_before = quoted_before || view.quote_start != BodyView::kNone;
    }
    if (!hint_text_.empty() && hint_text_[0] == '@') d.keyword = hint_text_;
    d.limited = budget_ <= 0;
    // Report candidates per field in document order (the scan passes find them out of order).
    std::stable_sort(work_.begin(), work_.end(), [](const Work& a, const Work& b) {
        auto field = [](const Work& w) { return std::min(w.c.source, Source::BodyHref); };
        if (field(a) != field(b)) return field(a) < field(b);
        return a.c.position < b.c.position;
    });
    rank(d);
    decideDial(d);
    for (auto& w : work_) d.candidates.push_back(std::move(w.c));
    return d;
}

}  // namespace

std::string_view serviceId(Service service) {
    switch (service) {
        case Service::None: return "";
        case Service::Teams: return "teams";
        case Service::Zoom: return "zoom";
        case Service::GoogleMeet: return "google_meet";
        case Service::Webex: return "webex";
        case Service::GoToMeeting: return "gotomeeting";
        case Service::BlueJeans: return "bluejeans";
        case Service::Chime: return "chime";
        case Service::Jitsi: return "jitsi";
        case Service::Whereby: return "whereby";
        case Service::Slack: return "slack";
        case Service::RingCentral: return "ringcentral";
        case Service::SkypeForBusiness: return "skype_for_business";
        case Service::Sip: return "sip";
        case Service::Phone: return "phone";
    }
    return "";
}

std::string_view sourceName(Source source) {
    switch (source) {
        case Source::OnlineMeeting: return "onlineMeeting";
        case Source::OnlineMeetingUrl: return "onlineMeetingUrl";
        case Source::Location: return "location";
        case Source::Locations: return "locations";
        case Source::BodyHref: return "body-href";
        case Source::BodyText: return "body-text";
    }
    return "";
}

std::string_view dialProtocolName(DialProtocol protocol) {
    switch (protocol) {
        case DialProtocol::Sip: return "SIP";
        case DialProtocol::H323: return "H323";
        case DialProtocol::WebRtc: return "WebRTC";
        case DialProtocol::Spark: return "Spark";
    }
    return "";
}

Detector::Detector(DetectorOptions options) : options_(std::move(options)) {}

Detection Detector::detect(const DetectorInput& input) const {
    Run run(options_, input);
    return run.go();
}

Detection detect(const DetectorInput& input, const DetectorOptions& options) {
    return Detector(options).detect(input);
}

}  // namespace calconn::detect
