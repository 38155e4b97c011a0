// Graph v1.0 endpoints over real HTTPS: shapes, status codes, headers, paging and delta.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <thread>

#include "GraphsimTestSupport.h"
#include "SimHttp.h"

namespace calconn::graphsim {
namespace {

using testing::GraphsimFixture;
using testing::runDelta;

const std::string kWindow = "startDateTime=2026-11-01T00:00:00Z&endDateTime=2027-01-31T00:00:00Z";

std::string userPath(GraphsimFixture& f, const std::string& tail) {
    return "/v1.0/users/" + urlEncode(f.firstUser()) + tail;
}

std::string createSingle(GraphsimFixture& f, const std::string& upn, const std::string& subject,
                         const std::string& start = "2026-12-01T10:00:00", const std::string& end = "2026-12-01T11:00:00") {
    auto r = f.control("POST", "/_sim/mailboxes/" + upn + "/events",
                       R"({"subject":")" + subject + R"(","start":{"dateTime":")" + start +
                           R"(","timeZone":"UTC"},"end":{"dateTime":")" + end + R"(","timeZone":"UTC"},
                           "body":{"contentType":"html","content":"<p>Join <a href=\"https://zoom.us/j/123\">here</a> &amp; go</p>"}})");
    EXPECT_EQ(r.status, 201) << r.body;
    return r.json()->getValue<std::string>("id");
}

TEST(GraphApi, RejectsMissingOrUnknownBearerToken) {
    GraphsimFixture f;
    auto r = f.http().request("GET", userPath(f, "/calendarView?" + kWindow));
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(r.json()->getObject("error")->getValue<std::string>("code"), "InvalidAuthenticationToken");
    EXPECT_FALSE(r.header("www-authenticate").empty());
    r = f.http().request("GET", userPath(f, "/calendarView?" + kWindow), {}, {{"Authorization", "Bearer nope"}});
    EXPECT_EQ(r.status, 401);
}

TEST(GraphApi, CalendarViewPagesMatchGroundTruth) {
    GraphsimFixture f;
    auto truth = f.control("GET", "/_sim/truth/" + f.firstUser() + "?" + kWindow).json()->getArray("value");
    std::vector<std::string> expected;
    for (size_t i = 0; i < truth->size(); ++i) expected.push_back(truth->getObject(static_cast<unsigned>(i))->getValue<std::string>("id"));
    ASSERT_GT(expected.size(), 3u);
    std::vector<std::string> got;
    std::string path = userPath(f, "/calendarView?" + kWindow);
    int pages = 0;
    while (!path.empty()) {
        auto r = f.graph("GET", path, {}, {{"Prefer", "odata.maxpagesize=3"}});
        ASSERT_EQ(r.status, 200) << r.body;
        EXPECT_EQ(r.header("preference-applied"), "odata.maxpagesize=3");
        auto obj = r.json();
        auto value = obj->getArray("value");
        EXPECT_LE(value->size(), 3u);
        for (size_t i = 0; i < value->size(); ++i) {
            auto ev = value->getObject(static_cast<unsigned>(i));
            got.push_back(ev->getValue<std::string>("id"));
            EXPECT_NE(ev->getValue<std::string>("type"), "seriesMaster");
            EXPECT_EQ(ev->getObject("start")->getValue<std::string>("timeZone"), "UTC");
        }
        path = obj->has("@odata.nextLink") ? f.relative(obj->getValue<std::string>("@odata.nextLink")) : "";
        ++pages;
    }
    EXPECT_EQ(got, expected);
    EXPECT_GT(pages, 1);
}

TEST(GraphApi, CalendarViewWindowIsRequiredAndCapped) {
    GraphsimFixture f;
    auto r = f.graph("GET", userPath(f, "/calendarView"));
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.json()->getObject("error")->getValue<std::string>("code"), "ErrorInvalidParameter");
    r = f.graph("GET", userPath(f, "/calendarView?startDateTime=2026-01-01T00:00:00Z&endDateTime=2031-01-02T00:00:00Z"));
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.json()->getObject("error")->getValue<std::string>("code"), "ErrorInvalidRequest");
}

