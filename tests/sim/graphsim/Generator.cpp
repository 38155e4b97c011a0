// Tenant generation and invitation templates modelled on real Teams, Zoom, Webex and Meet mail.
#include "Generator.h"

#include <cstdio>

#include "SimHttp.h"

namespace calconn::graphsim {

namespace {

std::uint64_t splitmix(std::uint64_t& x) {
    std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

const char* const kFirst[] = {"Adele", "Alex", "Bianca", "Diego", "Emil", "Fatima", "Grady",
                              "Hana", "Isaiah", "Joanna", "Kenji", "Lena", "Lidia", "Marek",
                              "Megan", "Nestor", "Olga", "Pradeep", "Quinn", "Rosa", "Sven",
                              "Tomasz", "Ursula", "Yuki", "Zofia", "Amelie", "Bruno", "Chloe"};
const char* const kLast[] = {"Vance", "Wilber", "Kowalski", "Garcia", "Schmidt", "Nowak",
                             "Dubois", "Tanaka", "Patel", "Johnson", "Muller", "Martin", "Sato",
                             "Lopez", "Nielsen", "Rossi", "Fischer", "Moreau", "Suzuki", "Brown"};
struct City {
    const char* name;
    const char* street;
    const char* state;
    const char* country;
    const char* postal;
    const char* zone;  // mailbox time zone (Windows or IANA, as admins configure them)
    const char* locale;
    const char* locale_name;
};
const City kCities[] = {
    {"Seattle", "1 Microsoft Way", "WA", "United States", "98052", "Pacific Standard Time", "en-US",
     "English (United States)"},
    {"New York", "11 Times Square", "NY", "United States", "10036", "America/New_York", "en-US",
     "English (United States)"},
    {"Chicago", "200 E Randolph St", "IL", "United States", "60601", "Central Standard Time",
     "es-ES", "Spanish (Spain)"},
    {"Warsaw", "ul. Chlodna 51", "", "Poland", "00-867", "Central European Standard Time", "pl-PL",
     "Polish (Poland)"},
    {"Berlin", "Unter den Linden 17", "", "Germany", "10117", "Europe/Berlin", "de-DE",
     "German (Germany)"},
    {"Paris", "39 Quai du President Roosevelt", "", "France", "92130", "Romance Standard Time",
     "fr-FR", "French (France)"},
    {"London", "2 Kingdom Street", "", "United Kingdom", "W2 6BD", "GMT Standard Time", "en-GB",
     "English (United Kingdom)"},
    {"Tokyo", "2-16-3 Konan", "", "Japan", "108-0075", "Tokyo Standard Time", "ja-JP",
     "Japanese (Japan)"},
    {"Sydney", "1 Denison St", "NSW", "Australia", "2060", "AUS Eastern Standard Time", "en-AU",
     "English (Australia)"},
    {"Bangalore", "Embassy Golf Links", "KA", "India", "560071", "Asia/Kolkata", "en-IN",
     "English (India)"},
};
constexpr int kCityCount = sizeof(kCities) / sizeof(kCities[0]);

const char* const kSubjects[] = {"Weekly sync", "Project kickoff", "1:1", "Design review",
                                 "Quarterly planning", "Customer call", "Standup",
                                 "Budget review", "Interview loop", "Architecture board",
                                 "Sprint retrospective", "All hands", "Vendor demo",
                                 "Spotkanie zespolu", "Besprechung Vertrieb", "Point hebdo",
                                 "Revision de presupuesto", "定例会議"};

std::string digits(Prng& prng, int count) {
    std::string out;
    for (int i = 0; i < count; ++i) out.push_back(static_cast<char>('0' + prng.below(10)));
    return out;
}

std::string hex(Prng& prng, int count) {
    static const char* kHex = "0123456789abcdef";
    std::string out;
    for (int i = 0; i < count; ++i) out.push_back(kHex[prng.below(16)]);
    return out;
}

std::string grouped(const std::string& number, int group) {
    std::string out;
    for (size_t i = 0; i < number.size(); ++i) {
        if (i > 0 && i % static_cast<size_t>(group) == 0) out.push_back(' ');
        out.push_back(number[i]);
    }
    return out;
}

std::string teamsJoinUrl(Prng& p) {
    std::string thread = "19%3ameeting_" + hex(p, 8) + "NzQtYjQ4Zi00" + hex(p, 12) + "%40thread.v2";
    return "https://teams.microsoft.com/l/meetup-join/" + thread +
           "/0?context=%7b%22Tid%22%3a%22" + p.guid() + "%22%2c%22Oid%22%3a%22" + p.guid() +
           "%22%7d";
}

std::string safeLink(Prng& p, const std::string& target) {
    return "https://nam12.safelinks.protection.outlook.com/?url=" + urlEncode(target) +
           "&data=05%7C02%7Cuser%40contoso.example%7C" + hex(p, 20) + "%7C" + p.guid() +
           "%7C0%7C0%7C638" + digits(p, 15) + "%7CUnknown%7CTWFpbGZsb3d8eyJWIjoiMC4wLjAwMDAifQ%3D%3D"
           "%7C0%7C%7C%7C&sdata=" + hex(p, 24) + "%3D&reserved=0";
}

// Proofpoint v3: '%' characters are replaced by '*' and listed in the base64 run.
std::string proofpoint(Prng& p, const std::string& target) {
    std::string out = "https://urldefense.com/v3/__";
    out += target;
    out += "__;!!" + hex(p, 6) + "!" + hex(p, 30) + "$";
    return out;
}

std::string zoomUrl(Prng& p) {
    return "https://us02web.zoom.us/j/" + digits(p, 11) + "?pwd=" + hex(p, 24) + ".1";
}

std::string escapeHtml(const std::string& text) {
    std::string out;
    for (char c : text) {
        if (c == '&') out += "&amp;";
        else if (c == '<') out += "&lt;";
        else if (c == '>') out += "&gt;";
        else if (c == '"') out += "&quot;";
        else out.push_back(c);
    }
    return out;
}

std::string htmlWrap(const std::string& inner) {
    return "<html>\r\n<head>\r\n<meta http-equiv=\"Content-Type\" content=\"text/html; "
           "charset=utf-8\">\r\n</head>\r\n<body>\r\n" + inner + "\r\n</body>\r\n</html>\r\n";
}

const std::string kRule(80, '_');

std::string teamsHtmlBlock(const std::string& join_href, const std::string& join_visible,
                           Prng& p) {
    std::string id = grouped(digits(p, 12), 3);
    std::string conf = digits(p, 9);
    return "<div style=\"width:100%\"><span style=\"white-space:nowrap;color:#5F5F5F;opacity:.36\">" +
           kRule + "</span></div>\r\n<div class=\"me-email-text\" lang=\"en-US\">"
           "<div style=\"margin-bottom:24px\"><span class=\"me-email-text\" "
           "style=\"font-size:24px;font-weight:700\">Microsoft Teams</span> "
           "<a id=\"meet_invite_block.action.help\" class=\"me-email-link\" "
           "href=\"https://aka.ms/JoinTeamsMeeting?omkt=en-US\">Need help?</a></div>\r\n"
           "<div><a id=\"meet_invite_block.action.join_link\" class=\"me-email-headline\" "
           "href=\"" + escapeHtml(join_href) + "\" target=\"_blank\" title=\"" +
           escapeHtml(join_visible) + "\">Join the meeting now</a></div>\r\n"
           "<div><span class=\"me-email-text-secondary\">Meeting ID: </span>"
           "<span class=\"me-email-text\">" + id + "</span></div>\r\n"
           "<div><span class=\"me-email-text-secondary\">Passcode: </span>"
           "<span class=\"me-email-text\">" + hex(p, 6) + "</span></div>\r\n"
           "<div><b>Dial in by phone</b></div><div><a class=\"me-email-link\" href=\"tel:+13125550188,," +
           conf + "#\">+1 312-555-0188,," + conf + "#</a> United States, Chicago</div>\r\n"
           "<div>Phone conference ID: " + grouped(conf, 3) + "#</div>\r\n"
           "<div><b>Join on a video conferencing device</b></div><div>Tenant key: "
           "<a href=\"mailto:teams@t.plcm.vc\">teams@t.plcm.vc</a></div><div>Video ID: " +
           grouped(digits(p, 10), 3) + "</div>\r\n"
           "<div><a class=\"me-email-link\" href=\"https://teams.microsoft.com/meetingOptions/\">"
           "Meeting options</a></div></div>\r\n<div style=\"width:100%\"><span "
           "style=\"white-space:nowrap;color:#5F5F5F;opacity:.36\">" + kRule + "</span></div>";
}

std::string teamsTextBlock(const std::string& join, Prng& p) {
    std::string conf = digits(p, 9);
    return kRule + "\r\nMicrosoft Teams Need help?<https://aka.ms/JoinTeamsMeeting?omkt=en-US>\r\n"
           "Join the meeting now<" + join + ">\r\nMeeting ID: " + grouped(digits(p, 12), 3) +
           "\r\nPasscode: " + hex(p, 6) + "\r\n" + kRule.substr(0, 40) +
           "\r\nDial in by phone\r\n+1 312-555-0188,," + conf + "#<tel:+13125550188,," + conf +
           "#> United States, Chicago\r\nPhone conference ID: " + grouped(conf, 3) + "#\r\n" +
           "Join on a video conferencing device\r\nTenant key: teams@t.plcm.vc<mailto:teams@t.plcm.vc>"
           "\r\nFor organizers: Meeting options<https://teams.microsoft.com/meetingOptions/>\r\n" +
           kRule + "\r\n";
}

}  // namespace

Prng::Prng(std::uint64_t seed) {
    std::uint64_t x = seed;
    for (auto& s : state_) s = splitmix(x);
}

std::uint64_t Prng::next() {
    // xoshiro256** (public domain): small, fast and fully specified.
    const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
    const std::uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = rotl(state_[3], 45);
    return result;
}

std::uint64_t Prng::below(std::uint64_t n) { return n == 0 ? 0 : next() % n; }

bool Prng::chance(int percent) { return static_cast<int>(below(100)) < percent; }

std::string Prng::guid() {
    std::string h;
    static const char* kHex = "0123456789abcdef";
    for (int i = 0; i < 32; ++i) h.push_back(kHex[below(16)]);
    h[12] = '4';
    h[16] = "89ab"[below(4)];
    return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) +
           "-" + h.substr(20);
}

std::string newEventCore(Prng& prng) {
    static const char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string core = "AAAAAAAA";  // the fixed-looking prefix real ids share within a mailbox
    for (int i = 0; i < 24; ++i) core.push_back(kAlphabet[prng.below(64)]);
    return core;
}

bool inviteIsHtml(InviteKind kind) {
    switch (kind) {
        case InviteKind::TeamsText:
        case InviteKind::ZoomText:
        case InviteKind::GoogleMeetText:
        case InviteKind::PhoneOnly:
            return false;
        default:
            return true;
    }
}

std::string inviteJoinUrl(InviteKind kind, std::uint64_t seed) {
    Prng p(seed);
    switch (kind) {
        case InviteKind::TeamsHtml:
        case InviteKind::TeamsText:
        case InviteKind::TeamsSafeLinks:
            return teamsJoinUrl(p);
        case InviteKind::TeamsShortLink:
            return "https://teams.microsoft.com/meet/" + digits(p, 14) + "?p=" + hex(p, 16);
        case InviteKind::ZoomHtml:
        case InviteKind::ZoomText:
        case InviteKind::ZoomProofpoint:
            return zoomUrl(p);
        case InviteKind::WebexHtml:
            return "https://acme.webex.com/acme/j.php?MTID=m" + hex(p, 32);
        case InviteKind::GoogleMeetText: {
            static const char* kLetters = "abcdefghijklmnopqrstuvwxyz";
            std::string code;
            for (int i = 0; i < 12; ++i) {
                if (i == 3 || i == 8) code.push_back('-');
                else code.push_back(kLetters[p.below(26)]);
            }
            return "https://meet.google.com/" + code;
        }
        case InviteKind::SipOnly:
            return "sip:" + digits(p, 11) + "@zoomcrc.com";
        default:
            return "";
    }
}

std::string renderBody(const BodySpec& body, const std::string& subject) {
    if (body.content) return *body.content;
    const auto kind = static_cast<InviteKind>(body.kind);
    const std::string join = inviteJoinUrl(kind, body.seed);
    Prng p(body.seed ^ 0x5bd1e995ULL);
    const std::string intro = "Agenda: " + subject + ". Please review the notes beforehand.";
    switch (kind) {
        case InviteKind::TeamsHtml:
            return htmlWrap("<div>" + escapeHtml(intro) + "</div><br>\r\n" +
                            teamsHtmlBlock(join, join, p));
        case InviteKind::TeamsSafeLinks:
            return htmlWrap("<div>" + escapeHtml(intro) + "</div><br>\r\n" +
                            teamsHtmlBlock(safeLink(p, join), join, p));
        case InviteKind::TeamsText:
            return intro + "\r\n\r\n" + teamsTextBlock(join, p);
        case InviteKind::TeamsShortLink:
            return htmlWrap("<div>" + escapeHtml(intro) + "</div>\r\n<div>" + kRule +
                            "</div><div><b>Microsoft Teams meeting</b></div><div>Join: <a href=\"" +
                            join + "\">" + join + "</a></div><div>Meeting ID: " +
                            grouped(digits(p, 14), 3) + "</div><div>Passcode: " + hex(p, 6) +
                            "</div><div>" + kRule + "</div>");
        case InviteKind::ZoomHtml:
        case InviteKind::ZoomProofpoint: {
            std::string href = kind == InviteKind::ZoomProofpoint ? proofpoint(p, join) : join;
            std::string id = join.substr(join.find("/j/") + 3, 11);
            return htmlWrap("<p>Hi there,</p><p>Megan Bowen is inviting you to a scheduled Zoom "
                            "meeting.</p><p>Join Zoom Meeting<br><a href=\"" + escapeHtml(href) +
                            "\">" + escapeHtml(href) + "</a></p><p>Meeting ID: " +
                            id.substr(0, 3) + " " + id.substr(3, 4) + " " + id.substr(7) +
                            "<br>Passcode: " + digits(p, 6) +
                            "</p><p>One tap mobile<br>+16469313860,," + id +
                            "# US</p><p>Join by SIP<br>" + id + "@zoomcrc.com</p>");
        }
        case InviteKind::ZoomText: {
            std::string id = join.substr(join.find("/j/") + 3, 11);
            return "Megan Bowen is inviting you to a scheduled Zoom meeting.\r\n\r\nTopic: " +
                   subject + "\r\n\r\nJoin Zoom Meeting\r\n" + join + "\r\n\r\nMeeting ID: " +
                   id.substr(0, 3) + " " + id.substr(3, 4) + " " + id.substr(7) +
                   "\r\nPasscode: " + digits(p, 6) + "\r\n\r\nJoin by SIP\r\n" + id +
                   "@zoomcrc.com\r\n";
        }
        case InviteKind::WebexHtml: {
            std::string number = digits(p, 11);
            return htmlWrap("<p>Acme is inviting you to a Webex meeting.</p><p><a href=\"" + join +
                            "\">Join meeting</a></p><p>More ways to join:</p><p>Join by meeting "
                            "number<br>Meeting number (access code): " + grouped(number, 4) +
                            "</p><p>Join from a video system or application<br>Dial " + number +
                            "@acme.webex.com</p><p>Need help? Go to https://help.webex.com</p>");
        }
        case InviteKind::GoogleMeetText:
            return intro + "\r\n\r\n-::~:~::~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~::-"
                   "\r\nJoin with Google Meet: " + join + "\r\nOr dial: (US) +1 347-555-0162 PIN: " +
                   grouped(digits(p, 9), 3) + "#\r\nLearn more about Meet at: "
                   "https://support.google.com/a/users/answer/9282720\r\n\r\nPlease do not edit "
                   "this section.\r\n-::~:~::~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~::-\r\n";
        case InviteKind::SipOnly:
            return htmlWrap("<p>" + escapeHtml(intro) + "</p><p>Video call: <a href=\"" + join +
                            "\">" + join.substr(4) + "</a></p>");
        case InviteKind::PhoneOnly: {
            std::string pin = digits(p, 8);
            return intro + "\r\n\r\nDial-in: +1 415-555-0100, PIN " + pin + "#\r\nTap: tel:+14155550100,," +
                   pin + "#\r\n";
        }
        case InviteKind::KeywordWebex:
        case InviteKind::KeywordMeet:
        case InviteKind::NoLink:
        default:
            return htmlWrap("<p>" + escapeHtml(intro) + "</p><p>See you there.</p>");
    }
}

void generateTenant(Tenant& tenant, const GeneratorConfig& config) {
    Prng prng(config.seed);
    tenant.tenant_id = config.tenant_id;
    tenant.domain = config.domain;
    const Seconds now = config.base_day * kDay;

    for (int i = 0; i < config.users; ++i) {
        auto m = std::make_unique<Mailbox>();
        m->id = prng.guid();
        const char* first = kFirst[prng.below(sizeof(kFirst) / sizeof(kFirst[0]))];
        const char* last = kLast[prng.below(sizeof(kLast) / sizeof(kLast[0]))];
        m->display_name = std::string(first) + " " + last;
        m->upn = toLower(std::string(first) + "." + last) + std::to_string(i + 1) + "@" + config.domain;
        const City& city = kCities[prng.below(kCityCount)];
        m->settings.time_zone = city.zone;
        m->settings.locale = city.locale;
        m->settings.locale_display_name = city.locale_name;
        const auto oof = prng.below(10);
        if (oof == 0) {
            m->settings.automatic_replies.status = "alwaysEnabled";
        } else if (oof == 1) {
            m->settings.automatic_replies.status = "scheduled";
            m->settings.automatic_replies.scheduled_start = now + static_cast<Seconds>(prng.below(5)) * kDay;
            m->settings.automatic_replies.scheduled_end =
                m->settings.automatic_replies.scheduled_start + 3 * kDay;
        }
        if (oof <= 1) {
            m->settings.automatic_replies.internal_message =
                "<html><body><p>I am out of office.</p></body></html>";
            m->settings.automatic_replies.external_message = m->settings.automatic_replies.internal_message;
        }
        tenant.addMailbox(std::move(m));
    }
    std::vector<Mailbox*> rooms;
    for (int i = 0; i < config.rooms; ++i) {
        auto m = std::make_unique<Mailbox>();
        m->id = prng.guid();
        const City& city = kCities[prng.below(kCityCount)];
        m->kind = MailboxKind::Room;
        const int floor = static_cast<int>(prng.below(9)) + 1;
        m->display_name = std::string("Room ") + std::to_string(floor) + "." +
                          std::to_string(i + 1) + " (" + city.name + ")";
        std::string slug = toLower(city.name);
        for (auto& c : slug)
            if (c == ' ') c = '-';
        m->upn = "room-" + slug + "-" + std::to_string(i + 1) + "@" + config.domain;
        m->room_address = {city.street, city.name, city.state, city.country, city.postal};
        m->room_capacity = static_cast<int>(4 + prng.below(16));
        m->settings.time_zone = city.zone;
        m->settings.locale = city.locale;
        m->settings.locale_display_name = city.locale_name;
        rooms.push_back(tenant.addMailbox(std::move(m)));
    }

    const int user_count = config.users;
    for (int u = 0; u < user_count; ++u) {
        Mailbox& owner = *tenant.mailboxes[static_cast<size_t>(u)];
        for (int e = 0; e < config.events_per_mailbox; ++e) {
            Event ev;
            ev.core = newEventCore(prng);
            ev.id = "AAMkAG" + ev.core + "=";
            ev.ical_uid = "040000008200E00074C5B7101A82E00800000000" + hex(prng, 16) +
                          "000000000000000010000000" + hex(prng, 32);
            for (auto& c : ev.ical_uid) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
            EventFields& f = ev.fields;
            f.subject = kSubjects[prng.below(sizeof(kSubjects) / sizeof(kSubjects[0]))];
            const auto kind = static_cast<InviteKind>(prng.below(static_cast<int>(InviteKind::kCount)));
            f.body.kind = static_cast<int>(kind);
            f.body.seed = prng.next();
            f.body.content_type = inviteIsHtml(kind) ? "html" : "text";
            f.time_zone = owner.settings.time_zone;
            const TimeZoneInfo* zone = findTimeZone(f.time_zone);
            const std::int64_t day = config.base_day - 7 + static_cast<std::int64_t>(prng.below(38));
            const int hour = 8 + static_cast<int>(prng.below(9));
            const int minute = prng.chance(70) ? 0 : 30;
            static const int kDurations[] = {15, 30, 30, 45, 60, 60, 60, 90, 120};
            const int duration = kDurations[prng.below(9)];
            if (prng.chance(4)) {
                f.is_all_day = true;
                f.start = day * kDay;
                f.end = f.start + kDay;
                f.show_as = "free";
            } else {
                f.start = localToUtc(zone ? *zone : utcZone(), day * kDay + hour * 3600 + minute * 60);
                f.end = f.start + duration * 60;
            }
            // Organizer: the owner most of the time, otherwise a colleague (attendee copy).
            const bool own = prng.chance(70) || user_count < 2;
            const Mailbox* organizer = own ? &owner : tenant.mailboxes[prng.below(user_count)].get();
            f.organizer = {organizer->display_name, organizer->upn};
            f.is_organizer = organizer == &owner;
            f.response = f.is_organizer ? "organizer" : (prng.chance(60) ? "accepted" : "notResponded");
            f.response_time = f.is_organizer ? 0 : now - kDay;
            const int attendees = static_cast<int>(prng.below(5));
            for (int a = 0; a < attendees && user_count > 1; ++a) {
                const Mailbox* who = tenant.mailboxes[prng.below(user_count)].get();
                Attendee att;
                att.type = prng.chance(75) ? "required" : "optional";
                static const char* kResponses[] = {"accepted", "tentativelyAccepted", "declined",
                                                   "none", "notResponded"};
                att.response = kResponses[prng.below(5)];
                att.response_time = att.response == "none" ? 0 : now - 2 * kDay;
                att.email = {who->display_name, who->upn};
                f.attendees.push_back(att);
            }
            const int s = static_cast<int>(prng.below(100));
            f.sensitivity = s < 85 ? "normal" : s < 92 ? "private" : s < 97 ? "personal" : "confidential";
            const int sa = static_cast<int>(prng.below(100));
            if (!f.is_all_day) f.show_as = sa < 80 ? "busy" : sa < 90 ? "tentative" : sa < 95 ? "free" : "oof";
            f.importance = prng.chance(10) ? "high" : "normal";
            f.join_url = inviteJoinUrl(kind, f.body.seed);
            Location loc;
            switch (kind) {
                case InviteKind::TeamsHtml:
                case InviteKind::TeamsText:
                case InviteKind::TeamsSafeLinks:
                case InviteKind::TeamsShortLink:
                    loc.display_name = owner.settings.locale == "de-DE" ? "Microsoft Teams-Besprechung"
                                       : owner.settings.locale == "fr-FR" ? "Réunion Microsoft Teams"
                                                                          : "Microsoft Teams Meeting";
                    f.is_online_meeting = true;
                    f.online_meeting_provider = "teamsForBusiness";
                    f.conference_id = std::to_string(100000000 + prng.below(899999999));
                    break;
                case InviteKind::ZoomHtml:
                case InviteKind::ZoomText:
                    loc.display_name = f.join_url;  // the Outlook plug-in puts the URL in Location
                    f.join_url.clear();
                    break;
                case InviteKind::KeywordWebex:
                    loc.display_name = "@webex";
                    break;
                case InviteKind::KeywordMeet:
                    loc.display_name = "@meet";
                    break;
                default:
                    f.join_url.clear();
                    break;
            }
            if (kind != InviteKind::TeamsHtml && kind != InviteKind::TeamsText &&
                kind != InviteKind::TeamsSafeLinks && kind != InviteKind::TeamsShortLink)
                f.join_url.clear();
            if (!loc.display_name.empty()) f.locations.push_back(loc);
            // Invite a room to some meetings the owner organises.
            Mailbox* room = nullptr;
            if (!rooms.empty() && f.is_organizer && prng.chance(35)) {
                room = rooms[prng.below(rooms.size())];
                Location rl;
                rl.display_name = room->display_name;
                rl.location_type = "conferenceRoom";
                rl.email = room->upn;
                rl.unique_id = room->upn;
                rl.address = room->room_address;
                f.locations.insert(f.locations.begin(), rl);
                Attendee ra;
                ra.type = "resource";
                ra.response = "accepted";
                ra.response_time = now - kDay;
                ra.email = {room->display_name, room->upn};
                f.attendees.push_back(ra);
            }
            // Recurring series with exceptions and cancelled occurrences.
            if (prng.chance(22) && !f.is_all_day) {
                ev.is_series = true;
                Recurrence& r = ev.recurrence;
                const TimeZoneInfo* z = zone ? zone : &utcZone();
                r.time_zone = z->windows;
                const std::int64_t local_day = utcToLocal(*z, f.start) / kDay;
                r.start_date = local_day;
                const int pattern = static_cast<int>(prng.below(10));
                if (pattern < 2) {
                    r.pattern_type = "daily";
                } else if (pattern < 8) {
                    r.pattern_type = "weekly";
                    r.interval = prng.chance(25) ? 2 : 1;
                    r.days_of_week.push_back(weekday(local_day));
                } else if (pattern < 9) {
                    r.pattern_type = "absoluteMonthly";
                    int y = 0;
                    unsigned mo = 0, d = 0;
                    civilFromDays(local_day, y, mo, d);
                    r.day_of_month = static_cast<int>(d);
                } else {
                    r.pattern_type = "relativeMonthly";
                    r.days_of_week.push_back(weekday(local_day));
                    int y = 0;
                    unsigned mo = 0, d = 0;
                    civilFromDays(local_day, y, mo, d);
                    static const char* kIndex[] = {"first", "second", "third", "fourth", "last"};
                    r.index = kIndex[std::min<unsigned>((d - 1) / 7, 4)];
                }
                const int range = static_cast<int>(prng.below(3));
                if (range == 0) {
                    r.range_type = "endDate";
                    r.end_date = local_day + 60;
                } else if (range == 1) {
                    r.range_type = "numbered";
                    r.number_of_occurrences = 5 + static_cast<int>(prng.below(15));
                } else {
                    r.range_type = "noEnd";
                }
                auto starts = seriesStarts(ev, f.start, f.start + 120 * kDay);
                if (starts.size() > 3 && prng.chance(50)) {
                    OccurrenceOverride moved;
                    EventFields ef = f;
                    ef.start = starts[1] + 3600;
                    ef.end = ef.start + (f.end - f.start);
                    ef.subject = f.subject + " (moved)";
                    moved.fields = ef;
                    moved.last_modified = now - kDay;
                    ev.overrides[starts[1]] = moved;
                    OccurrenceOverride cancelled;
                    cancelled.cancelled = true;
                    ev.overrides[starts[2]] = cancelled;
                }
            }
            ev.created = now - static_cast<Seconds>(10 + prng.below(30)) * kDay;
            ev.last_modified = ev.created + static_cast<Seconds>(prng.below(5)) * kDay;
            if (room) {
                // The room's copy: same meeting, its own id, accepted by the room.
                Event copy = ev;
                copy.core = newEventCore(prng);
                copy.id = "AAMkAG" + copy.core + "=";
                copy.fields.is_organizer = false;
                copy.fields.response = "accepted";
                copy.fields.response_time = now - kDay;
                for (auto& o : copy.overrides)
                    if (o.second.fields) o.second.fields->is_organizer = false;
                std::unique_lock lock(room->mutex);
                Tenant::insertEvent(*room, std::move(copy));
            }
            std::unique_lock lock(owner.mutex);
            Tenant::insertEvent(owner, std::move(ev));
        }
    }
}

}  // namespace calconn::graphsim
