// Webex Meetings REST API client: create, read and delete scheduled meetings and read the user's
// personal room. The request/response codec is a set of pure functions beside the adapter; the
// adapter speaks through net::HttpClient with a bearer token read from webex.token_file.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/Result.h"
#include "crypto/SecretString.h"
#include "joindetails/JoinDetails.h"
#include "net/HttpClient.h"

namespace calconn::joindetails {

struct CreateMeetingRequest {
    std::string title;   // cut to 128 characters (UTF-8 safe)
    std::string agenda;  // optional, cut to 1300 characters
    std::string start;   // ISO-8601 with offset or Z
    std::string end;
    std::string timezone;  // IANA name; empty: left out (Webex then uses the host's)
    std::string site_url;  // "acme.webex.com"; empty: the host's default site
    // The organizer, so the meeting is theirs and not the token owner's (needs an admin or
    // service-app token with meeting:admin_schedule_write); empty: the token's own user.
    std::string host_email;
    std::string recurrence;  // RFC 2445 RRULE of a series (start/end: its first occurrence)
    // Sent as integrationTags: lets a later attempt find this meeting instead of booking another.
    std::string integration_tag;
};

// GET /v1/meetings filters: the meetings (series) carrying a tag, of a host, on a site,
// overlapping [from, to). Empty fields filter on nothing.
struct MeetingQuery {
    std::string integration_tag;
    std::string host_email;
    std::string site_url;
    std::string from;  // ISO-8601
    std::string to;
};

// The meeting port the join-details service uses; WebexMeetingsClient implements it, tests fake it.
class WebexMeetings {
public:
    virtual ~WebexMeetings() = default;
    virtual common::Result<JoinDetails> createMeeting(const CreateMeetingRequest& request) = 0;
    virtual common::Result<JoinDetails> getMeeting(const std::string& meeting_id) = 0;
    virtual common::Status deleteMeeting(const std::string& meeting_id) = 0;
    virtual common::Result<std::vector<JoinDetails>> findMeetings(const MeetingQuery& query) = 0;
    // `user_email` empty: the token's own user; otherwise that user's room (admin scopes).
    virtual common::Result<JoinDetails> personalRoom(const std::string& user_email) = 0;
};

// ---- codec (pure) ----
std::string encodeCreateMeeting(const CreateMeetingRequest& request);
// A Meeting object (POST/GET /v1/meetings) -> details; Protocol error when fields are missing.
common::Result<JoinDetails> decodeMeeting(std::string_view json);
// A list answer ({"items": [Meeting...]}) -> details of each meeting.
common::Result<std::vector<JoinDetails>> decodeMeetingList(std::string_view json);
// The query string of GET /v1/meetings for `query` (without '?'; empty when nothing filters).
std::string encodeMeetingQuery(const MeetingQuery& query);
// A personalMeetingRoom object -> details.
common::Result<JoinDetails> decodePersonalRoom(std::string_view json);
// Maps a non-2xx Webex answer ({message, errors[{description}], trackingId}) to an Error:
// 400 InvalidArgument, 401 Unauthenticated, 403 PermissionDenied, 404 NotFound, 409 Conflict,
// 429 Throttled (Retry-After seconds in the context), 5xx Unavailable.
common::Error decodeWebexError(int status, std::string_view body, std::string_view retry_after);
// Cuts to at most `max_chars` Unicode characters without splitting a UTF-8 sequence.
std::string truncateUtf8(std::string_view text, std::size_t max_chars);

// Reads the bearer token (first line, surrounding whitespace trimmed) from a file.
common::Result<crypto::SecretString> readTokenFile(const std::string& path);

class WebexMeetingsClient final : public WebexMeetings {
public:
    // `api_endpoint` as in settings, e.g. "https://webexapis.com/v1" (no trailing slash needed).
    WebexMeetingsClient(net::HttpClient& http, std::string api_endpoint,
                        crypto::SecretString token);

    common::Result<JoinDetails> createMeeting(const CreateMeetingRequest& request) override;
    common::Result<JoinDetails> getMeeting(const std::string& meeting_id) override;
    common::Status deleteMeeting(const std::string& meeting_id) override;
    common::Result<std::vector<JoinDetails>> findMeetings(const MeetingQuery& query) override;
    common::Result<JoinDetails> personalRoom(const std::string& user_email) override;

private:
    common::Result<net::HttpResponse> call(const std::string& method, const std::string& path,
                                           std::string body);
    net::HttpClient& http_;
    std::string endpoint_;
    crypto::SecretString token_;
};

}  // namespace calconn::joindetails