TEST(GraphApi, ErrorEnvelopeCarriesRequestIdsAndEchoesClientRequestId) {
    GraphsimFixture f;
    auto r = f.graph("GET", userPath(f, "/events/AAMkAGdoesnotexist="), {}, {{"client-request-id", "abc-123"}});
    EXPECT_EQ(r.status, 404);
    auto error = r.json()->getObject("error");
    EXPECT_EQ(error->getValue<std::string>("code"), "ErrorItemNotFound");
    EXPECT_EQ(error->getObject("innerError")->getValue<std::string>("client-request-id"), "abc-123");
    EXPECT_EQ(error->getObject("innerError")->getValue<std::string>("request-id"), r.header("request-id"));
    EXPECT_EQ(r.header("client-request-id"), "abc-123");
    r = f.graph("GET", "/v1.0/users/nobody@contoso.example/calendarView?" + kWindow);
    EXPECT_EQ(r.status, 404);
}

TEST(GraphApi, UsersAreAddressableByIdOrUpnCaseInsensitively) {
    GraphsimFixture f;
    const auto& mb = *f.sim().tenant().mailboxes[0];
    std::string upper = mb.upn;
    for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    EXPECT_EQ(f.graph("GET", "/v1.0/users/" + mb.id + "/mailboxSettings").status, 200);
    EXPECT_EQ(f.graph("GET", "/v1.0/users/" + upper + "/mailboxSettings").status, 200);
}

TEST(GraphApi, AccessPolicyAndUnlicensedMailboxes) {
    GraphsimFixture f;
    const auto& users = f.sim().tenant().mailboxes;
    ASSERT_EQ(f.control("POST", "/_sim/policy", R"({"mailboxes":[")" + users[0]->upn + R"("]})").status, 200);
    EXPECT_EQ(f.graph("GET", "/v1.0/users/" + users[0]->upn + "/mailboxSettings").status, 200);
    auto r = f.graph("GET", "/v1.0/users/" + users[1]->upn + "/mailboxSettings");
    EXPECT_EQ(r.status, 403);
    EXPECT_EQ(r.json()->getObject("error")->getValue<std::string>("code"), "ErrorAccessDenied");
    EXPECT_NE(r.body.find("[RAOP]"), std::string::npos);
    ASSERT_EQ(f.control("POST", "/_sim/policy", R"({"all":true})").status, 200);
    ASSERT_EQ(f.control("POST", "/_sim/mailboxes/" + users[1]->upn + "/state", R"({"restEnabled":false})").status, 200);
    r = f.graph("GET", "/v1.0/users/" + users[1]->upn + "/mailboxSettings");
    EXPECT_EQ(r.status, 404);
    EXPECT_EQ(r.json()->getObject("error")->getValue<std::string>("code"), "MailboxNotEnabledForRESTAPI");
}

TEST(GraphApi, DeltaInitialRoundThenExactlyTheChanges) {
    GraphsimFixture f;
    const std::string upn = f.firstUser();
    const std::string path = userPath(f, "/calendarView/delta?" + kWindow);
    auto initial = runDelta(f, path, {{"Prefer", "odata.maxpagesize=4"}});
    ASSERT_EQ(initial.status, 200);
    ASSERT_FALSE(initial.delta_link.empty());
    EXPECT_NE(initial.delta_link.find("$deltatoken="), std::string::npos);
    EXPECT_GT(initial.pages, 1);
    for (const auto& item : initial.items) EXPECT_FALSE(item->has("@removed"));

    // Nothing changed: an empty round.
    auto quiet = runDelta(f, initial.delta_link);
    EXPECT_TRUE(quiet.items.empty());

    const std::string created = createSingle(f, upn, "Created later");
    std::string victim;
    std::string edited;
    for (const auto& item : initial.items) {
        if (item->getValue<std::string>("type") != "singleInstance") continue;
        if (victim.empty()) victim = item->getValue<std::string>("id");
        else if (edited.empty()) edited = item->getValue<std::string>("id");
    }
    ASSERT_FALSE(edited.empty());
    ASSERT_EQ(f.control("PATCH", "/_sim/mailboxes/" + upn + "/events/" + edited, R"({"subject":"Renamed"})").status, 200);
    ASSERT_EQ(f.control("DELETE", "/_sim/mailboxes/" + upn + "/events/" + victim).status, 204);

    auto changes = runDelta(f, quiet.delta_link);
    ASSERT_EQ(changes.status, 200);
    std::map<std::string, Poco::JSON::Object::Ptr> by_id;
    for (const auto& item : changes.items) by_id[item->getValue<std::string>("id")] = item;
    ASSERT_EQ(by_id.size(), 3u);
    EXPECT_EQ(by_id[created]->getValue<std::string>("subject"), "Created later");
    EXPECT_EQ(by_id[edited]->getValue<std::string>("subject"), "Renamed");
    ASSERT_TRUE(by_id[victim]->has("@removed"));
    EXPECT_EQ(by_id[victim]->getObject("@removed")->getValue<std::string>("reason"), "deleted");
    EXPECT_EQ(by_id[victim]->size(), 3u);  // @odata.type, id, @removed only
}

