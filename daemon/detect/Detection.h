// Join-target detection: the input (what an event says about where to meet) and the output (the
// chosen target, the dial string for room devices, the keyword, and every candidate with the
// reason it won or lost). Pure data; no I/O. Vocabulary and policy: research/linkdetect.md §7.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace calconn::detect {

enum class Service {
    None,
    Teams,
    Zoom,
    GoogleMeet,
    Webex,
    GoToMeeting,
    BlueJeans,
    Chime,
    Jitsi,
    Whereby,
    Slack,
    RingCentral,
    SkypeForBusiness,
    Sip,  // generic sip:/sips:/h323: address of no known service
    Phone,
};

// Stable id from the §7 vocabulary ("teams", "google_meet", ...); "" for Service::None.
std::string_view serviceId(Service service);

enum class BodyType { Html, Text };

// Where a candidate was found. Ranked in this order (structured fields first).
enum class Source {
    OnlineMeeting,     // Graph onlineMeeting.joinUrl
    OnlineMeetingUrl,  // Graph legacy onlineMeetingUrl
    Location,          // location.displayName
    Locations,         // locations[] entries
    BodyHref,          // an anchor's href (or its Safe Links originalsrc)
    BodyText,          // a URL or address in the visible text of the body
};
std::string_view sourceName(Source source);

// How a device or person reaches the meeting; web > SIP > H.323 > phone (§7).
enum class Modality { Web, Sip, H323, Phone };

// Protocol values of RoomOS `Bookings Put` that calconn produces.
enum class DialProtocol { Sip, H323, WebRtc, Spark };
std::string_view dialProtocolName(DialProtocol protocol);  // "SIP", "H323", "WebRTC", "Spark"

struct Dial {
    std::string number;  // what the device dials: "123@site.webex.com", a URL for WebRTC
    DialProtocol protocol = DialProtocol::Sip;
    bool operator==(const Dial&) const = default;
};

struct Candidate {
    Service service = Service::None;
    std::string uri;          // normalised (§7); empty when nothing usable was found
    Source source = Source::BodyText;
    std::size_t position = 0; // byte offset in its source field (body, location, ...)
    Modality modality = Modality::Web;
    bool joinable = false;    // a join target of its service (not a help, dial-in or options page)
    bool quoted = false;      // inside quoted or forwarded history
    bool labelled = false;    // labelled as the join link ("Join the meeting now", "Join Zoom Meeting")
    bool system_reference = false;  // Teams "System reference" duplicate link
    bool unresolved = false;  // still wrapped by a gateway that cannot be decoded (Mimecast)
    bool stale_text = false;  // anchor text URL that differs from the anchor's href
    bool has_credentials = false;  // pwd=, p=, tk= ...
    std::vector<std::string> gateways;  // unwrapped layers, outermost first ("safelinks", ...)
    std::string reason;       // why it won or lost, one line for a person
    bool operator==(const Candidate&) const = default;
};

struct Detection {
    Service service = Service::None;
    std::optional<std::string> uri;
    std::optional<Dial> dial;
    std::optional<std::string> keyword;  // e.g. "@webex:myroom" as typed in the location
    std::vector<Candidate> candidates;   // every candidate, in order of discovery
    int winner = -1;                     // index into candidates, -1 when no URI won
    bool truncated = false;              // the body exceeded max_body_size
    bool limited = false;                // the candidate cap was reached; later links were not read
    std::string summary;                 // one line: why this result
};

struct Keyword {
    std::string text;  // "@webex"; matched case-insensitively, optional ":modifier" after it
    Service service = Service::Webex;
};

struct DetectorOptions {
    std::size_t max_body_size = 1024 * 1024;  // config detect.max_body_size
    std::vector<Keyword> keywords = {{"@webex", Service::Webex}, {"@meet", Service::Webex}};
    int max_unwrap_depth = 5;
};

struct DetectorInput {
    std::string_view location;                 // location.displayName
    std::vector<std::string_view> locations;   // locations[].displayName or locationUri
    std::string_view body;
    BodyType body_type = BodyType::Html;
    std::string_view online_meeting_join_url;  // onlineMeeting.joinUrl
    std::string_view online_meeting_url;       // legacy onlineMeetingUrl
};

}  // namespace calconn::detect
