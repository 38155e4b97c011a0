// Builders for realistic invitation bodies (Outlook/Teams, Zoom, Webex, Google Meet blocks) and for
// the link rewriting of mail gateways, shared by the detector tests and the benchmark corpus.
// Hosts, tenants and numbers are made up; shapes follow research/linkdetect.md §3-§4.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

namespace calconn::detect::testing {

inline const std::string kTeamsJoin =
    "https://teams.microsoft.com/l/meetup-join/19%3ameeting_NzQ3ZTg2ZjAtYjM1Ni00ZWIyLWE5NTEtZjA1YjA2YjY4NDQ4"
    "%40thread.v2/0?context=%7b%22Tid%22%3a%2272f988bf-86f1-41af-91ab-2d7cd011db47%22%2c%22Oid%22%3a"
    "%22a4b7c8d9-1111-2222-3333-444455556666%22%7d";
inline const std::string kZoomJoin = "https://us02web.zoom.us/j/84412365098?pwd=Q2xWbHlSa3VxT0FqZ0RkZz09";
inline const std::string kWebexJoin = "https://acme.webex.com/acme/j.php?MTID=m0123456789abcdef0123456789abcdef";
inline const std::string kMeetJoin = "https://meet.google.com/abc-defg-hij";

inline std::string htmlEscape(std::string_view s) {
    std::string out;
    for (char c : s) {
        if (c == '&') out += "&amp;";
        else if (c == '"') out += "&quot;";
        else if (c == '<') out += "&lt;";
        else if (c == '>') out += "&gt;";
        else out += c;
    }
    return out;
}

inline std::string anchor(std::string_view href, std::string_view text, std::string_view extra = {}) {
    return "<a href=\"" + htmlEscape(href) + "\"" + std::string(extra) +
           " style=\"color:#5B5FC7;text-decoration:underline\" target=\"_blank\" rel=\"noreferrer noopener\">" +
           std::string(text) + "</a>";
}

inline std::string hex2(unsigned char c, bool upper = true) {
    char buf[4];
    std::snprintf(buf, sizeof buf, upper ? "%02X" : "%02x", c);
    return buf;
}

// Percent-encodes everything but unreserved characters (what Safe Links and Cisco do).
inline std::string encodeAll(std::string_view s, bool upper = true) {
    std::string out;
    for (char c : s) {
        auto u = static_cast<unsigned char>(c);
        if ((u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') || c == '-' || c == '.' ||
            c == '_' || c == '~') {
            out += c;
        } else {
            out += '%';
            out += hex2(u, upper);
        }
    }
    return out;
}

inline std::string safeLinks(std::string_view url, std::string_view host = "nam12.safelinks.protection.outlook.com",
                             std::string_view path = "/") {
    return "https://" + std::string(host) + std::string(path) + "?url=" + encodeAll(url) +
           "&data=05%7C02%7Cada%40contoso.com%7C1b2c3d4e5f6a4b7c8d9e08dc0f1e2d3c%7C72f988bf86f141af91ab2d7cd011db47"
           "%7C0%7C0%7C638400000000000000%7CUnknown%7CTWFpbGZsb3d8eyJWIjoiMC4wLjAwMDAifQ%3D%3D%7C0%7C%7C%7C"
           "&sdata=kq2Yf8m1sV7nX0%2FqZC4wbU9n5cXo2S3Q7d%2B0aTg1mF8%3D&reserved=0";
}

inline std::string proofpointV1(std::string_view url) {
    return "https://urldefense.proofpoint.com/v1/url?u=" + encodeAll(url) +
           "&k=oIvRg1%2BdGAgOoM1BIlLLqw%3D%3D%0A&r=abc%0A&m=def%0A&s=0123456789abcdef";
}

inline std::string proofpointV2(std::string_view url) {
    std::string out;
    for (char c : url) {
        auto u = static_cast<unsigned char>(c);
        if ((u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') || c == '.') out += c;
        else if (c == '/') out += '_';
        else {
            out += '-';
            out += hex2(u);
        }
    }
    return "https://urldefense.proofpoint.com/v2/url?u=" + out +
           "&d=DwMFaQ&c=euGZstcaTDllvimEN8b7jXrwqOf-v5A_CdpgnVfiiMM&r=abc&m=def&s=ghi&e=";
}

// v3: every '%' and '#' of the target is replaced by '*' and carried in the base64 trailer.
inline std::string proofpointV3(std::string_view url) {
    std::string target;
    std::string removed;
    for (char c : url) {
        if (c == '%' || c == '#') {
            target += '*';
            removed += c;
        } else {
            target += c;
        }
    }
    static const char* kB64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string b64;
    unsigned int buffer = 0;
    int bits = 0;
    for (char c : removed) {
        buffer = (buffer << 8) | static_cast<unsigned char>(c);
        bits += 8;
        while (bits >= 6) {
            bits -= 6;
            b64 += kB64[(buffer >> bits) & 0x3F];
        }
    }
    if (bits > 0) b64 += kB64[(buffer << (6 - bits)) & 0x3F];
    return "https://urldefense.com/v3/__" + target + "__;" + b64 + "!!ACWV5N9M2RV99hQ!Mfd3k2_sig$";
}

inline std::string ciscoSecure(std::string_view url) {
    return "https://secure-web.cisco.com/1q2W3e4R5t6Y7u8I9o0P-aSdFgHjKlZxCvBnM_qwerty/" + encodeAll(url);
}

inline std::string barracuda(std::string_view url) {
    return "https://linkprotect.cudasvc.com/url?a=" + encodeAll(url, false) + "&c=E,1,aBcDeFgHiJ,,&typo=1";
}

inline std::string googleRedirect(std::string_view url) {
    std::string q;
    for (char c : url) {
        if (c == '=') q += "%3D";
        else if (c == '&') q += "%26";
        else if (c == '#') q += "%23";
        else q += c;
    }
    return "https://www.google.com/url?q=" + q + "&sa=D&source=calendar&ust=1701000000000000&usg=AOvVaw3xyz";
}

inline std::string mimecast(std::string_view domain) {
    return "https://protect-eu.mimecast.com/s/AbCdEfGhIjKlMnOp?domain=" + std::string(domain);
}

inline const std::string kOutlookHead =
    "<html><head>\r\n<meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\">\r\n"
    "<style type=\"text/css\" style=\"display:none;\"> P {margin-top:0;margin-bottom:0;} "
    "a[href^=\"https://zoom.us/j/999\"] {color:red} </style>\r\n</head>\r\n<body dir=\"ltr\">\r\n";
inline const std::string kOutlookTail = "</body>\r\n</html>\r\n";

inline std::string agendaHtml(int paragraphs) {
    std::string out;
    for (int i = 0; i < paragraphs; ++i) {
        out += "<div class=\"elementToProof\" style=\"font-family: Aptos, Calibri, Helvetica, sans-serif; "
               "font-size: 12pt; color: rgb(0, 0, 0);\">Item " + std::to_string(i + 1) +
               ": review the roadmap, budget &amp; staffing for Q" + std::to_string(i % 4 + 1) +
               " &ndash; owners to bring numbers; notes from last week&#39;s call are in the shared folder.</div>\r\n";
    }
    return out;
}

inline std::string agendaText(int paragraphs) {
    std::string out;
    for (int i = 0; i < paragraphs; ++i) {
        out += "Item " + std::to_string(i + 1) + ": review the roadmap, budget & staffing for Q" +
               std::to_string(i % 4 + 1) + " - owners to bring numbers; notes from last week's call are\r\n"
               "in the shared folder. Contact: ada.lovelace@contoso.com, +1 (206) 555-0100 (office).\r\n";
    }
    return out;
}

inline const std::string kTeamsRule =
    "<div style=\"width:100%\"><span style=\"white-space:nowrap;color:#5F5F5F;opacity:.36\">"
    "________________________________________________________________________________</span></div>\r\n";

// The block Teams inserts into an Outlook invitation (HTML). `cvi` is e.g. "contoso@m.webex.com".
inline std::string teamsHtml(std::string_view join_href, std::string_view cvi = {}, std::string_view anchor_extra = {}) {
    std::string out = kTeamsRule;
    out += "<div class=\"me-email-text\" lang=\"en-US\" style=\"color:#252424;font-family:'Segoe UI','Helvetica Neue',"
           "Helvetica,Arial,sans-serif\">\r\n<div style=\"margin-top:24px;margin-bottom:20px\"><span style=\"font-size:24px;"
           "color:#252424\">Microsoft Teams <a id=\"meet_invite_block.action.help\" class=\"me-email-link\" "
           "href=\"https://aka.ms/JoinTeamsMeeting?omkt=en-US\">Need help?</a></span></div>\r\n"
           "<div style=\"margin-bottom:6px\">";
    out += "<a id=\"meet_invite_block.action.join_link\" class=\"me-email-headline\" href=\"" + htmlEscape(join_href) + "\"" +
           std::string(anchor_extra) + " target=\"_blank\" rel=\"noreferrer noopener\">Join the meeting now</a></div>\r\n";
    out += "<div style=\"margin-bottom:6px\"><span class=\"me-email-text-secondary\">Meeting ID: </span><span "
           "class=\"me-email-text\">239 614 728 910 54</span></div>\r\n<div style=\"margin-bottom:32px\"><span "
           "class=\"me-email-text-secondary\">Passcode: </span><span class=\"me-email-text\">xB3Ko9Yz</span></div>\r\n"
           "<div style=\"margin-bottom:32px;max-width:532px\"><hr style=\"border:0;background:#D1D1D1;height:1px\"></div>\r\n"
           "<div><span class=\"me-email-text-secondary\">Dial in by phone</span></div>\r\n<div style=\"margin-bottom:6px\">"
           "<a class=\"me-email-link\" href=\"tel:+13125550188,,472915306#\">+1 312-555-0188,,472915306#</a><span> United "
           "States, Chicago</span></div>\r\n<div style=\"margin-bottom:6px\"><a class=\"me-email-link\" "
           "href=\"https://dialin.teams.microsoft.com/8551f4c1-bea3-441a-8738-69aa517a91c5?id=472915306\">Find a local "
           "number</a></div>\r\n<div style=\"margin-bottom:32px\"><span class=\"me-email-text-secondary\">Phone conference "
           "ID: </span><span class=\"me-email-text\">472 915 306#</span></div>\r\n";
    if (!cvi.empty()) {
        out += "<div><span class=\"me-email-text-secondary\">Join on a video conferencing device</span></div>\r\n"
               "<div><span class=\"me-email-text-secondary\">Tenant key: </span><a class=\"me-email-link\" href=\"mailto:" +
               std::string(cvi) + "\">" + std::string(cvi) + "</a></div>\r\n<div style=\"margin-bottom:32px\"><span "
               "class=\"me-email-text-secondary\">Video ID: </span><span class=\"me-email-text\">115 412 345 6</span></div>\r\n"
               "<div><a class=\"me-email-link\" href=\"https://www.webex.com/msteams?confid=1154123456&amp;tenantkey=contoso"
               "&amp;domain=m.webex.com\">More info</a></div>\r\n";
    }
    out += "<div style=\"margin-bottom:24px\"><span class=\"me-email-text-secondary\">For organizers: </span>"
           "<a class=\"me-email-link\" href=\"https://teams.microsoft.com/meetingOptions/?organizerId=a4b7c8d9-1111-2222-"
           "3333-444455556666&amp;tenantId=72f988bf-86f1-41af-91ab-2d7cd011db47&amp;threadId=19_meeting_NzQ3ZTg2@thread.v2"
           "&amp;messageId=0&amp;language=en-US\">Meeting options</a> | <a class=\"me-email-link\" "
           "href=\"https://dialin.teams.microsoft.com/usp/pstnconferencing\">Reset dial-in PIN</a></div>\r\n</div>\r\n";
    out += kTeamsRule;
    return out;
}

// The text rendition of the Teams block (Graph text body, ICS DESCRIPTION): Label<URL>.
inline std::string teamsText(std::string_view join_url, std::string_view cvi = {}) {
    std::string out = "________________________________________________________________________________\r\n"
                      "Microsoft Teams Need help?<https://aka.ms/JoinTeamsMeeting?omkt=en-US>\r\n"
                      "Join the meeting now<" + std::string(join_url) + ">\r\n"
                      "Meeting ID: 239 614 728 910 54\r\nPasscode: xB3Ko9Yz\r\n"
                      "________________________________\r\nDial in by phone\r\n"
                      "+1 312-555-0188,,472915306#<tel:+13125550188,,472915306#> United States, Chicago\r\n"
                      "Find a local number<https://dialin.teams.microsoft.com/8551f4c1-bea3-441a-8738-69aa517a91c5?id=472915306>\r\n"
                      "Phone conference ID: 472 915 306#\r\n";
    if (!cvi.empty()) {
        out += "Join on a video conferencing device\r\nTenant key: " + std::string(cvi) + "<mailto:" + std::string(cvi) +
               ">\r\nVideo ID: 115 412 345 6\r\nMore info<https://www.webex.com/msteams?confid=1154123456&tenantkey=contoso&domain=m.webex.com>\r\n";
    }
    out += "For organizers: Meeting options<https://teams.microsoft.com/meetingOptions/?organizerId=a4b7c8d9&tenantId=72f988bf"
           "&threadId=19_meeting_NzQ3@thread.v2&messageId=0&language=en-US> | Reset dial-in PIN<https://dialin.teams.microsoft."
           "com/usp/pstnconferencing>\r\n________________________________________________________________________________\r\n";
    return out;
}

inline std::string zoomText(std::string_view join_url = kZoomJoin) {
    return "Jane Doe is inviting you to a scheduled Zoom meeting.\r\n\r\nTopic: Quarterly planning\r\n"
           "Time: Dec 3, 2026 10:00 AM Central Time (US and Canada)\r\n\r\nJoin Zoom Meeting\r\n" +
           std::string(join_url) +
           "\r\n\r\nMeeting ID: 844 1236 5098\r\nPasscode: 731905\r\n\r\n---\r\n\r\nOne tap mobile\r\n"
           "+16469313860,,84412365098#,,,,*731905# US\r\n+13017158592,,84412365098#,,,,*731905# US (Washington DC)\r\n\r\n"
           "---\r\n\r\nDial by your location\r\n\xE2\x80\xA2 +1 646 931 3860 US\r\n\xE2\x80\xA2 +1 301 715 8592 US (Washington DC)\r\n\r\n"
           "Meeting ID: 844 1236 5098\r\nPasscode: 731905\r\n\r\nFind your local number: https://us02web.zoom.us/u/kdWxQ4Ab8\r\n\r\n"
           "---\r\n\r\nJoin by SIP\r\n\xE2\x80\xA2 84412365098@zoomcrc.com\r\n\r\n---\r\n\r\nJoin by H.323\r\n"
           "\xE2\x80\xA2 162.255.37.11 (US West)\r\n\xE2\x80\xA2 162.255.36.11 (US East)\r\nMeeting ID: 844 1236 5098\r\n"
           "Passcode: 731905\r\n\r\n";
}

inline std::string zoomHtml(std::string_view join_href = kZoomJoin) {
    return "<div><p>Jane Doe is inviting you to a scheduled Zoom meeting.</p><p>Topic: Quarterly planning<br>Time: Dec 3, "
           "2026 10:00 AM Central Time</p><p><b>Join Zoom Meeting</b><br>" + anchor(join_href, std::string(kZoomJoin.substr(0, 40)) + "...") +
           "</p><p>Meeting ID: 844 1236 5098<br>Passcode: 731905</p><p>One tap mobile<br>" +
           anchor("tel:+16469313860,,84412365098#,,,,*731905#", "+16469313860,,84412365098#,,,,*731905#") + " US</p>"
           "<p>Find your local number: " + anchor("https://us02web.zoom.us/u/kdWxQ4Ab8", "https://us02web.zoom.us/u/kdWxQ4Ab8") +
           "</p><p>Join by SIP<br>" + anchor("mailto:84412365098@zoomcrc.com", "84412365098@zoomcrc.com") + "</p></div>";
}

inline std::string webexText(std::string_view join_url = kWebexJoin) {
    return "Acme Corp is inviting you to a Webex meeting.\r\n\r\nJoin meeting\r\n" + std::string(join_url) +
           "\r\n\r\nMore ways to join:\r\n\r\nJoin by meeting number\r\nMeeting number (access code): 2635 128 4471\r\n"
           "Meeting password: Qx7mPa3Hk2z (79762372 from phones and video systems)\r\n\r\n"
           "Tap to join from a mobile device (attendees only)\r\n+1-415-655-0001,,26351284471#79762372# US Toll\r\n\r\n"
           "Join by phone\r\n+1-415-655-0001 US Toll\r\nGlobal call-in numbers\r\n"
           "https://acme.webex.com/acme/globalcallin.php?MTID=m5f6e7d8c9b0a\r\n\r\n"
           "Join from a video system or application\r\nDial 26351284471@acme.webex.com\r\n"
           "You can also dial 173.243.2.68 and enter your meeting number.\r\n\r\n"
           "Join using Microsoft Lync or Microsoft Skype for Business\r\nDial 26351284471.acme@lync.webex.com\r\n\r\n"
           "Need help? Go to https://help.webex.com\r\n";
}

inline std::string webexHtml(std::string_view join_href = kWebexJoin) {
    return "<table><tr><td><p>Acme Corp is inviting you to a Webex meeting.</p></td></tr><tr><td>" +
           anchor(join_href, "<span style=\"color:#ffffff\">Join meeting</span>") +
           "</td></tr><tr><td><p>More ways to join:</p><p>Join by meeting number<br>Meeting number (access code): 2635 128 4471"
           "</p><p>Join from a video system or application<br>Dial " + anchor("sip:26351284471@acme.webex.com", "26351284471@acme.webex.com") +
           "</p><p>Global call-in numbers: " + anchor("https://acme.webex.com/acme/globalcallin.php?MTID=m5f6e7d8c9b0a", "here") +
           "</p><p>Need help? Go to " + anchor("https://help.webex.com", "https://help.webex.com") + "</p></td></tr></table>";
}

inline std::string meetText(std::string_view code = "abc-defg-hij") {
    return "-::~:~::~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~::~:~::-\r\n"
           "Join with Google Meet: https://meet.google.com/" + std::string(code) + "\r\n"
           "Or dial: (US) +1 347-555-0162 PIN: 418 206 935#\r\n"
           "More phone numbers: https://tel.meet/" + std::string(code) + "?pin=4182069351234\r\n\r\n"
           "Learn more about Meet at: https://support.google.com/a/users/answer/9282720\r\n\r\n"
           "Please do not edit this section.\r\n"
           "-::~:~::~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~::~:~::-\r\n";
}

inline std::string html(std::string_view inner) { return kOutlookHead + std::string(inner) + kOutlookTail; }

}  // namespace calconn::detect::testing