TEST(GraphApi, DeltaSeriesHasBareOccurrencesAndReportsOccurrenceEdits) {
    GraphsimFixture f(2, 0, 0);
    const std::string upn = f.firstUser();
    const std::string path = userPath(f, "/calendarView/delta?" + kWindow);
    auto initial = runDelta(f, path);
    ASSERT_TRUE(initial.items.empty());
    auto created = f.control("POST", "/_sim/mailboxes/" + upn + "/events", R"({
        "subject":"Daily standup","start":{"dateTime":"2026-12-01T09:00:00","timeZone":"W. Europe Standard Time"},
        "end":{"dateTime":"2026-12-01T09:15:00","timeZone":"W. Europe Standard Time"},
        "recurrence":{"pattern":{"type":"daily","interval":1},
                      "range":{"type":"numbered","startDate":"2026-12-01","numberOfOccurrences":5}}})");
    ASSERT_EQ(created.status, 201) << created.body;
    const std::string master_id = created.json()->getValue<std::string>("id");
    EXPECT_EQ(created.json()->getValue<std::string>("type"), "seriesMaster");

    auto round = runDelta(f, initial.delta_link);
    ASSERT_EQ(round.items.size(), 6u);  // master + 5 bare occurrences
    std::vector<std::string> occurrences;
    for (const auto& item : round.items) {
        if (item->getValue<std::string>("type") == "seriesMaster") {
            EXPECT_TRUE(item->has("recurrence"));
            continue;
        }
        EXPECT_EQ(item->getValue<std::string>("type"), "occurrence");
        EXPECT_EQ(item->getValue<std::string>("seriesMasterId"), master_id);
        EXPECT_FALSE(item->has("subject"));
        EXPECT_TRUE(item->has("@odata.etag"));
        occurrences.push_back(item->getValue<std::string>("id"));
    }
    ASSERT_EQ(occurrences.size(), 5u);
    // 09:00 Berlin in December is 08:00 UTC.
    EXPECT_EQ(round.items[1]->getObject("start")->getValue<std::string>("dateTime"), "2026-12-01T08:00:00.0000000");

    // Edit one occurrence: exactly that exception comes back, in full.
    ASSERT_EQ(f.control("PATCH", "/_sim/mailboxes/" + upn + "/events/" + occurrences[1],
                        R"J({"subject":"Standup (moved)","start":{"dateTime":"2026-12-02T10:00:00","timeZone":"UTC"},
                            "end":{"dateTime":"2026-12-02T10:15:00","timeZone":"UTC"}})J").status, 200);
    auto edit = runDelta(f, round.delta_link);
    ASSERT_EQ(edit.items.size(), 1u);
    EXPECT_EQ(edit.items[0]->getValue<std::string>("type"), "exception");
    EXPECT_EQ(edit.items[0]->getValue<std::string>("subject"), "Standup (moved)");

    // Cancel another occurrence: a tombstone for it.
    ASSERT_EQ(f.control("DELETE", "/_sim/mailboxes/" + upn + "/events/" + occurrences[3]).status, 204);
    auto cancel = runDelta(f, edit.delta_link);
    ASSERT_EQ(cancel.items.size(), 1u);
    EXPECT_EQ(cancel.items[0]->getValue<std::string>("id"), occurrences[3]);
    EXPECT_TRUE(cancel.items[0]->has("@removed"));

    // instances reflects the exception and the cancellation.
    auto inst = f.graph("GET", userPath(f, "/events/" + master_id + "/instances?" + kWindow));
    ASSERT_EQ(inst.status, 200);
    EXPECT_EQ(inst.json()->getArray("value")->size(), 4u);
    auto occ = f.graph("GET", userPath(f, "/events/" + occurrences[0]));
    ASSERT_EQ(occ.status, 200);
    EXPECT_EQ(occ.json()->getValue<std::string>("subject"), "Daily standup");
    EXPECT_EQ(f.graph("GET", userPath(f, "/events/" + occurrences[3])).status, 404);
}

