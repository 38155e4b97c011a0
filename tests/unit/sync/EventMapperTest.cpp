#include <gtest/gtest.h>

#include "graph/Decoders.h"
#include "sync/EventMapper.h"
#include "sync/MailboxSync.h"

namespace calconn::sync {
namespace {

using namespace std::chrono_literals;

graph::Event decode(const std::string& json) {
    auto event = graph::decodeEvent(json);
    EXPECT_TRUE(event.ok()) << (event.ok() ? "" : event.error().toString());
    return event.ok() ? *event : graph::Event{};
}

const char* kFull = R"({
  "@odata.etag": "W/\"ck-1\"", "id": "AAMk-1", "changeKey": "ck-1", "iCalUId": "ical-1",
  "subject": "Quarterly review", "type": "singleInstance",
  "body": {"contentType": "html", "content": "<p>hi</p>"},
  "start": {"dateTime": "2026-12-01T09:00:00.0000000", "timeZone": "W. Europe Standard Time"},
  "end": {"dateTime": "2026-12-01T10:00:00.0000000", "timeZone": "W. Europe Standard Time"},
  "isAllDay": false, "isCancelled": true, "isOnlineMeeting": true,
  "sensitivity": "private", "showAs": "tentative",
  "responseStatus": {"response": "accepted", "time": "0001-01-01T00:00:00Z"},
  "organizer": {"emailAddress": {"name": "Alice", "address": "alice@contoso.com"}},
  "attendees": [{"type": "resource", "status": {"response": "declined"},
                 "emailAddress": {"name": "Room 4B", "address": "room-4b@contoso.com"}}],
  "location": {"displayName": "@webex", "locationType": "default"},
  "locations": [{"displayName": "Room 4B", "locationType": "conferenceRoom",
                 "locationUri": "room-4b@contoso.com"}],
  "onlineMeeting": {"joinUrl": "https://teams.example/join/1"},
  "lastModifiedDateTime": "2026-11-20T07:00:00Z"
})";

TEST(EventMapper, MapsEveryFieldAndNormalisesToUtc) {
    auto meeting = toMeeting(decode(kFull), "bob@contoso.com");
    ASSERT_TRUE(meeting.ok()) << meeting.error().toString();
    const core::Meeting& m = *meeting;
    EXPECT_EQ(m.mailbox, "bob@contoso.com");
    EXPECT_EQ(m.id, "AAMk-1");
    EXPECT_EQ(m.ical_uid, "ical-1");
    EXPECT_EQ(m.type, core::MeetingType::SingleInstance);
    // 09:00 in Berlin in December is 08:00 UTC.
    const auto day = std::chrono::sys_days{std::chrono::year{2026} / 12 / 1};
    EXPECT_EQ(m.start, day + 8h);
    EXPECT_EQ(m.end, day + 9h);
    EXPECT_TRUE(m.is_cancelled);
    EXPECT_TRUE(m.is_online_meeting);
    EXPECT_EQ(m.sensitivity, core::Sensitivity::Private);
    EXPECT_EQ(m.show_as, core::ShowAs::Tentative);
    EXPECT_EQ(m.response, core::ResponseType::Accepted);
    EXPECT_EQ(m.organizer.address, "alice@contoso.com");
    ASSERT_EQ(m.attendees.size(), 1u);
    EXPECT_EQ(m.attendees[0].type, core::AttendeeType::Resource);
    EXPECT_EQ(m.attendees[0].response, core::ResponseType::Declined);
    EXPECT_EQ(m.subject, "Quarterly review");
    EXPECT_EQ(m.location.display_name, "@webex");
    ASSERT_EQ(m.locations.size(), 1u);
    EXPECT_EQ(m.locations[0].uri, "room-4b@contoso.com");
    EXPECT_EQ(m.body.type, core::BodyType::Html);
    EXPECT_EQ(m.body.content, "<p>hi</p>");
    EXPECT_EQ(m.online_meeting_join_url, "https://teams.example/join/1");
    EXPECT_EQ(m.change_key, "ck-1");
    ASSERT_TRUE(m.last_modified.has_value());
}

TEST(EventMapper, RejectsAnInstanceWithoutTimes) {
    graph::Event event;
    event.id = "x";
    event.type = graph::EventType::SingleInstance;
    EXPECT_FALSE(toMeeting(event, "u").ok());
    event.type = graph::EventType::SeriesMaster;
    EXPECT_TRUE(toMeeting(event, "u").ok());
}

TEST(EventMapper, ChangeKeyFallsBackToTheEtag) {
    graph::Event event;
    event.etag = "W/\"DwAAABYAAA==\"";
    EXPECT_EQ(changeKeyOf(event), "DwAAABYAAA==");
    event.change_key = "explicit";
    EXPECT_EQ(changeKeyOf(event), "explicit");
}

