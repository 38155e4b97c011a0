#include <gtest/gtest.h>

#include <random>

#include "Fixtures.h"
#include "graph/Decoders.h"
#include "graph/TimeZones.h"

namespace calconn::graph {
namespace {

using common::ErrorCode;
using testing::fixture;
using namespace std::chrono;

TimePoint utc(const char* text) { return parseIsoDateTime(text).value(); }

TEST(DecodeEvent, ReadsEveryFieldCalconnNeeds) {
    auto event = decodeEvent(fixture("event-single.json"));
    ASSERT_TRUE(event.ok()) << event.error().toString();
    EXPECT_EQ(event->id, "AAMkAGI2TG93AAA=");
    EXPECT_EQ(event->etag, "W/\"DwAAABYAAABQ1cm8ELsjQ6Y5bb9m2VLLAAAKJx0b\"");
    EXPECT_EQ(event->change_key, "DwAAABYAAABQ1cm8ELsjQ6Y5bb9m2VLLAAAKJx0b");
    EXPECT_EQ(event->type, EventType::SingleInstance);
    EXPECT_FALSE(event->bare);
    EXPECT_EQ(event->subject, "Quarterly review \"Q4\" — café ☕");
    EXPECT_EQ(event->body_content_type, "html");
    EXPECT_NE(event->body.find("acme.webex.com/meet/alice"), std::string::npos);
    EXPECT_EQ(event->start, utc("2026-12-01T09:30:00Z"));
    EXPECT_EQ(event->end, utc("2026-12-01T10:15:00Z") + milliseconds(500));
    EXPECT_EQ(event->start_time_zone, "UTC");
    EXPECT_EQ(event->original_start_time_zone, "W. Europe Standard Time");
    EXPECT_EQ(event->created, utc("2026-11-20T08:15:02Z") + nanoseconds(442346800));
    EXPECT_TRUE(event->is_online_meeting);
    EXPECT_EQ(event->online_meeting_provider, "teamsForBusiness");
    ASSERT_TRUE(event->online_meeting);
    EXPECT_EQ(event->online_meeting->join_url,
              "https://teams.microsoft.com/l/meetup-join/19%3ameeting_abc%40thread.v2/0");
    ASSERT_TRUE(event->location);
    EXPECT_EQ(event->location->display_name, "Room 4B; @webex");
    EXPECT_EQ(event->location->location_email, "room-4b@contoso.com");
    ASSERT_EQ(event->locations.size(), 1u);
    ASSERT_TRUE(event->organizer);
    EXPECT_EQ(event->organizer->address, "bob@contoso.com");
    ASSERT_EQ(event->attendees.size(), 2u);
    EXPECT_EQ(event->attendees[0].email.name, "Alice Example");
    EXPECT_EQ(event->attendees[0].response, "accepted");
    EXPECT_TRUE(event->attendees[0].response_time);
    EXPECT_EQ(event->attendees[1].type, "resource");
    EXPECT_FALSE(event->attendees[1].response_time);  // 0001-01-01 means never
    EXPECT_EQ(event->response, "accepted");
    EXPECT_EQ(event->show_as, "busy");
    EXPECT_EQ(event->categories, std::vector<std::string>{"Blue category"});
    EXPECT_TRUE(event->response_requested);
    EXPECT_TRUE(event->allow_new_time_proposals);
    EXPECT_FALSE(event->recurrence);
    EXPECT_TRUE(event->series_master_id.empty());
}

TEST(DecodeEvent, ConvertsOtherZonesToUtc) {
    auto event = decodeEvent(fixture("event-zones.json"));
    ASSERT_TRUE(event.ok()) << event.error().toString();
    EXPECT_EQ(event->start, utc("2026-07-01T07:00:00Z"));  // CEST = UTC+2
    EXPECT_EQ(event->end, utc("2026-07-01T14:00:00Z"));    // EDT = UTC-4
}

TEST(DecodeEvent, RejectsUnknownZoneClearly) {
    auto event = decodeEvent(
        R"({"id":"x","start":{"dateTime":"2026-01-01T00:00:00","timeZone":"tzone://Microsoft/Custom"}})");
    ASSERT_FALSE(event.ok());
    EXPECT_EQ(event.error().code, ErrorCode::InvalidArgument);
    EXPECT_NE(event.error().message.find("start"), std::string::npos);
}

TEST(DecodeEvent, IsStrictAboutTypes) {
    struct Case {
        const char* json;
        const char* field;
    };
    const Case cases[] = {
        {R"({"id":"x","subject":42})", "subject"},
        {R"({"id":"x","isAllDay":"true"})", "isAllDay"},
        {R"({"id":"x","attendees":{}})", "attendees"},
        {R"({"id":"x","attendees":[{"emailAddress":"a@b"}]})", "emailAddress"},
        {R"({"id":"x","start":{"dateTime":20260101,"timeZone":"UTC"}})", "start.dateTime"},
        {R"({"id":"x","start":{"dateTime":"yesterday","timeZone":"UTC"}})", "start"},
        {R"({"id":"x","recurrence":{"pattern":{"interval":"1"}}})", "interval"},
        {R"({"id":"x","recurrence":{"pattern":{"interval":1e30}}})", "interval"},
        {R"({"id":"x","categories":["a",1]})", "categories"},
        {R"({"id":17})", "id"},
    };
    for (const auto& c : cases) {
        auto event = decodeEvent(c.json);
        ASSERT_FALSE(event.ok()) << c.json;
        EXPECT_EQ(event.error().code, ErrorCode::Protocol) << c.json;
        EXPECT_NE(event.error().message.find(c.field), std::string::npos)
            << c.json << " -> " << event.error().message;
    }
}

TEST(DecodeEvent, ReadsExpandedExtendedProperties) {
    auto event = decodeEvent(R"({"id":"x","singleValueExtendedProperties":[
        {"id":"String {6f1c8a52-3f0e-4a8e-9d3c-7b1f0c2a9e41} Name calconn-join-details",
         "value":"v1;action=personal_room;site=acme"}]})");
    ASSERT_TRUE(event.ok()) << event.error().toString();
    ASSERT_EQ(event->single_value_extended_properties.size(), 1u);
    EXPECT_EQ(event->single_value_extended_properties[0].id,
              "String {6f1c8a52-3f0e-4a8e-9d3c-7b1f0c2a9e41} Name calconn-join-details");
    EXPECT_EQ(event->single_value_extended_properties[0].value, "v1;action=personal_room;site=acme");