TEST(GraphApi, ExpiredOrUnknownDeltaTokenGets410) {
    GraphsimFixture f;
    auto initial = runDelta(f, userPath(f, "/calendarView/delta?" + kWindow));
    ASSERT_EQ(initial.status, 200);
    auto bogus = f.graph("GET", userPath(f, "/calendarView/delta?$deltatoken=notatoken"));
    EXPECT_EQ(bogus.status, 410);
    EXPECT_EQ(bogus.json()->getObject("error")->getValue<std::string>("code"), "SyncStateNotFound");
    ASSERT_EQ(f.control("POST", "/_sim/delta/expire", R"({"mailbox":")" + f.firstUser() + R"("})").status, 200);
    auto expired = runDelta(f, initial.delta_link);
    EXPECT_EQ(expired.status, 410);
    EXPECT_EQ(expired.error_code, "SyncStateNotFound");
}

TEST(GraphApi, PatchWithStaleIfMatchGets412) {
    GraphsimFixture f;
    const std::string id = createSingle(f, f.firstUser(), "Etag test");
    auto get = f.graph("GET", userPath(f, "/events/" + id));
    ASSERT_EQ(get.status, 200);
    const std::string etag = get.json()->getValue<std::string>("@odata.etag");
    auto ok = f.graph("PATCH", userPath(f, "/calendar/events/" + id), R"({"subject":"v2"})", {{"If-Match", etag}});
    ASSERT_EQ(ok.status, 200) << ok.body;
    EXPECT_NE(ok.json()->getValue<std::string>("@odata.etag"), etag);
    EXPECT_NE(ok.json()->getValue<std::string>("changeKey"), get.json()->getValue<std::string>("changeKey"));
    auto stale = f.graph("PATCH", userPath(f, "/calendar/events/" + id), R"({"subject":"v3"})", {{"If-Match", etag}});
    EXPECT_EQ(stale.status, 412);
}

TEST(GraphApi, TimeZoneAndBodyContentTypePreferences) {
    GraphsimFixture f;
    const std::string id = createSingle(f, f.firstUser(), "Zones", "2026-07-01T12:00:00", "2026-07-01T13:00:00");
    auto pacific = f.graph("GET", userPath(f, "/events/" + id), {}, {{"Prefer", "outlook.timezone=\"Pacific Standard Time\""}});
    ASSERT_EQ(pacific.status, 200);
    EXPECT_EQ(pacific.json()->getObject("start")->getValue<std::string>("dateTime"), "2026-07-01T05:00:00.0000000");
    EXPECT_EQ(pacific.json()->getObject("start")->getValue<std::string>("timeZone"), "Pacific Standard Time");
    EXPECT_EQ(pacific.header("preference-applied"), "outlook.timezone=\"Pacific Standard Time\"");
    auto berlin = f.graph("GET", userPath(f, "/events/" + id), {},
                          {{"Prefer", "outlook.timezone=\"Europe/Berlin\", outlook.body-content-type=\"text\""}});
    ASSERT_EQ(berlin.status, 200);
    EXPECT_EQ(berlin.json()->getObject("start")->getValue<std::string>("dateTime"), "2026-07-01T14:00:00.0000000");
    auto body = berlin.json()->getObject("body");
    EXPECT_EQ(body->getValue<std::string>("contentType"), "text");
    EXPECT_EQ(body->getValue<std::string>("content"), "Join here<https://zoom.us/j/123> & go\r\n");
    auto html = f.graph("GET", userPath(f, "/events/" + id));
    EXPECT_EQ(html.json()->getObject("body")->getValue<std::string>("contentType"), "html");
}

