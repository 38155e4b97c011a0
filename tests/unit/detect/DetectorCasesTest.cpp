// Data-driven invitation cases: every service, gateway and pitfall of research/linkdetect.md,
// each with the expected service, URI and dial string. Negative cases expect no join target.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "Invitations.h"
#include "detect/Detector.h"
#include "detect/Explain.h"

namespace calconn::detect {
namespace {

using namespace testing;  // NOLINT: the builders

struct Case {
    std::string name;
    std::string location;
    std::string body;
    BodyType type = BodyType::Text;
    std::string service;  // "" = null
    std::string uri;      // "" = null
    std::string dial = "*";  // "number|PROTOCOL", "" = null, "*" = not checked
    std::string keyword;  // "" = null
    std::string join_url; // Graph onlineMeeting.joinUrl
    bool negative = false;
};

Case mk(std::string name, std::string location, std::string body, BodyType type, std::string service,
        std::string uri, std::string dial = "*", std::string keyword = "", std::string join_url = "",
        bool negative = false) {
    Case k;
    k.name = std::move(name);
    k.location = std::move(location);
    k.body = std::move(body);
    k.type = type;
    k.service = std::move(service);
    k.uri = std::move(uri);
    k.dial = std::move(dial);
    k.keyword = std::move(keyword);
    k.join_url = std::move(join_url);
    k.negative = negative;
    return k;
}

std::vector<Case> buildCases() {
    std::vector<Case> c;
    const auto H = BodyType::Html;
    const auto T = BodyType::Text;
    const std::string teamsShort = "https://teams.microsoft.com/meet/23961472891054?p=xB3Ko9Yz";
    const std::string zoomNoPwd = "https://us02web.zoom.us/j/84412365098";

    // ---- Microsoft Teams ----
    c.push_back(mk("TeamsHtmlBlock", "Microsoft Teams Meeting", html(agendaHtml(3) + teamsHtml(kTeamsJoin)), H, "teams", kTeamsJoin, kTeamsJoin + "|WebRTC"));
    c.push_back(mk("TeamsHtmlBlockNoLocation", "", html(teamsHtml(kTeamsJoin)), H, "teams", kTeamsJoin, kTeamsJoin + "|WebRTC"));
    c.push_back(mk("TeamsTextBlock", "Microsoft Teams Meeting", agendaText(2) + teamsText(kTeamsJoin), T, "teams", kTeamsJoin));
    c.push_back(mk("TeamsRoomAndPlaceholder", "Room 2.17; Microsoft Teams Meeting", html(teamsHtml(kTeamsJoin)), H, "teams", kTeamsJoin));
    c.push_back(mk("TeamsCviCisco", "Microsoft Teams Meeting", html(teamsHtml(kTeamsJoin, "contoso@m.webex.com")), H, "teams", kTeamsJoin, "1154123456.contoso@m.webex.com|SIP"));
    c.push_back(mk("TeamsCviPoly", "Microsoft Teams Meeting", html(teamsHtml(kTeamsJoin, "813878896@t.plcm.vc")), H, "teams", kTeamsJoin, "813878896.1154123456@t.plcm.vc|SIP"));
    c.push_back(mk("TeamsCviText", "Microsoft Teams Meeting", teamsText(kTeamsJoin, "813878896@t.plcm.vc"), T, "teams", kTeamsJoin, "813878896.1154123456@t.plcm.vc|SIP"));
    c.push_back(mk("TeamsCviPexipLabelled", "", teamsText(kTeamsJoin, "teams@video.contoso.com"), T, "teams", kTeamsJoin, "*"));
    c.push_back(mk("TeamsGccHigh", "", html(teamsHtml("https://gov.teams.microsoft.us/l/meetup-join/19%3ameeting_ZGQ1%40thread.v2/0?context=%7b%22Tid%22%3a%22a1%22%7d")), H, "teams", "https://gov.teams.microsoft.us/l/meetup-join/19%3ameeting_ZGQ1%40thread.v2/0?context=%7b%22Tid%22%3a%22a1%22%7d"));
    c.push_back(mk("TeamsDod", "", "Join: https://dod.teams.microsoft.us/l/meetup-join/19%3ameeting_QQ%40thread.v2/0?context=%7b%7d\r\n", T, "teams", "https://dod.teams.microsoft.us/l/meetup-join/19%3ameeting_QQ%40thread.v2/0?context=%7b%7d"));
    c.push_back(mk("TeamsLive", "", "Join the meeting: https://teams.live.com/meet/9412345678901?p=AbCdEf123\r\n", T, "teams", "https://teams.live.com/meet/9412345678901?p=AbCdEf123"));
    c.push_back(mk("TeamsChannelMeeting", "", html(teamsHtml("https://teams.microsoft.com/l/meetup-join/19%3a4f1c2e3d5a6b7c8d9e0f%40thread.tacv2/1700000000000?context=%7b%22Tid%22%3a%22t%22%7d")), H, "teams", "https://teams.microsoft.com/l/meetup-join/19%3a4f1c2e3d5a6b7c8d9e0f%40thread.tacv2/1700000000000?context=%7b%22Tid%22%3a%22t%22%7d"));
    c.push_back(mk("TeamsShortLinkJoinLabel", "", "Microsoft Teams meeting\r\nJoin: " + teamsShort + "\r\nMeeting ID: 239 614 728 910 54\r\nPasscode: xB3Ko9Yz\r\n\r\nSystem reference: " + kTeamsJoin + "\r\n", T, "teams", teamsShort));
    c.push_back(mk("TeamsShortLinkHtmlSystemRefLater", "", html("<p>Join: " + anchor(teamsShort, teamsShort) + "</p><p>" + anchor(kTeamsJoin, "System reference") + "</p>"), H, "teams", teamsShort));
    c.push_back(mk("TeamsSystemReferenceFirst", "", html("<p>" + anchor(kTeamsJoin, "System reference") + "</p><p>" + anchor(teamsShort, "Join the meeting now") + "</p>"), H, "teams", teamsShort));
    c.push_back(mk("TeamsShortWithoutPasscodeFallsBack", "", "Join: https://teams.microsoft.com/meet/23961472891054\r\nSystem reference: " + kTeamsJoin + "\r\n", T, "teams", kTeamsJoin));
    c.push_back(mk("TeamsLauncherV2", "", "Join: https://teams.microsoft.com/v2/?meetingjoin=true#/l/meetup-join/19:meeting_abc@thread.v2/0?anon=true\r\n", T, "teams", "https://teams.microsoft.com/v2/?meetingjoin=true#/l/meetup-join/19:meeting_abc@thread.v2/0?anon=true"));
    c.push_back(mk("TeamsDlLauncher", "", "Join: https://teams.microsoft.com/dl/launcher/launcher.html?url=%2F_%23%2Fl%2Fmeetup-join%2F19%3Ameeting_abc%40thread.v2%2F0&type=meetup-join\r\n", T, "teams", "https://teams.microsoft.com/dl/launcher/launcher.html?url=%2F_%23%2Fl%2Fmeetup-join%2F19%3Ameeting_abc%40thread.v2%2F0&type=meetup-join"));
    c.push_back(mk("TeamsOnlineMeetingOnly", "Microsoft Teams Meeting", "", H, "teams", kTeamsJoin, kTeamsJoin + "|WebRTC", "", kTeamsJoin));
    c.push_back(mk("TeamsOnlineMeetingBeatsStaleZoom", "", "Backup: " + kZoomJoin + "\r\n", T, "teams", kTeamsJoin, "*", "", kTeamsJoin));
    c.push_back(mk("TeamsPlaceholderNoLink", "Microsoft Teams Meeting", "Agenda only.", T, "teams", "", ""));
    c.push_back(mk("TeamsPlaceholderGerman", "Microsoft Teams-Besprechung", "", H, "teams", "", ""));
    c.push_back(mk("TeamsPlaceholderFrench", "Réunion Microsoft Teams; Salle 3", "<p>Ordre du jour</p>", H, "teams", "", ""));
    c.push_back(mk("TeamsPlaceholderBeatsBackupZoom", "Microsoft Teams Meeting", html("<p>If Teams fails use " + anchor(kZoomJoin, "backup Zoom") + "</p>" + teamsHtml(kTeamsJoin)), H, "teams", kTeamsJoin));
    c.push_back(mk("TeamsTextWrappedInAngles", "", "Join the meeting now<https://teams.microsoft.com/l/meetup-join/19%3ameeting_NzQ3ZTg2ZjAt\r\n YjM1Ni00ZWIy%40thread.v2/0?context=%7b%22Tid%22%3a%22t%22%7d>\r\n", T, "teams", "https://teams.microsoft.com/l/meetup-join/19%3ameeting_NzQ3ZTg2ZjAtYjM1Ni00ZWIy%40thread.v2/0?context=%7b%22Tid%22%3a%22t%22%7d"));
    c.push_back(mk("TeamsTextHardWrapped", "", "Click here to join the meeting\r\nhttps://teams.microsoft.com/l/meetup-join/19%3ameeting_NzQ3ZTg2ZjAtYjM1Ni00ZWIy%40thread.v2/0?cont\r\next=%7b%22Tid%22%3a%22t%22%7d\r\n\r\nMeeting ID: 1\r\n", T, "teams", "https://teams.microsoft.com/l/meetup-join/19%3ameeting_NzQ3ZTg2ZjAtYjM1Ni00ZWIy%40thread.v2/0?context=%7b%22Tid%22%3a%22t%22%7d"));
    c.push_back(mk("TeamsMsteamsScheme", "", "Open in app: msteams:/l/meetup-join/19%3ameeting_abc%40thread.v2/0\r\n", T, "teams", "msteams:/l/meetup-join/19%3ameeting_abc%40thread.v2/0"));
    c.push_back(mk("TeamsLightMeetings", "", "Join: https://teams.microsoft.com/light-meetings/launch?agent=web&version=23&coords=eyJtZWV0aW5nVXJsIjoi\r\n", T, "teams", "https://teams.microsoft.com/light-meetings/launch?agent=web&version=23&coords=eyJtZWV0aW5nVXJsIjoi"));
    c.push_back(mk("TeamsLocaleDutchPlaceholder", "Microsoft Teams-vergadering", html(teamsHtml(kTeamsJoin)), H, "teams", kTeamsJoin));

    // ---- Zoom ----
    c.push_back(mk("ZoomTextInvite", "", agendaText(1) + zoomText(), T, "zoom", kZoomJoin, "84412365098.731905@zoomcrc.com|SIP"));
    c.push_back(mk("ZoomHtmlInvite", "", html(zoomHtml()), H, "zoom", kZoomJoin, "84412365098.731905@zoomcrc.com|SIP"));
    c.push_back(mk("ZoomLocationUrl", kZoomJoin, html(agendaHtml(2)), H, "zoom", kZoomJoin, "84412365098@zoomcrc.com|SIP"));
    c.push_back(mk("ZoomLocationWithoutPwdBodyWithPwd", zoomNoPwd, zoomText(), T, "zoom", kZoomJoin, "84412365098.731905@zoomcrc.com|SIP"));
    c.push_back(mk("ZoomPlaceholderAndBody", "Zoom Meeting", zoomText(), T, "zoom", kZoomJoin));
    c.push_back(mk("ZoomVanitySubdomain", "", "Join Zoom Meeting\r\nhttps://acme.zoom.us/j/91234567890?pwd=aGVsbG8\r\n", T, "zoom", "https://acme.zoom.us/j/91234567890?pwd=aGVsbG8", "91234567890@zoomcrc.com|SIP"));
    c.push_back(mk("ZoomPersonalLink", "", "Join Zoom Meeting\r\nhttps://zoom.us/my/ada.lovelace\r\n", T, "zoom", "https://zoom.us/my/ada.lovelace", ""));
    c.push_back(mk("ZoomWebinar", "", "Please click the link below to join the webinar:\r\nhttps://us06web.zoom.us/w/81234567890?tk=abc.def&pwd=xyz\r\n", T, "zoom", "https://us06web.zoom.us/w/81234567890?tk=abc.def&pwd=xyz"));
    c.push_back(mk("ZoomGov", "", "Join ZoomGov Meeting\r\nhttps://www.zoomgov.com/j/1601234567?pwd=Zm9v\r\n", T, "zoom", "https://www.zoomgov.com/j/1601234567?pwd=Zm9v", ""));
    c.push_back(mk("ZoomDotCom", "", "Join: https://app.zoom.com/j/84412365098?pwd=abc\r\n", T, "zoom", "https://app.zoom.com/j/84412365098?pwd=abc"));
    c.push_back(mk("ZoomX", "", "Join: https://zoom-x.de/j/61234567890?pwd=abc\r\n", T, "zoom", "https://zoom-x.de/j/61234567890?pwd=abc"));
    c.push_back(mk("ZoomWebClient", "", "Join from browser: https://zoom.us/wc/join/84412365098\r\n", T, "zoom", "https://zoom.us/wc/join/84412365098"));
    c.push_back(mk("ZoomAppScheme", "", "zoommtg://zoom.us/join?action=join&confno=84412365098&pwd=abc\r\n", T, "zoom", "zoommtg://zoom.us/join?action=join&confno=84412365098&pwd=abc"));
    c.push_back(mk("ZoomEvents", "", "Join: https://events.zoom.us/ejl/AhXyZ123/abc\r\n", T, "zoom", "https://events.zoom.us/ejl/AhXyZ123/abc"));
    c.push_back(mk("ZoomSipInLocation", "sip:84412365098@zoomcrc.com", "", T, "zoom", "sip:84412365098@zoomcrc.com", "84412365098@zoomcrc.com|SIP"));
    c.push_back(mk("ZoomAmpersandInHref", "", html("<p>Join Zoom Meeting<br><a href=\"https://us02web.zoom.us/j/84412365098?pwd=Q2xW&amp;from=addon\">Join</a></p>"), H, "zoom", "https://us02web.zoom.us/j/84412365098?pwd=Q2xW&from=addon"));
    c.push_back(mk("ZoomLocationSchemeless", "zoom.us/j/84412365098?pwd=abc", "", T, "zoom", "https://zoom.us/j/84412365098?pwd=abc"));
    c.push_back(mk("ZoomH323Only", "", "Join by H.323\r\n162.255.37.11 (US West)\r\nMeeting ID: 844 1236 5098\r\n", T, "sip", "h323:162.255.37.11##84412365098", "162.255.37.11##84412365098|H323"));
    c.push_back(mk("ZoomSipPasscodeForm", "", "Join by SIP\r\n84412365098.731905@zoomcrc.com\r\n", T, "zoom", "sip:84412365098.731905@zoomcrc.com", "84412365098.731905@zoomcrc.com|SIP"));

    // ---- Webex ----
    c.push_back(mk("WebexTextInvite", "", webexText(), T, "webex", kWebexJoin, "26351284471@acme.webex.com|SIP"));
    c.push_back(mk("WebexHtmlInvite", "", html(webexHtml()), H, "webex", kWebexJoin, "26351284471@acme.webex.com|SIP"));
    c.push_back(mk("WebexPersonalRoom", "", "Join my Webex personal room: https://acme.webex.com/meet/ada.lovelace\r\n", T, "webex", "https://acme.webex.com/meet/ada.lovelace", "ada.lovelace@acme.webex.com|SIP"));
    c.push_back(mk("WebexPersonalRoomLocation", "https://acme.webex.com/meet/ada", "", H, "webex", "https://acme.webex.com/meet/ada", "ada@acme.webex.com|SIP"));
    c.push_back(mk("WebexSipLocation", "sip:26351284471@acme.webex.com", "", T, "webex", "sip:26351284471@acme.webex.com", "26351284471@acme.webex.com|SIP"));
    c.push_back(mk("WebexEventLink", "", "Join event: https://acme.webex.com/acme/e.php?MTID=m9f8e7d6c5b4a39281706f5e4d3c2b1a0\r\n", T, "webex", "https://acme.webex.com/acme/e.php?MTID=m9f8e7d6c5b4a39281706f5e4d3c2b1a0"));
    c.push_back(mk("WebexKeyword", "@webex", "", H, "webex", "", "", "@webex"));
    c.push_back(mk("WebexKeywordMeetIsWebex", "@meet", "", H, "webex", "", "", "@meet"));
    c.push_back(mk("WebexKeywordModifier", "Room 4B; @webex:myroom", "", H, "webex", "", "", "@webex:myroom"));
    c.push_back(mk("WebexKeywordSpace", "@meet:space", "Agenda", T, "webex", "", "", "@meet:space"));
    c.push_back(mk("WebexKeywordWithInsertedDetails", "@webex", webexText(), T, "webex", kWebexJoin, "26351284471@acme.webex.com|SIP", "@webex"));
    c.push_back(mk("WebexKeywordCaseInsensitive", "@WebEx", "", T, "webex", "", "", "@WebEx"));
    c.push_back(mk("WebexKeywordBeatsZoomLink", "@webex", zoomText(), T, "webex", "", "", "@webex"));
    c.push_back(mk("WebexLegacyCollabs", "", "Join: https://meetings.webex.com/collabs/meetings/join?uuid=M1234567890ABCDEF\r\n", T, "webex", "https://meetings.webex.com/collabs/meetings/join?uuid=M1234567890ABCDEF"));
    c.push_back(mk("WebexLabelledDialBare", "", "Join from a video system or application\r\nDial 26351284471@acme.webex.com\r\n", T, "webex", "sip:26351284471@acme.webex.com", "26351284471@acme.webex.com|SIP"));
    c.push_back(mk("WebexGreaterThanNotAppended", "", "Join meeting<https://acme.webex.com/acme/j.php?MTID=m0123456789abcdef0123456789abcdef>\r\n", T, "webex", kWebexJoin));

    // ---- Google Meet ----
    c.push_back(mk("MeetTextBlock", "", agendaText(1) + meetText(), T, "google_meet", kMeetJoin, kMeetJoin + "|WebRTC"));
    c.push_back(mk("MeetHtmlGoogleRedirect", "", html("<p>Join with Google Meet: " + anchor(googleRedirect(kMeetJoin), "meet.google.com/abc-defg-hij") + "</p>"), H, "google_meet", kMeetJoin));
    c.push_back(mk("MeetAuthuser", "", "Join with Google Meet: https://meet.google.com/abc-defg-hij?authuser=1&hs=122\r\n", T, "google_meet", "https://meet.google.com/abc-defg-hij?authuser=1&hs=122"));
    c.push_back(mk("MeetLookup", "", "Join: https://meet.google.com/lookup/teamstandup\r\n", T, "google_meet", "https://meet.google.com/lookup/teamstandup"));
    c.push_back(mk("MeetShortGco", "", "Join: https://g.co/meet/teamstandup\r\n", T, "google_meet", "https://g.co/meet/teamstandup"));
    c.push_back(mk("MeetPlaceholder", "Google Meet", "", T, "google_meet", "", ""));
    c.push_back(mk("MeetLocationUrl", kMeetJoin, meetText("xyz-abcd-efg"), T, "google_meet", kMeetJoin));
    c.push_back(mk("MeetUnderscorePrefix", "", "Join: https://meet.google.com/_meet/abc-defg-hij?ijlm=1\r\n", T, "google_meet", "https://meet.google.com/_meet/abc-defg-hij?ijlm=1"));

    // ---- Other services ----
    c.push_back(mk("GoToMeet", "", "Please join my meeting from your computer, tablet or smartphone.\r\nhttps://meet.goto.com/512345678\r\nAccess Code: 512-345-678\r\n", T, "gotomeeting", "https://meet.goto.com/512345678", ""));
    c.push_back(mk("GoToLegacy", "", "Join: https://global.gotomeeting.com/join/512345678\r\n", T, "gotomeeting", "https://global.gotomeeting.com/join/512345678"));
    c.push_back(mk("GoToApp", "", "Join: https://app.goto.com/meeting/512345678\r\n", T, "gotomeeting", "https://app.goto.com/meeting/512345678"));
    c.push_back(mk("BlueJeans", "", "To join the meeting on a computer or mobile phone: https://bluejeans.com/123456789/4321?src=calendarLink\r\n", T, "bluejeans", "https://bluejeans.com/123456789/4321?src=calendarLink"));
    c.push_back(mk("BlueJeansRoomSystem", "", "Join: https://bluejeans.com/123456789\r\nRoom system: 123456789@bjn.vc\r\n", T, "bluejeans", "https://bluejeans.com/123456789", "123456789@bjn.vc|SIP"));
    c.push_back(mk("Chime", "", "Click to join the meeting: https://chime.aws/1234567890\r\nMeeting ID: 1234 56 7890\r\n", T, "chime", "https://chime.aws/1234567890"));
    c.push_back(mk("ChimeApp", "", "Join: https://app.chime.aws/meetings/?pin=1234567890\r\n", T, "chime", "https://app.chime.aws/meetings/?pin=1234567890"));
    c.push_back(mk("Jitsi", "", "Join: https://meet.jit.si/AcmeWeeklySync\r\n", T, "jitsi", "https://meet.jit.si/AcmeWeeklySync"));
    c.push_back(mk("Jitsi8x8", "", "Join: https://8x8.vc/vpaas-magic-cookie-1234/AcmeSync\r\n", T, "jitsi", "https://8x8.vc/vpaas-magic-cookie-1234/AcmeSync"));
    c.push_back(mk("Whereby", "", "Join: https://whereby.com/acme-standup\r\n", T, "whereby", "https://whereby.com/acme-standup"));
    c.push_back(mk("WherebySubdomain", "", "Join: https://acme.whereby.com/design-review\r\n", T, "whereby", "https://acme.whereby.com/design-review"));
    c.push_back(mk("SlackHuddle", "", "Huddle: https://app.slack.com/huddle/T01ABCDEF/C02GHIJKL\r\n", T, "slack", "https://app.slack.com/huddle/T01ABCDEF/C02GHIJKL"));
    c.push_back(mk("RingCentralVideo", "", "Join: https://v.ringcentral.com/join/123456789\r\n", T, "ringcentral", "https://v.ringcentral.com/join/123456789"));
    c.push_back(mk("RingCentralLegacy", "", "Join: https://meetings.ringcentral.com/j/1234567890\r\n", T, "ringcentral", "https://meetings.ringcentral.com/j/1234567890"));
    c.push_back(mk("SkypeForBusinessOnline", "Skype Meeting", html("<p>" + anchor("https://meet.lync.com/contoso/ada/ABC12DEF", "Join Skype Meeting") + "</p>"), H, "skype_for_business", "https://meet.lync.com/contoso/ada/ABC12DEF"));
    c.push_back(mk("SkypeForBusinessOnPrem", "", "Join Skype Meeting<https://meet.contoso.com/ada/7HJ2K9QZ>\r\nConference ID: 12345678\r\n", T, "skype_for_business", "https://meet.contoso.com/ada/7HJ2K9QZ"));
    c.push_back(mk("SkypeForBusinessPlaceholderOnly", "Skype Meeting", "", T, "skype_for_business", "", ""));
    c.push_back(mk("GenericSipLocation", "sip:room-4b@video.contoso.com", "", T, "sip", "sip:room-4b@video.contoso.com", "room-4b@video.contoso.com|SIP"));
    c.push_back(mk("GenericSipParamsDropped", "", "Video: sip:vmr1234@vc.contoso.com;transport=tls?subject=x\r\n", T, "sip", "sip:vmr1234@vc.contoso.com", "vmr1234@vc.contoso.com|SIP"));
    c.push_back(mk("GenericSips", "", "Dial sips:conf42@pexip.contoso.com\r\n", T, "sip", "sip:conf42@pexip.contoso.com"));
    c.push_back(mk("GenericH323", "", "Room systems: h323:10.20.30.40##1234\r\n", T, "sip", "h323:10.20.30.40##1234", "10.20.30.40##1234|H323"));
    c.push_back(mk("SipInHtmlHref", "", html("<p>Video: " + anchor("sip:vmr99@vc.contoso.com", "vmr99@vc.contoso.com") + "</p>"), H, "sip", "sip:vmr99@vc.contoso.com", "vmr99@vc.contoso.com|SIP"));
    c.push_back(mk("PhoneTelWithCode", "", html("<p>Dial in: " + anchor("tel:+13125550188,,472915306#", "+1 312-555-0188,,472915306#") + "</p>"), H, "phone", "tel:+13125550188,,472915306#", ""));
    c.push_back(mk("PhoneLabelledAccessCode", "", "Dial-in: +1 206 555 0100 Access code: 123 456 789\r\n", T, "phone", "tel:+12065550100,,123456789#", ""));
    c.push_back(mk("PhoneGooglePin", "", "Or dial: (US) +1 347-555-0162 PIN: 418 206 935#\r\n", T, "phone", "tel:+13475550162,,418206935#", ""));
    c.push_back(mk("PhoneGoogleTelSemicolon", "", html("<p>" + anchor("tel:+1-929-555-0107;532811470%23", "+1 929-555-0107") + "</p>"), H, "phone", "tel:+19295550107,,532811470#"));
    c.push_back(mk("PhoneOneTap", "", "One tap mobile\r\n+16469313860,,84412365098#,,,,*731905# US\r\n", T, "phone", "tel:+16469313860,,84412365098#"));
    c.push_back(mk("WebBeatsPhone", "", "Dial-in: +1 206 555 0100 Access code: 123 456 789\r\nJoin: https://meet.goto.com/512345678\r\n", T, "gotomeeting", "https://meet.goto.com/512345678"));
    c.push_back(mk("SipBeatsPhone", "", "Dial: +1 206 555 0100 PIN: 123456\r\nVideo: sip:vmr1@vc.contoso.com\r\n", T, "sip", "sip:vmr1@vc.contoso.com"));

    // ---- Gateways ----
    c.push_back(mk("SafeLinksTextZoom", "", "Join Zoom Meeting\r\n" + safeLinks(kZoomJoin) + "\r\n", T, "zoom", kZoomJoin));
    c.push_back(mk("SafeLinksHtmlHref", "", html("<p>Join Zoom Meeting<br>" + anchor(safeLinks(kZoomJoin), "Join") + "</p>"), H, "zoom", kZoomJoin));
    c.push_back(mk("SafeLinksOriginalSrc", "", html(teamsHtml(safeLinks(kTeamsJoin, "eur03.safelinks.protection.outlook.com"), {}, " originalsrc=\"" + htmlEscape(kTeamsJoin) + "\" shash=\"abc\" data-auth=\"NotApplicable\"")), H, "teams", kTeamsJoin));
    c.push_back(mk("SafeLinksTeamsHtml", "Microsoft Teams Meeting", html(teamsHtml(safeLinks(kTeamsJoin, "nam06.safelinks.protection.outlook.com"))), H, "teams", kTeamsJoin));
    c.push_back(mk("SafeLinksGccHigh", "", "Join: " + safeLinks(kWebexJoin, "gcc02.safelinks.protection.office365.us") + "\r\n", T, "webex", kWebexJoin));
    c.push_back(mk("SafeLinksApPath", "", "Join: " + safeLinks(kMeetJoin, "eur01.safelinks.protection.outlook.com", "/ap/t-59584e83/") + "\r\n", T, "google_meet", kMeetJoin));
    c.push_back(mk("SafeLinksNested", "", "Join Zoom Meeting\r\n" + safeLinks(safeLinks(kZoomJoin, "nam02.safelinks.protection.outlook.com"), "eur05.safelinks.protection.outlook.com") + "\r\n", T, "zoom", kZoomJoin));
    c.push_back(mk("SafeLinksStaticsTeams", "", "Join: https://statics.teams.cdn.office.net/evergreen-assets/safelinks/1/atp-safelinks.html?url=" + encodeAll(kZoomJoin) + "&locale=en-us\r\n", T, "zoom", kZoomJoin));
    c.push_back(mk("SafeLinksOutlookWeb", "", "Join: https://outlook.office.com/mail/safelink.html?url=" + encodeAll(kWebexJoin) + "&corid=1\r\n", T, "webex", kWebexJoin));
    c.push_back(mk("SafeLinksMalformedEscape", "", "Join Zoom Meeting\r\nhttps://nam12.safelinks.protection.outlook.com/?url=https%3A%2F%2Fzoom.us%2Fj%2F84412365098%3Fpwd%3Dab%ZZ&data=x&reserved=0\r\n", T, "zoom", "https://zoom.us/j/84412365098?pwd=ab%ZZ"));
    c.push_back(mk("SafeLinksOverProofpointV2", "", "Join: " + safeLinks(proofpointV2(kZoomJoin)) + "\r\n", T, "zoom", kZoomJoin));
    c.push_back(mk("ProofpointV1", "", "Join Zoom Meeting\r\n" + proofpointV1(kZoomJoin) + "\r\n", T, "zoom", kZoomJoin));
    c.push_back(mk("ProofpointV2Teams", "", "Join the meeting now<" + proofpointV2(kTeamsJoin) + ">\r\n", T, "teams", kTeamsJoin));
    c.push_back(mk("ProofpointV2Html", "", html("<p>" + anchor(proofpointV2(kWebexJoin), "Join meeting") + "</p>"), H, "webex", kWebexJoin));
    c.push_back(mk("ProofpointV3Teams", "", "Join the meeting now<" + proofpointV3(kTeamsJoin) + ">\r\n", T, "teams", kTeamsJoin));
    c.push_back(mk("ProofpointV3ZoomHtml", "", html("<p>Join Zoom Meeting " + anchor(proofpointV3(kZoomJoin + "#success"), "link") + "</p>"), H, "zoom", kZoomJoin + "#success"));
    c.push_back(mk("ProofpointV3RunLength", "", "Join: https://urldefense.com/v3/__https://zoom.us/j/84412365098?pwd=ab**Acd__;JSUl!!ABC!sig$\r\n", T, "zoom", "https://zoom.us/j/84412365098?pwd=ab%%cd"));
    c.push_back(mk("CiscoSecureEmail", "", "Join Zoom Meeting\r\n" + ciscoSecure(kZoomJoin) + "\r\n", T, "zoom", kZoomJoin));
    c.push_back(mk("CiscoSecureTeamsHtml", "", html(teamsHtml(ciscoSecure(kTeamsJoin))), H, "teams", kTeamsJoin));
    c.push_back(mk("Barracuda", "", "Join: " + barracuda(kWebexJoin) + "\r\n", T, "webex", kWebexJoin));
    c.push_back(mk("GoogleRedirectZoomPwd", "", html("<p>Join Zoom Meeting " + anchor(googleRedirect(kZoomJoin), "zoom link") + "</p>"), H, "zoom", kZoomJoin));
    c.push_back(mk("GoogleRedirectTailOnly", "", "Join: https://us02web.zoom.us/j/84412365098?pwd%3DQ2xWbHlSa3VxT0FqZ0RkZz09&sa=D&source=calendar&ust=1701&usg=AOv\r\n", T, "zoom", kZoomJoin));
    c.push_back(mk("MimecastVisibleTextWins", "", html("<p>Join Zoom Meeting " + anchor(mimecast("us02web.zoom.us"), kZoomJoin) + "</p>"), H, "zoom", kZoomJoin));
    c.push_back(mk("MimecastOnlyStaysWrapped", "", html("<p>Join Zoom Meeting " + anchor(mimecast("zoom.us"), "Join") + "</p>"), H, "zoom", mimecast("zoom.us")));
    c.push_back(mk("MimecastNewGrid", "", "Join: https://url.uk.m.mimecastprotect.com/s/AbCdEf?domain=teams.microsoft.com\r\n", T, "teams", "https://url.uk.m.mimecastprotect.com/s/AbCdEf?domain=teams.microsoft.com"));
    c.push_back(mk("BarracudaOverSafeLinks", "", "Join: " + barracuda(safeLinks(kMeetJoin)) + "\r\n", T, "google_meet", kMeetJoin));

    // ---- HTML pitfalls ----
    c.push_back(mk("HtmlEntitySlashesInText", "", html("<p>Join: https:&#47;&#47;zoom.us&#x2F;j&#47;84412365098?pwd=abc</p>"), H, "zoom", "https://zoom.us/j/84412365098?pwd=abc"));
    c.push_back(mk("HtmlWbrInVisibleUrl", "", html("<p>Join: https://zoom.us/j/<wbr>84412365098?<wbr>pwd=abc</p>"), H, "zoom", "https://zoom.us/j/84412365098?pwd=abc"));
    c.push_back(mk("HtmlSoftHyphenInUrl", "", html("<p>Join: https://meet.google.com/abc-&shy;defg-hij</p>"), H, "google_meet", kMeetJoin));
    c.push_back(mk("HtmlZeroWidthSpaceInUrl", "", html("<p>Join: https://meet.google.com/abc-\xE2\x80\x8B" "defg-hij</p>"), H, "google_meet", kMeetJoin));
    c.push_back(mk("TextZeroWidthSpaceInUrl", "", "Join: https://meet.google.com/abc-\xE2\x80\x8B" "defg-hij\r\n", T, "google_meet", kMeetJoin));
    c.push_back(mk("HtmlHrefBeatsStaleText", "", html("<p>Join Zoom Meeting " + anchor("https://zoom.us/j/91111111111?pwd=new", "https://zoom.us/j/92222222222?pwd=old") + "</p>"), H, "zoom", "https://zoom.us/j/91111111111?pwd=new"));
    c.push_back(mk("HtmlLinkInCommentIgnored", "", html("<!-- https://zoom.us/j/93333333333 --><p>Join: " + anchor(kMeetJoin, "Meet") + "</p>"), H, "google_meet", kMeetJoin));
    c.push_back(mk("HtmlLinkInStyleIgnored", "", html("<p>Join: " + anchor(kMeetJoin, "Meet") + "</p>"), H, "google_meet", kMeetJoin));
    c.push_back(mk("HtmlScriptIgnored", "", "<script>var u='https://zoom.us/j/93333333333';</script><p>" + anchor(kWebexJoin, "Join meeting") + "</p>", H, "webex", kWebexJoin));
    c.push_back(mk("HtmlGreaterThanInQuotedAttribute", "", "<p title=\"a > b\"><a data-x='>' href=\"" + kZoomJoin + "\">Join Zoom Meeting</a></p>", H, "zoom", kZoomJoin));
    c.push_back(mk("HtmlUppercaseTags", "", "<P><A HREF=\"" + kWebexJoin + "\">Join meeting</A></P>", H, "webex", kWebexJoin));
    c.push_back(mk("HtmlUnquotedHref", "", "<p><a href=https://meet.google.com/abc-defg-hij>Join</a></p>", H, "google_meet", kMeetJoin));
    c.push_back(mk("HtmlNbspAroundUrl", "", html("<p>Join:&nbsp;https://meet.google.com/abc-defg-hij&nbsp;(video)</p>"), H, "google_meet", kMeetJoin));
    c.push_back(mk("HtmlNamedEntityInAttribute", "", "<a href=\"https://zoom.us/j/84412365098?pwd=abc&amp;uname=Ada&copy=1\">Join Zoom Meeting</a>", H, "zoom", "https://zoom.us/j/84412365098?pwd=abc&uname=Ada&copy=1"));
    c.push_back(mk("HtmlTextUrlTrailingPeriod", "", "<p>Join at https://meet.google.com/abc-defg-hij.</p>", H, "google_meet", kMeetJoin));
    c.push_back(mk("HtmlMailtoCviOnly", "", "<p>Join with a video conferencing device: <a href=\"mailto:813878896@t.plcm.vc\">813878896@t.plcm.vc</a></p>", H, "teams", "sip:813878896@t.plcm.vc", "813878896@t.plcm.vc|SIP"));

    // ---- Quoted and forwarded history ----
    c.push_back(mk("QuotedOriginalAppointment", "", teamsText(kTeamsJoin) + "\r\n-----Original Appointment-----\r\nFrom: Bob\r\nSent: Monday\r\n" + zoomText(), T, "teams", kTeamsJoin));
    c.push_back(mk("QuotedZoomBeforeCurrentIgnored", "", "New link below.\r\n" + meetText() + "\r\n________________________________\r\nFrom: Bob Smith <bob@contoso.com>\r\nSent: Monday, December 1, 2026 9:00 AM\r\nTo: Ada\r\nSubject: Sync\r\n\r\n" + zoomText(), T, "google_meet", kMeetJoin));
    c.push_back(mk("QuotedHtmlDivRplyFwdMsg", "", html("<p>Moved to Meet: " + anchor(kMeetJoin, "Join") + "</p><hr><div id=\"divRplyFwdMsg\" dir=\"ltr\"><b>From:</b> Bob<br><b>Sent:</b> Monday</div><div>" + zoomHtml() + "</div>"), H, "google_meet", kMeetJoin));
    c.push_back(mk("QuotedHtmlBlockquote", "", html("<p>See below.</p><blockquote>" + zoomHtml() + "</blockquote><p>" + anchor(kWebexJoin, "Join meeting") + "</p>"), H, "webex", kWebexJoin));
    c.push_back(mk("QuotedGmailQuote", "", "<div>Fwd only</div><div class=\"gmail_quote\">---------- Forwarded message ---------<br>" + anchor(kZoomJoin, "Join Zoom Meeting") + "</div>", H, "", "", "", "", "", true));
    c.push_back(mk("QuotedTextGreaterThanLines", "", "Thanks!\r\n> Join Zoom Meeting\r\n> https://zoom.us/j/84412365098?pwd=abc\r\n", T, "", "", "", "", "", true));
    c.push_back(mk("QuotedForwardedText", "", "FYI\r\n---------- Forwarded message ---------\r\nFrom: Bob\r\n" + webexText(), T, "", "", "", "", "", true));
    c.push_back(mk("QuotedAppendOnSend", "", html("<p>Updated: " + anchor(kTeamsJoin, "Join the meeting now") + "</p><div id=\"appendonsend\"></div><hr>" + zoomHtml()), H, "teams", kTeamsJoin));

    // ---- Text pitfalls and selection ----
    c.push_back(mk("TextLabelAngleForm", "", "Click here to join the meeting<" + kTeamsJoin + ">\r\n", T, "teams", kTeamsJoin));
    c.push_back(mk("TextParenthesesTrimmed", "", "Join (https://zoom.us/j/84412365098?pwd=abc).\r\n", T, "zoom", "https://zoom.us/j/84412365098?pwd=abc"));
    c.push_back(mk("TextCommaTrimmed", "", "Use https://meet.google.com/abc-defg-hij, or dial in.\r\n", T, "google_meet", kMeetJoin));
    c.push_back(mk("TextParenthesisInsideKept", "", "Join: https://meet.jit.si/Room_(1)\r\n", T, "jitsi", "https://meet.jit.si/Room_(1)"));
    c.push_back(mk("FirstInDocumentOrderWithoutHint", "", "Join: " + kMeetJoin + "\r\nBackup: " + kZoomJoin + "\r\n", T, "google_meet", kMeetJoin));
    c.push_back(mk("LabelledBeatsLooseEarlierLink", "", "Old notes mention https://zoom.us/j/95555555555 somewhere.\r\n" + zoomText(), T, "zoom", kZoomJoin));
    c.push_back(mk("LocationBeatsBody", kMeetJoin, zoomText(), T, "google_meet", kMeetJoin));
    c.push_back(mk("LocationRoomAndUrl", "Conf Room 1; https://zoom.us/j/84412365098?pwd=abc", "", T, "zoom", "https://zoom.us/j/84412365098?pwd=abc"));
    c.push_back(mk("UppercaseSchemeAccepted", "", "Join: HTTPS://zoom.us/j/84412365098?pwd=abc\r\n", T, "zoom", "HTTPS://zoom.us/j/84412365098?pwd=abc"));
    c.push_back(mk("TextUrlThenLetterLineNotJoined", "", "Join Zoom Meeting\r\nhttps://zoom.us/j/84412365098?pwd=abc\r\nMeeting ID: 844 1236 5098\r\n", T, "zoom", "https://zoom.us/j/84412365098?pwd=abc"));
    c.push_back(mk("IcsFoldedUrl", "", "DESCRIPTION:Join Zoom Meeting https://us02web.zoom.us/j/84412365098?pwd=Q2xWbHlSa3\r\n VxT0FqZ0RkZz09\r\n", T, "zoom", kZoomJoin));
    c.push_back(mk("TeamsMeetShortLinkLocation", teamsShort, "", T, "teams", teamsShort, teamsShort + "|WebRTC"));
    c.push_back(mk("RoomNamedZoomIsNoPlaceholder", "Zoom Room 5", html(teamsHtml(kTeamsJoin)), H, "teams", kTeamsJoin));
    c.push_back(mk("WebexMeetingPlaceholder", "Webex Meeting", "Agenda", T, "webex", "", ""));
    c.push_back(mk("DuplicateLinksOnce", "", "Join: " + kMeetJoin + "\r\nAgain: " + kMeetJoin + "\r\n", T, "google_meet", kMeetJoin));

    // ---- Negative cases: nothing joinable ----
    c.push_back(mk("NegEmptyEvent", "", "", H, "", "", "", "", "", true));
    c.push_back(mk("NegPlainRoom", "Conference Room 4B", "<p>Lunch and learn.</p>", H, "", "", "", "", "", true));
    c.push_back(mk("NegZoomLookAlike", "", "Join: https://zoom.us.evil.example/j/84412365098\r\n", T, "", "", "", "", "", true));
    c.push_back(mk("NegNotZoom", "", "Join: https://notzoom.us/j/84412365098\r\n", T, "", "", "", "", "", true));
    c.push_back(mk("NegTeamsLookAlike", "", "Join: https://teams.microsoft.com.meeting-verify.example/l/meetup-join/x\r\n", T, "", "", "", "", "", true));
    c.push_back(mk("NegUserinfoTrick", "", "Join: https://zoom.us@evil.example/j/84412365098\r\n", T, "", "", "", "", "", true));
    c.push_back(mk("NegZoomUPage", "", "Find your local number: https://us02web.zoom.us/u/kdWxQ4Ab8\r\n", T, "", "", "", "", "", true));
    c.push_back(mk("NegZoomDownload", "", "Get the app: https://zoom.us/download\r\n", T, "", "", "", "", "", true));
    c.push_back(mk("NegZoomSupport", "", "Help: https://support.zoom.us/hc/en-us/articles/201362193\r\n", T, "", "", "", "", "", true));
    c.push_back(mk("NegZoomRecording", "", "Recording: https://zoom.us/rec/share/AbCdEf123\r\n", T, "", "", "", "", "", true));
    c.push_back(mk("NegZoomHostStart", "", "Start: https://zoom.us/s/84412365098?zak=abc\r\n", T, "", "", "", "", "", true));
    c.push_back(mk("NegZoomEmail", "", "Questions? Write to noreply@zoom.us or support@zoom.com\r\n", T, "", "", "", "", "", true));
    c.push_back(mk("NegMeetNew", "", "Create one: https://meet.google.com/new\r\n", T, "", "", "", "", "", true));
    c.push_back(mk("NegMeetLanding", "", "https://meet.google.com/landing?authuser=0\r\n", T, "", "", "", "", "", true));
    c.push_back(mk("NegTelMeet", "", "More phone numbers: https://tel.meet/abc-defg-hij?pin=123\r\n", T, "", "", "", "", "", true));
    c.push_back(mk("NegTeamsMeetingOptions", "", html(anchor("https://teams.microsoft.com/meetingOptions/?organizerId=a&tenantId=b", "Meeting options")), H, "", "", "", "", "", true));
    c.push_back(mk("NegTeamsChannelLink", "", "Channel: https://teams.microsoft.com/l/channel/19%3aabc%40thread.tacv2/General?groupId=1\r\n", T, "", "", "", "", "", true));
    c.push_back(mk("NegTeamsHelpAndDialin", "", "Need help?<https://aka.ms/JoinTeamsMeeting?omkt=en-US>\r\nFind a local number<https://dialin.teams.microsoft.com/abc?id=472915306>\r\n", T, "", "", "", "", "", true));
    c.push_back(mk("NegWebexGlobalCallin", "", "Global call-in numbers https://acme.webex.com/acme/globalcallin.php?MTID=m5f6e\r\n", T, "", "", "", "", "", true));
    c.push_back(mk("NegWebexHelp", "", "Need help? Go to https://help.webex.com\r\n", T, "", "", "", "", "", true));
    c.push_back(mk("NegWebexEmail", "", "Contact ada@acme.webex.com for the slides.\r\n", T, "", "", "", "", "", true));
    c.push_back(mk("NegWhereByInfo", "", "About: https://whereby.com/information/tos\r\n", T, "", "", "", "", "", true));
    c.push_back(mk("NegSlackChannel", "", "Chat: https://app.slack.com/client/T01ABCDEF/C02GHIJKL\r\n", T, "", "", "", "", "", true));
    c.push_back(mk("NegSignaturePhone", "", "Best regards,\r\nAda Lovelace\r\nPhone: +1 (206) 555-0100\r\n", T, "", "", "", "", "", true));
    c.push_back(mk("NegTelWithoutCode", "", html(anchor("tel:+12065550100", "+1 206 555 0100")), H, "", "", "", "", "", true));
    c.push_back(mk("NegOrdinaryLinks", "", "Slides: https://contoso.sharepoint.com/sites/x/doc.pptx and https://www.example.com/agenda\r\n", T, "", "", "", "", "", true));
    c.push_back(mk("NegMailtoOrganizer", "", html(anchor("mailto:ada@contoso.com", "Ada")), H, "", "", "", "", "", true));
    c.push_back(mk("NegKeywordInsideEmail", "ada@webex.com", "", T, "", "", "", "", "", true));
    c.push_back(mk("NegKeywordPrefixOfWord", "@meeting room", "", T, "", "", "", "", "", true));
    c.push_back(mk("NegMimecastUnknownDomain", "", html(anchor(mimecast("www.contoso.com"), "Agenda")), H, "", "", "", "", "", true));
    c.push_back(mk("NegSchemeInWord", "", "The xhttps://zoom.us/j/84412365098 token is not a link.\r\n", T, "", "", "", "", "", true));
    c.push_back(mk("NegBareHostNoScheme", "", "zoom.us/j/84412365098 in the body without scheme\r\n", T, "", "", "", "", "", true));
    c.push_back(mk("NegOnlyQuotedTeams", "", "Cancelled.\r\n-----Original Appointment-----\r\n" + teamsText(kTeamsJoin), T, "", "", "", "", "", true));
    c.push_back(mk("NegSipWithoutUser", "", "Video: sip:vc.contoso.com\r\n", T, "", "", "", "", "", true));
    c.push_back(mk("NegHtmlLinkInsideComment", "", "<!-- " + anchor(kZoomJoin, "Join") + " -->", H, "", "", "", "", "", true));
    c.push_back(mk("NegZoomRegistration", "", "Register: https://us06web.zoom.us/webinar/register/WN_AbCdEf\r\n", T, "", "", "", "", "", true));
    c.push_back(mk("NegGoToSupport", "", "https://www.gotomeeting.com/features\r\n", T, "", "", "", "", "", true));
    c.push_back(mk("NegBlueJeansSupport", "", "https://support.bluejeans.com/s/article/123456\r\n", T, "", "", "", "", "", true));
    c.push_back(mk("NegJitsiHome", "", "https://meet.jit.si/\r\n", T, "", "", "", "", "", true));
    c.push_back(mk("NegUnterminatedTag", "", "<p>Agenda</p><a href=\"https://zoom.us/j/84412365098", H, "", "", "", "", "", true));
    c.push_back(mk("NegScriptOnlyLink", "", "<script>location='https://zoom.us/j/84412365098?pwd=x'</script>", H, "", "", "", "", "", true));
    c.push_back(mk("NegLyncWebexGateway", "", "Join using Microsoft Lync or Microsoft Skype for Business\r\nDial 26351284471.acme@lync.webex.com\r\n", T, "", "", "", "", "", true));
    return c;
}

const std::vector<Case>& cases() {
    static const std::vector<Case> all = buildCases();
    return all;
}

class InvitationCase : public ::testing::TestWithParam<std::size_t> {};

TEST_P(InvitationCase, DetectsExpectedTarget) {
    const Case& k = cases()[GetParam()];
    DetectorInput input;
    input.location = k.location;
    input.body = k.body;
    input.body_type = k.type;
    input.online_meeting_join_url = k.join_url;
    Detection d = Detector().detect(input);
    SCOPED_TRACE(renderText(d));
    EXPECT_EQ(std::string(serviceId(d.service)), k.service);
    EXPECT_EQ(d.uri.value_or(""), k.uri);
    EXPECT_EQ(d.uri.has_value(), !k.uri.empty());
    if (k.dial != "*") {
        std::string got = d.dial ? d.dial->number + "|" + std::string(dialProtocolName(d.dial->protocol)) : "";
        EXPECT_EQ(got, k.dial);
    }
    EXPECT_EQ(d.keyword.value_or(""), k.keyword);
    if (d.winner >= 0) {
        ASSERT_LT(static_cast<std::size_t>(d.winner), d.candidates.size());
        EXPECT_EQ(d.candidates[static_cast<std::size_t>(d.winner)].reason.rfind("won: ", 0), 0u);
    }
    for (const auto& c : d.candidates) EXPECT_FALSE(c.reason.empty()) << c.uri;
    if (k.negative) {
        EXPECT_EQ(d.winner, -1);
    }
}

INSTANTIATE_TEST_SUITE_P(Detector, InvitationCase, ::testing::Range<std::size_t>(0, cases().size()),
                         [](const ::testing::TestParamInfo<std::size_t>& info) { return cases()[info.param].name; });

TEST(Detector, ReadsTheLocationsList) {
    DetectorInput input;
    input.location = "Room 4B; Microsoft Teams Meeting";
    input.locations = {"Room 4B", "Microsoft Teams Meeting"};
    std::string body = html(teamsHtml(kTeamsJoin));
    input.body = body;
    Detection d = Detector().detect(input);
    EXPECT_EQ(d.service, Service::Teams);

    DetectorInput zoom;
    zoom.locations = {"Room 4B", kZoomJoin};
    d = Detector().detect(zoom);
    ASSERT_EQ(d.service, Service::Zoom);
    EXPECT_EQ(d.candidates[static_cast<std::size_t>(d.winner)].source, Source::Locations);

    DetectorInput keyword;
    keyword.locations = {"Room 4B", "@meet:space"};
    d = Detector().detect(keyword);
    EXPECT_EQ(d.service, Service::Webex);
    EXPECT_EQ(d.keyword.value_or(""), "@meet:space");
}

TEST(Detector, ConfiguredKeywordsMapToTheirService) {
    DetectorOptions options;
    options.keywords = {{"@zoom", Service::Zoom}};
    DetectorInput input;
    input.location = "@zoom";
    Detection d = Detector(options).detect(input);
    EXPECT_EQ(d.service, Service::Zoom);
    EXPECT_EQ(d.keyword.value_or(""), "@zoom");
    input.location = "@webex";  // not configured any more
    d = Detector(options).detect(input);
    EXPECT_EQ(d.service, Service::None);
    EXPECT_FALSE(d.keyword.has_value());
}

TEST(Detector, CandidatesCarrySourcePositionAndGateways) {
    std::string body = "Agenda\nJoin Zoom Meeting\n" + safeLinks(kZoomJoin) + "\n";
    std::string location = "Room 1; " + kMeetJoin;
    DetectorInput input;
    input.location = location;
    input.body = body;
    input.body_type = BodyType::Text;
    Detection d = Detector().detect(input);
    ASSERT_EQ(d.candidates.size(), 2u);
    EXPECT_EQ(d.candidates[0].source, Source::Location);
    EXPECT_EQ(d.candidates[0].position, location.find("https://"));
    EXPECT_EQ(d.candidates[1].source, Source::BodyText);
    EXPECT_EQ(d.candidates[1].position, body.find("https://"));
    ASSERT_EQ(d.candidates[1].gateways.size(), 1u);
    EXPECT_EQ(d.candidates[1].gateways[0], "safelinks");
    EXPECT_EQ(d.winner, 0);
    EXPECT_NE(d.candidates[1].reason.find("ranks below location"), std::string::npos) << d.candidates[1].reason;
}

TEST(InvitationCases, TableHasAtLeast150CasesAnd30Negative) {
    std::size_t negative = 0;
    for (const auto& k : cases()) negative += (k.negative || k.service.empty()) ? 1 : 0;
    EXPECT_GE(cases().size(), 150u);
    EXPECT_GE(negative, 30u);
}

}  // namespace
}  // namespace calconn::detect