TEST(EventMapper, ClassifiesTombstonesBareOccurrencesAndUpserts) {
    auto page = graph::decodeDeltaPage(R"({"value":[
      {"id":"gone","@removed":{"reason":"deleted"}},
      {"@odata.etag":"W/\"occ-ck\"","id":"occ-1","seriesMasterId":"master-1","type":"occurrence",
       "start":{"dateTime":"2026-12-02T08:00:00.0000000","timeZone":"UTC"},
       "end":{"dateTime":"2026-12-02T08:15:00.0000000","timeZone":"UTC"}},
      {"id":"single","subject":"s","type":"singleInstance",
       "start":{"dateTime":"2026-12-02T08:00:00.0000000","timeZone":"UTC"},
       "end":{"dateTime":"2026-12-02T08:15:00.0000000","timeZone":"UTC"}}],
      "@odata.deltaLink":"https://graph/delta?$deltatoken=x"})");
    ASSERT_TRUE(page.ok()) << page.error().toString();
    ASSERT_EQ(page->entries.size(), 3u);
    EXPECT_EQ(classify(page->entries[0]), EntryKind::Removal);
    EXPECT_EQ(classify(page->entries[1]), EntryKind::BareOccurrence);
    EXPECT_EQ(classify(page->entries[2]), EntryKind::Upsert);

    core::Meeting master;
    master.id = "master-1";
    master.type = core::MeetingType::SeriesMaster;
    master.subject = "Standup";
    master.ical_uid = "series-uid";
    master.change_key = "master-ck";
    const core::Meeting occ = hydrateOccurrence(page->entries[1].event, master);
    EXPECT_EQ(occ.id, "occ-1");
    EXPECT_EQ(occ.type, core::MeetingType::Occurrence);
    EXPECT_EQ(occ.series_master_id, "master-1");
    EXPECT_EQ(occ.subject, "Standup");
    EXPECT_EQ(occ.change_key, "occ-ck|master-ck");
    EXPECT_TRUE(occ.ical_uid.empty());
    EXPECT_EQ(occ.start, std::chrono::sys_days{std::chrono::year{2026} / 12 / 2} + 8h);
    EXPECT_EQ(occ.end - occ.start, 15min);
}

TEST(MasterCache, FetchesEachMasterOncePerRound) {
    int stored_calls = 0;
    int fetch_calls = 0;
    MasterCache cache(
        [&](const std::string&) -> common::Result<std::optional<core::Meeting>> {
            ++stored_calls;
            return std::optional<core::Meeting>();
        },
        [&](const std::string& id) -> common::Result<std::optional<core::Meeting>> {
            ++fetch_calls;
            if (id == "gone") return std::optional<core::Meeting>();
            core::Meeting m;
            m.id = id;
            return std::optional<core::Meeting>(m);
        });
    for (int i = 0; i < 3; ++i) {
        auto m = cache.get("m1");
        ASSERT_TRUE(m.ok());
        ASSERT_TRUE(m->has_value());
        auto gone = cache.get("gone");
        ASSERT_TRUE(gone.ok());
        EXPECT_FALSE(gone->has_value());
    }
    EXPECT_EQ(fetch_calls, 2);
    EXPECT_EQ(cache.fetches(), 2);
    EXPECT_EQ(stored_calls, 2);

    core::Meeting delivered;
    delivered.id = "m2";
    cache.remember(delivered);
    ASSERT_TRUE(cache.get("m2").ok());
    EXPECT_EQ(fetch_calls, 2);
}

TEST(MailboxSyncReason, MapsGraphErrorsToMailboxReasons) {
    auto reason = [](int status, const std::string& code, const std::string& message) {
        auto decoded = graph::decodeGraphError(
            status, R"({"error":{"code":")" + code + R"(","message":")" + message + R"("}})");
        return reasonFor(graph::toError(decoded));
    };
    EXPECT_EQ(reason(403, "ErrorAccessDenied",
                     "Access to OData is disabled: [RAOP] : Blocked by tenant configured AppOnly "
                     "AccessPolicy settings."),
              core::MailboxErrorReason::OutOfScope);
    EXPECT_EQ(reason(404, "MailboxNotEnabledForRESTAPI", "REST API is not yet supported"),
              core::MailboxErrorReason::NotEnabledForRest);
    EXPECT_EQ(reason(404, "ErrorInvalidUser", "The requested user is invalid."),
              core::MailboxErrorReason::MailboxNotFound);
    EXPECT_EQ(reason(429, "ApplicationThrottled", "too many"), core::MailboxErrorReason::Throttled);
    EXPECT_EQ(reason(503, "ServiceUnavailable", "x"), core::MailboxErrorReason::Unavailable);
}

}  // namespace
}  // namespace calconn::sync