TEST(GraphApi, ExtendedPropertiesAreStoredAndExpandedOnRequest) {
    GraphsimFixture f;
    const std::string id = createSingle(f, f.firstUser(), "Props");
    const std::string prop = "String {66f5a359-4659-4830-9070-00040ec6ac6e} Name SyncId";
    auto patch = f.graph("PATCH", userPath(f, "/calendar/events/" + id),
                         R"({"singleValueExtendedProperties":[{"id":")" + prop + R"(","value":"abc123"}]})");
    ASSERT_EQ(patch.status, 200);
    EXPECT_FALSE(patch.json()->has("singleValueExtendedProperties"));
    auto plain = f.graph("GET", userPath(f, "/events/" + id));
    EXPECT_FALSE(plain.json()->has("singleValueExtendedProperties"));
    auto expanded = f.graph("GET", userPath(f, "/events/" + id + "?$expand=" +
                                                  urlEncode("singleValueExtendedProperties($filter=id eq '" + prop + "')")));
    ASSERT_EQ(expanded.status, 200);
    auto props = expanded.json()->getArray("singleValueExtendedProperties");
    ASSERT_EQ(props->size(), 1u);
    EXPECT_EQ(props->getObject(0)->getValue<std::string>("value"), "abc123");
}

TEST(GraphApi, CreateIsIdempotentByTransactionIdAndDeleteIs204) {
    GraphsimFixture f;
    const std::string body = R"({"subject":"Tx","transactionId":"tx-1","start":{"dateTime":"2026-12-03T10:00:00","timeZone":"UTC"},
                                 "end":{"dateTime":"2026-12-03T10:30:00","timeZone":"UTC"}})";
    auto a = f.graph("POST", userPath(f, "/calendar/events"), body);
    auto b = f.graph("POST", userPath(f, "/calendar/events"), body);
    ASSERT_EQ(a.status, 201);
    ASSERT_EQ(b.status, 201);
    EXPECT_EQ(a.json()->getValue<std::string>("id"), b.json()->getValue<std::string>("id"));
    EXPECT_EQ(a.json()->getValue<std::string>("transactionId"), "tx-1");
    const std::string id = a.json()->getValue<std::string>("id");
    EXPECT_EQ(f.graph("DELETE", userPath(f, "/calendar/events/" + id)).status, 204);
    EXPECT_EQ(f.graph("GET", userPath(f, "/events/" + id)).status, 404);
}

TEST(GraphApi, RespondingUpdatesResponseStatus) {
    GraphsimFixture f;
    const auto& users = f.sim().tenant().mailboxes;
    // An invitation organised by user 1, as it sits in user 0's calendar.
    auto r = f.control("POST", "/_sim/mailboxes/" + users[0]->upn + "/events",
                       R"({"subject":"Invite","organizer":{"emailAddress":{"address":")" + users[1]->upn +
                           R"("}},"start":{"dateTime":"2026-12-04T10:00:00","timeZone":"UTC"},"end":{"dateTime":"2026-12-04T11:00:00","timeZone":"UTC"}})");
    ASSERT_EQ(r.status, 201);
    const std::string id = r.json()->getValue<std::string>("id");
    EXPECT_EQ(r.json()->getValue<bool>("isOrganizer"), false);
    auto accepted = f.graph("POST", userPath(f, "/calendar/events/" + id + "/accept"), R"({"comment":"ok","sendResponse":true})");
    EXPECT_EQ(accepted.status, 202);
    EXPECT_TRUE(accepted.body.empty());
    auto get = f.graph("GET", userPath(f, "/events/" + id));
    EXPECT_EQ(get.json()->getObject("responseStatus")->getValue<std::string>("response"), "accepted");
    auto declined = f.graph("POST", userPath(f, "/calendar/events/" + id + "/decline"),
                            R"({"sendResponse":false,"proposedNewTime":{"start":{"dateTime":"2026-12-04T12:00:00","timeZone":"UTC"},"end":{"dateTime":"2026-12-04T13:00:00","timeZone":"UTC"}}})");
    EXPECT_EQ(declined.status, 400);
}