    auto none = decodeEvent(R"({"id":"x"})");
    ASSERT_TRUE(none.ok());
    EXPECT_TRUE(none->single_value_extended_properties.empty());
    auto wrong = decodeEvent(R"({"id":"x","singleValueExtendedProperties":["v"]})");
    ASSERT_FALSE(wrong.ok());
    EXPECT_NE(wrong.error().message.find("singleValueExtendedProperties"), std::string::npos);
}

TEST(DecodeEvent, ToleratesNullsAndUnknownFields) {
    auto event = decodeEvent(
        R"({"id":"x","subject":null,"location":null,"attendees":null,"new":{"a":[1,{"b":2}]},"type":"futureType"})");
    ASSERT_TRUE(event.ok()) << event.error().toString();
    EXPECT_EQ(event->type, EventType::Unknown);
    EXPECT_FALSE(event->location);
}

TEST(DecodeEvent, RejectsTruncatedAndInvalidJson) {
    const std::string full = fixture("event-single.json");
    for (std::size_t cut :
         {std::size_t{0}, std::size_t{1}, full.size() / 3, full.size() / 2, full.size() - 3}) {
        auto event = decodeEvent(std::string_view(full).substr(0, cut));
        ASSERT_FALSE(event.ok()) << cut;
        EXPECT_EQ(event.error().code, ErrorCode::Protocol);
    }
    for (const char* bad : {"[]", "null", "\"x\"", "{\"id\":\"x\",}", "{'id':'x'}",
                            "{\"id\":\"\\ud800\"}", "{\"id\":\"x\"}garbage"}) {
        auto event = decodeEvent(bad);
        EXPECT_FALSE(event.ok()) << bad;
    }
}

TEST(DecodeEvent, SurvivesDeepNesting) {
    std::string deep = "{\"id\":\"x\",\"junk\":";
    for (int i = 0; i < 5000; ++i) deep += "[";
    for (int i = 0; i < 5000; ++i) deep += "]";
    deep += "}";
    auto event = decodeEvent(deep);
    EXPECT_FALSE(event.ok());  // simdjson's depth limit, reported as Protocol
}

TEST(DecodeDeltaPage, ReadsEntriesTombstonesAndBareOccurrences) {
    auto page = decodeDeltaPage(fixture("delta-page-1.json"));
    ASSERT_TRUE(page.ok()) << page.error().toString();
    ASSERT_EQ(page->entries.size(), 3u);
    const auto& master = page->entries[0].event;
    EXPECT_EQ(master.type, EventType::SeriesMaster);
    ASSERT_TRUE(master.recurrence);
    EXPECT_EQ(master.recurrence->pattern.type, "weekly");
    EXPECT_EQ(master.recurrence->pattern.days_of_week, std::vector<std::string>{"monday"});
    EXPECT_EQ(master.recurrence->range.type, "noEnd");
    EXPECT_EQ(master.recurrence->range.recurrence_time_zone, "W. Europe Standard Time");
    const auto& occurrence = page->entries[1].event;
    EXPECT_EQ(occurrence.type, EventType::Occurrence);
    EXPECT_TRUE(occurrence.bare);
    EXPECT_EQ(occurrence.series_master_id, "AAMkMaster1=");
    EXPECT_EQ(occurrence.start, utc("2026-12-07T08:00:00Z"));
    EXPECT_TRUE(page->entries[2].removed);
    EXPECT_EQ(page->entries[2].removed_reason, "deleted");
    EXPECT_EQ(page->entries[2].event.id, "AAMkGone1=");
    EXPECT_EQ(page->next_link,
              "https://graph.microsoft.com/v1.0/users/alice@contoso.com/calendarView/"
              "delta?$skiptoken=R0usmci39OQxqJrxK4%2B%2BvQ%3D%3D~x'y(z)");
    EXPECT_TRUE(page->delta_link.empty());
}

TEST(DecodeDeltaPage, ReadsLastPage) {
    auto page = decodeDeltaPage(fixture("delta-page-2.json"));
    ASSERT_TRUE(page.ok()) << page.error().toString();
    ASSERT_EQ(page->entries.size(), 2u);
    EXPECT_EQ(page->entries[0].event.type, EventType::Exception);
    EXPECT_FALSE(page->entries[0].event.bare);
    EXPECT_EQ(page->entries[0].event.original_start, utc("2026-12-14T08:00:00Z"));
    EXPECT_TRUE(page->entries[1].removed);
    EXPECT_EQ(page->entries[1].removed_reason, "changed");
    EXPECT_TRUE(page->next_link.empty());
    EXPECT_NE(page->delta_link.find("$deltatoken=R0usmcMDNGg0J1E%3D"), std::string::npos);
}

TEST(DecodeDeltaPage, AcceptsEmptyPageWithNextLink) {
    auto page = decodeDeltaPage(fixture("delta-empty-next.json"));
    ASSERT_TRUE(page.ok());
    EXPECT_TRUE(page->entries.empty());
    EXPECT_FALSE(page->next_link.empty());
}

TEST(DecodeDeltaPage, RejectsMalformedPages) {
    for (const char* bad : {
             R"({"value":[]})",                                               // no link
             R"({"@odata.nextLink":"a","@odata.deltaLink":"b","value":[]})",  // both
             R"({"@odata.deltaLink":"b"})",                                   // no value
             R"({"@odata.deltaLink":"b","value":{}})",
             R"({"@odata.deltaLink":"b","value":[1]})",
             R"({"@odata.deltaLink":"b","value":[{"@removed":{}}]})",  // tombstone w/o id
             R"({"@odata.deltaLink":"b","value":[{"id":"x","@removed":"deleted"}]})",
             R"({"@odata.deltaLink":7,"value":[]})",
         }) {
        auto page = decodeDeltaPage(bad);
        ASSERT_FALSE(page.ok()) << bad;
        EXPECT_EQ(page.error().code, ErrorCode::Protocol) << bad;
    }
}

TEST(DecodeDeltaPage, RejectsEveryTruncation) {
    const std::string full = fixture("delta-page-1.json");
    for (std::size_t cut = 0; cut + 1 < full.size(); cut += 7) {
        auto page = decodeDeltaPage(std::string_view(full).substr(0, cut));
        EXPECT_FALSE(page.ok()) << cut;
    }
}

TEST(DecodeDeltaPage, SurvivesRandomMutations) {
    // A poor man's fuzzer: flipped, dropped and duplicated bytes must give a value or a
    // Protocol/InvalidArgument error, never a crash (run under ASan/UBSan in CI).
    const std::string first = fixture("delta-page-1.json");
    const std::string second = fixture("delta-page-2.json");
    const std::string seed = first + second;
    std::mt19937_64 prng(1234);
    for (int i = 0; i < 3000; ++i) {
        std::string input = i % 2 ? first : second;
        const int edits = 1 + static_cast<int>(prng() % 4);
        for (int e = 0; e < edits && !input.empty(); ++e) {
            const std::size_t pos = prng() % input.size();
            switch (prng() % 3) {
                case 0:
                    input[pos] = seed[prng() % seed.size()];
                    break;
                case 1:
                    input.erase(pos, 1 + prng() % 8);
                    break;
                default:
                    input.insert(pos, input.substr(prng() % input.size(), 1 + prng() % 16));
            }
        }
        auto page = decodeDeltaPage(input);
        if (!page.ok()) {
            EXPECT_TRUE(page.error().code == ErrorCode::Protocol ||
                        page.error().code == ErrorCode::InvalidArgument)
                << page.error().toString();
        }
        (void)decodeGraphError(400, input);
        (void)decodeTokenError(400, input);
    }
}

TEST(DecodeDeltaPage, DecodesLargePageQuickly) {
    std::string json = "{\"@odata.deltaLink\":\"https://g/d\",\"value\":[";
    const std::string one = fixture("event-single.json");
    for (int i = 0; i < 1000; ++i) {
        if (i) json += ",";
        json += one;
    }
    json += "]}";
    const auto started = std::chrono::steady_clock::now();
    auto page = decodeDeltaPage(json);
    const auto took = std::chrono::steady_clock::now() - started;
    ASSERT_TRUE(page.ok()) << page.error().toString();
    EXPECT_EQ(page->entries.size(), 1000u);
    // About 3 MB: tens of milliseconds optimised; a generous bound for sanitizer builds.
    EXPECT_LT(took, std::chrono::seconds(10));
}

TEST(DecodeEventPage, ReadsInstances) {
    auto page = decodeEventPage(fixture("instances.json"));
    ASSERT_TRUE(page.ok());
    ASSERT_EQ(page->events.size(), 2u);
    EXPECT_FALSE(page->events[0].bare);  // instances carry full items
    EXPECT_TRUE(page->next_link.empty());
}

TEST(DecodeGraphError, MapsSyncStateNotFoundToGone) {
    auto e = decodeGraphError(410, fixture("error-sync-state-not-found.json"));
    EXPECT_EQ(e.code, "SyncStateNotFound");
    EXPECT_EQ(e.request_id, "3b2f8f8e-1d1c-4a8e-9a4b-2b4f4c9c1a11");
    EXPECT_EQ(e.kind, GraphErrorKind::SyncStateGone);
    auto error = toError(e);
    EXPECT_EQ(error.code, ErrorCode::Gone);
    EXPECT_EQ(errorKindOf(error), GraphErrorKind::SyncStateGone);
}

TEST(DecodeGraphError, FindsResyncCodesInNestedInnerErrors) {
    auto e = decodeGraphError(400, fixture("error-nested-resync.json"));
    EXPECT_EQ(e.inner_codes,
              (std::vector<std::string>{"resyncRequired", "ErrorInvalidSyncStateData"}));
    EXPECT_EQ(e.kind, GraphErrorKind::SyncStateGone);
    EXPECT_EQ(toError(e).code, ErrorCode::Gone);
}

TEST(DecodeGraphError, MapsStatusesToErrorCodes) {
    struct Case {
        int status;
        std::string body;
        ErrorCode code;
        GraphErrorKind kind;
    };
    const Case cases[] = {
        {401,
         R"({"error":{"code":"InvalidAuthenticationToken","message":"Access token has expired or is not yet valid."}})",
         ErrorCode::Unauthenticated, GraphErrorKind::TokenExpired},
        {403, fixture("error-raop.json"), ErrorCode::PermissionDenied,
         GraphErrorKind::OutOfPolicyScope},
        {403,
         R"({"error":{"code":"ErrorAccessDenied","message":"Access is denied. Check credentials and try again."}})",
         ErrorCode::PermissionDenied, GraphErrorKind::AccessDenied},
        {404, fixture("error-mailbox-not-enabled.json"), ErrorCode::NotFound,
         GraphErrorKind::MailboxNotEnabled},
        {403, fixture("error-mailbox-not-enabled.json"), ErrorCode::NotFound,
         GraphErrorKind::MailboxNotEnabled},
        {404,
         R"({"error":{"code":"ErrorItemNotFound","message":"The specified object was not found in the store."}})",
         ErrorCode::NotFound, GraphErrorKind::ItemNotFound},
        {404,
         R"({"error":{"code":"ErrorInvalidUser","message":"The requested user 'x' is invalid."}})",
         ErrorCode::NotFound, GraphErrorKind::UserNotFound},
        {412,
         R"({"error":{"code":"ErrorIrresolvableConflict","message":"The change key passed in the request does not match the current change key for the item."}})",
         ErrorCode::Conflict, GraphErrorKind::Conflict},
        {429, fixture("error-throttled.json"), ErrorCode::Throttled, GraphErrorKind::Throttled},
        {503,
         R"({"error":{"code":"MailboxInfoStale","message":"Target resource is currently on backend 'Unknown'"}})",
         ErrorCode::Unavailable, GraphErrorKind::ServiceUnavailable},
        {504, R"({"error":{"code":"UnknownError","message":""}})", ErrorCode::Unavailable,
         GraphErrorKind::ServiceUnavailable},
        {400,
         R"({"error":{"code":"ErrorInvalidParameter","message":"This request requires a time window"}})",
         ErrorCode::InvalidArgument, GraphErrorKind::BadRequest},
        {502, "<html>bad gateway</html>", ErrorCode::Unavailable,
         GraphErrorKind::ServiceUnavailable},
        {400, "", ErrorCode::InvalidArgument, GraphErrorKind::BadRequest},
        {403, R"({"error":"not an object"})", ErrorCode::PermissionDenied,
         GraphErrorKind::AccessDenied},
    };
    for (const auto& c : cases) {
        auto e = decodeGraphError(c.status, c.body);
        EXPECT_EQ(e.kind, c.kind) << c.status << " " << c.body;
        auto error = toError(e);
        EXPECT_EQ(error.code, c.code) << c.status << " " << c.body;
        EXPECT_EQ(errorKindOf(error), c.kind);
    }
}

TEST(DecodeGraphError, ReadsHeaders) {
    net::HttpHeaders headers{
        {"Retry-After", "2.128"}, {"request-id", "rid"}, {"client-request-id", "cid"}};
    auto e = decodeGraphError(429, fixture("error-throttled.json"), headers);
    EXPECT_EQ(e.retry_after, milliseconds(2128));
    EXPECT_EQ(e.request_id, "rid");  // the header wins over innerError
    EXPECT_EQ(e.client_request_id, "cid");
    EXPECT_NE(toError(e).context.find("request-id=rid"), std::string::npos);
}

TEST(DecodeMailboxSettings, ReadsAutomaticRepliesCaseInsensitively) {
    auto settings = decodeMailboxSettings(fixture("mailbox-settings.json"));
    ASSERT_TRUE(settings.ok()) << settings.error().toString();
    EXPECT_EQ(settings->automatic_replies.status, "scheduled");
    EXPECT_EQ(settings->automatic_replies.external_audience, "all");
    EXPECT_EQ(settings->automatic_replies.scheduled_start, utc("2026-12-23T23:00:00Z"));
    EXPECT_EQ(settings->automatic_replies.scheduled_end, utc("2027-01-02T00:00:00Z"));
    EXPECT_EQ(settings->time_zone, "W. Europe Standard Time");
    EXPECT_EQ(settings->locale, "de-CH");
    EXPECT_EQ(settings->user_purpose, "user");
}

TEST(DecodeSubscription, ReadsFields) {
    auto s = decodeSubscription(fixture("subscription.json"));
    ASSERT_TRUE(s.ok()) << s.error().toString();
    EXPECT_EQ(s->id, "7f105c7d-2dc5-4530-97cd-4e7ae6534c07");
    EXPECT_EQ(s->client_state, "c1c2c3");
    EXPECT_EQ(s->expiration, utc("2026-12-03T11:00:00Z"));
    EXPECT_EQ(s->lifecycle_notification_url, "https://calconn.example.com/graph/lifecycle");
}

TEST(DecodeTokenResponse, AcceptsNumberOrStringLifetime) {
    auto t = decodeTokenResponse(fixture("token.json"));
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(t->expires_in, seconds(3599));
    auto v1 =
        decodeTokenResponse(R"({"token_type":"Bearer","expires_in":"3600","access_token":"a"})");
    ASSERT_TRUE(v1.ok());
    EXPECT_EQ(v1->expires_in, seconds(3600));
    for (const char* bad : {R"({"token_type":"Bearer","expires_in":"soon","access_token":"a"})",
                            R"({"token_type":"Bearer","expires_in":true,"access_token":"a"})",
                            R"({"token_type":"Bearer","expires_in":-5,"access_token":"a"})",
                            R"({"token_type":"Bearer","expires_in":3600})",
                            R"({"token_type":"mac","expires_in":3600,"access_token":"a"})",
                            R"({"token_type":"Bearer","expires_in":3600,"access_token":5})"}) {
        EXPECT_FALSE(decodeTokenResponse(bad).ok()) << bad;
    }
}

TEST(DecodeTokenError, ClassifiesAadstsCodes) {
    auto expired = decodeTokenError(400, fixture("token-error-invalid-grant.json"));
    EXPECT_EQ(expired.codes, std::vector<long long>{700082});
    EXPECT_EQ(expired.kind, GraphErrorKind::ReauthRequired);
    EXPECT_EQ(toError(expired).code, ErrorCode::Unauthenticated);
    EXPECT_NE(toError(expired).context.find("trace-id=a1b2"), std::string::npos);

    auto consent = decodeTokenError(400, fixture("token-error-consent.json"));
    EXPECT_EQ(consent.kind, GraphErrorKind::ConsentMissing);
    EXPECT_EQ(toError(consent).code, ErrorCode::PermissionDenied);

    auto secret = decodeTokenError(401, fixture("token-error-bad-secret.json"));
    EXPECT_EQ(secret.kind, GraphErrorKind::CredentialsInvalid);
    EXPECT_EQ(errorKindOf(toError(secret)), GraphErrorKind::CredentialsInvalid);

    auto garbage = decodeTokenError(503, "<html>");
    EXPECT_EQ(garbage.kind, GraphErrorKind::ServiceUnavailable);
    EXPECT_EQ(toError(garbage).code, ErrorCode::Unavailable);
}

}  // namespace
}  // namespace calconn::graph