TEST(GraphApi, MailboxSettingsAndGetSchedule) {
    GraphsimFixture f;
    auto s = f.graph("GET", userPath(f, "/mailboxSettings"));
    ASSERT_EQ(s.status, 200);
    auto obj = s.json();
    EXPECT_TRUE(obj->has("timeZone"));
    EXPECT_TRUE(obj->getObject("language")->has("locale"));
    EXPECT_TRUE(obj->getObject("automaticRepliesSetting")->has("status"));
    ASSERT_EQ(f.control("PATCH", "/_sim/mailboxes/" + f.firstUser() + "/settings",
                        R"({"automaticRepliesSetting":{"status":"Scheduled","scheduledStartDateTime":{"dateTime":"2026-12-01T00:00:00","timeZone":"UTC"},"scheduledEndDateTime":{"dateTime":"2026-12-05T00:00:00","timeZone":"UTC"}}})").status, 200);
    auto ar = f.graph("GET", userPath(f, "/mailboxSettings/automaticRepliesSetting"));
    EXPECT_EQ(ar.json()->getValue<std::string>("status"), "scheduled");

    createSingle(f, f.firstUser(), "Busy block", "2026-12-07T09:00:00", "2026-12-07T10:00:00");
    auto sched = f.graph("POST", userPath(f, "/calendar/getSchedule"),
                         R"({"schedules":[")" + f.firstUser() + R"(","ghost@contoso.example"],
                             "startTime":{"dateTime":"2026-12-07T08:00:00","timeZone":"UTC"},
                             "endTime":{"dateTime":"2026-12-07T11:00:00","timeZone":"UTC"},"availabilityViewInterval":60})");
    ASSERT_EQ(sched.status, 200) << sched.body;
    auto value = sched.json()->getArray("value");
    ASSERT_EQ(value->size(), 2u);
    EXPECT_EQ(value->getObject(0)->getValue<std::string>("availabilityView").size(), 3u);
    EXPECT_EQ(value->getObject(0)->getValue<std::string>("availabilityView")[1], '2');
    EXPECT_EQ(value->getObject(1)->getObject("error")->getValue<std::string>("responseCode"), "ErrorMailRecipientNotFound");
    auto too_long = f.graph("POST", userPath(f, "/calendar/getSchedule"),
                            R"({"schedules":["a@b"],"startTime":{"dateTime":"2026-01-01T00:00:00","timeZone":"UTC"},
                                "endTime":{"dateTime":"2026-04-01T00:00:00","timeZone":"UTC"}})");
    EXPECT_EQ(too_long.status, 400);
    EXPECT_EQ(too_long.json()->getObject("error")->getValue<std::string>("code"), "ErrorTimeIntervalTooBig");
}

TEST(GraphApi, FaultInjectionStatusRetryAfterResetAndInvalidJson) {
    GraphsimFixture f;
    ASSERT_EQ(f.control("POST", "/_sim/faults", R"({"pattern":"GET /v1.0/users/[^/]+/mailboxSettings","status":503,"retryAfter":"fractional","count":1})").status, 200);
    auto r = f.graph("GET", userPath(f, "/mailboxSettings"));
    EXPECT_EQ(r.status, 503);
    EXPECT_EQ(r.header("retry-after"), "2.128");
    EXPECT_EQ(f.graph("GET", userPath(f, "/mailboxSettings")).status, 200);  // count exhausted
    ASSERT_EQ(f.control("POST", "/_sim/faults", R"({"pattern":"mailboxSettings","status":429,"retryAfter":"absent","count":1})").status, 200);
    r = f.graph("GET", userPath(f, "/mailboxSettings"));
    EXPECT_EQ(r.status, 429);
    EXPECT_TRUE(r.header("retry-after").empty());
    ASSERT_EQ(f.control("POST", "/_sim/faults", R"({"pattern":"mailboxSettings","reset":true,"count":1})").status, 200);
    r = f.graph("GET", userPath(f, "/mailboxSettings"));
    EXPECT_EQ(r.status, 200);  // the client helper retried once after the reset
    ASSERT_EQ(f.control("POST", "/_sim/faults", R"({"pattern":"mailboxSettings","invalidJson":true,"count":1})").status, 200);
    r = f.graph("GET", userPath(f, "/mailboxSettings"));
    EXPECT_EQ(r.status, 200);
    EXPECT_THROW(r.json(), Poco::Exception);
    auto counters = f.control("GET", "/_sim/counters").json();
    EXPECT_GE(counters->getObject("endpoints")->getValue<int>("mailboxSettings"), 3);
}

TEST(GraphApi, StalledNextLinkFaultRepeatsThePage) {
    GraphsimFixture f;
    ASSERT_EQ(f.control("POST", "/_sim/faults", R"({"pattern":"calendarView/delta","stallNextLink":true,"count":1})").status, 200);
    const std::string path = userPath(f, "/calendarView/delta?" + kWindow);
    auto first = f.graph("GET", path, {}, {{"Prefer", "odata.maxpagesize=2"}});
    ASSERT_EQ(first.status, 200);
    const std::string link = f.relative(first.json()->getValue<std::string>("@odata.nextLink"));
    EXPECT_EQ(link, path);
    // The fault fired once; the client that de-duplicates still finishes the round.
    auto round = runDelta(f, link, {{"Prefer", "odata.maxpagesize=2"}});
    EXPECT_EQ(round.status, 200);
    EXPECT_FALSE(round.delta_link.empty());
}

#if GRAPHSIM_HAVE_THROTTLE
TEST(GraphApi, RequestBudgetExhaustionGets429WithRetryAfter) {
    GraphsimFixture f;
    ASSERT_EQ(f.control("POST", "/_sim/throttle/limits", R"({"budget":3,"retryAfter":"integer"})").status, 200);
    for (int i = 0; i < 3; ++i) EXPECT_EQ(f.graph("GET", userPath(f, "/mailboxSettings")).status, 200);
    auto r = f.graph("GET", userPath(f, "/mailboxSettings"));
    EXPECT_EQ(r.status, 429);
    EXPECT_FALSE(r.header("retry-after").empty());
    // Another mailbox is unaffected.
    EXPECT_EQ(f.graph("GET", "/v1.0/users/" + f.sim().tenant().mailboxes[1]->upn + "/mailboxSettings").status, 200);
}

TEST(GraphApi, FifthConcurrentRequestOnAMailboxGets429) {
    GraphsimFixture f;
    const std::string token = f.token();
    // Slow calls hold their concurrency slot for the injected latency: long enough for all six
    // clients (each with its own TLS handshake) to arrive while the first four are held.
    ASSERT_EQ(f.control("POST", "/_sim/faults", R"({"pattern":"mailboxSettings","latencyMs":2000})").status, 200);
    std::vector<std::thread> threads;
    std::vector<int> statuses(6, 0);
    for (int i = 0; i < 6; ++i) {
        threads.emplace_back([&, i] {
            testing::HttpClient client(testing::testPki().ca_cert_file, f.port());
            statuses[static_cast<size_t>(i)] = client.request("GET", userPath(f, "/mailboxSettings"), {},
                                                              {{"Authorization", "Bearer " + token}}).status;
        });
    }
    for (auto& t : threads) t.join();
    const auto throttled = std::count(statuses.begin(), statuses.end(), 429);
    EXPECT_GE(throttled, 1);
    EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 200) + throttled, 6);
    auto counters = f.control("GET", "/_sim/counters").json();
    EXPECT_LE(counters->getObject("mailboxes")->getObject(f.firstUser())->getValue<int>("maxConcurrent"), 4);
}
#endif

}  // namespace
}  // namespace calconn::graphsim

namespace calconn::graphsim {
namespace {

// bodyPreview is cut after 255 characters, never inside a UTF-8 sequence (a Japanese
// join-details block once made every later answer for the mailbox invalid JSON).
TEST(GraphApi, BodyPreviewIsCutAtACharacterBoundary) {
    GraphsimFixture f;
    std::string japanese;
    for (int i = 0; i < 300; ++i) japanese += "\xE4\xBC\x9A";  // U+4F1A, three bytes
    auto created = f.control("POST", "/_sim/mailboxes/" + f.firstUser() + "/events",
                             R"({"subject":"x","start":{"dateTime":"2026-12-01T10:00:00","timeZone":"UTC"},)"
                             R"("end":{"dateTime":"2026-12-01T11:00:00","timeZone":"UTC"},)"
                             R"("body":{"contentType":"text","content":")" + japanese + R"("}})");
    ASSERT_EQ(created.status, 201) << created.body;
    const std::string id = created.json()->getValue<std::string>("id");
    auto r = f.graph("GET", userPath(f, "/events/" + id));
    ASSERT_EQ(r.status, 200) << r.body;
    const std::string preview = r.json()->getValue<std::string>("bodyPreview");
    EXPECT_EQ(preview.size(), 255u * 3);
    EXPECT_EQ(preview, japanese.substr(0, 255 * 3));
}

}  // namespace
}  // namespace calconn::graphsim
