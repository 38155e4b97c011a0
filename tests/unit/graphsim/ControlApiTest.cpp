// The /_sim/ control API and the deterministic tenant generator.
#include <gtest/gtest.h>

#include <set>

#include "EventRender.h"
#include "Generator.h"
#include "GraphsimTestSupport.h"
#include "Json.h"

namespace calconn::graphsim {
namespace {

using testing::GraphsimFixture;

std::string truthJson(std::uint64_t seed) {
    Tenant tenant;
    GeneratorConfig config;
    config.seed = seed;
    config.users = 20;
    config.rooms = 3;
    config.events_per_mailbox = 15;
    config.base_day = daysFromCivil(2026, 11, 27);
    generateTenant(tenant, config);
    JsonWriter w;
    w.beginArray();
    for (const auto& m : tenant.mailboxes) {
        w.value(m->upn).value(m->id).value(m->settings.time_zone);
        for (const auto& [key, e] : m->events)
            for (const auto& inst : expandEvent(e, config.base_day * kDay - 30 * kDay, config.base_day * kDay + 90 * kDay))
                renderInstance(w, inst, RenderOptions{});
    }
    w.endArray();
    return w.take();
}

TEST(Generator, SameSeedGivesTheSameTenant) {
    const std::string a = truthJson(99);
    EXPECT_EQ(a, truthJson(99));
    EXPECT_NE(a, truthJson(100));
}

TEST(Generator, ProducesTheInvitationVarietyAndSeries) {
    Tenant tenant;
    GeneratorConfig config;
    config.seed = 3;
    config.users = 40;
    config.rooms = 5;
    config.events_per_mailbox = 20;
    config.base_day = daysFromCivil(2026, 11, 27);
    generateTenant(tenant, config);
    int series = 0, exceptions = 0, cancelled = 0, teams = 0, room_events = 0;
    std::string all_bodies;
    std::set<std::string> zones;
    for (const auto& m : tenant.mailboxes) {
        zones.insert(m->settings.time_zone);
        for (const auto& [key, e] : m->events) {
            if (m->kind == MailboxKind::Room) ++room_events;
            series += e.is_series;
            for (const auto& [start, ov] : e.overrides) {
                exceptions += ov.fields.has_value();
                cancelled += ov.cancelled;
            }
            teams += !e.fields.join_url.empty();
            all_bodies += renderBody(e.fields.body, e.fields.subject);
        }
    }
    EXPECT_GT(series, 20);
    EXPECT_GT(exceptions, 3);
    EXPECT_GT(cancelled, 3);
    EXPECT_GT(teams, 50);
    EXPECT_GT(room_events, 20);
    EXPECT_GE(zones.size(), 5u);
    for (const char* needle : {"teams.microsoft.com/l/meetup-join/", "safelinks.protection.outlook.com/?url=",
                               "urldefense.com/v3/__", "zoom.us/j/", "webex.com", "meet.google.com/", "sip:",
                               "tel:", "teams.microsoft.com/meet/"}) {
        EXPECT_NE(all_bodies.find(needle), std::string::npos) << needle;
    }
}

TEST(ControlApi, ListsMailboxesWithKindsAndCounts) {
    GraphsimFixture f(3, 2, 5);
    auto r = f.control("GET", "/_sim/mailboxes");
    ASSERT_EQ(r.status, 200);
    auto list = r.jsonArray();
    ASSERT_EQ(list->size(), 5u);
    EXPECT_EQ(list->getObject(0)->getValue<std::string>("kind"), "user");
    EXPECT_EQ(list->getObject(0)->getValue<int>("events"), 5);
    EXPECT_EQ(list->getObject(4)->getValue<std::string>("kind"), "room");
    EXPECT_TRUE(list->getObject(0)->has("upn"));
    EXPECT_TRUE(list->getObject(0)->has("id"));
}

TEST(ControlApi, OrganizerCancelMarksAttendeeCopiesCancelled) {
    GraphsimFixture f(3, 0, 0);
    const auto& users = f.sim().tenant().mailboxes;
    const std::string when = R"("start":{"dateTime":"2026-12-09T10:00:00","timeZone":"UTC"},"end":{"dateTime":"2026-12-09T11:00:00","timeZone":"UTC"})";
    auto org = f.control("POST", "/_sim/mailboxes/" + users[0]->upn + "/events",
                         R"({"subject":"Review",)" + when + R"(,"attendees":[{"type":"required","emailAddress":{"address":")" +
                             users[1]->upn + R"("}}]})");
    ASSERT_EQ(org.status, 201);
    // The attendee's copy shares the iCalUId.
    const std::string ical = org.json()->getValue<std::string>("iCalUId");
    auto copy = f.control("POST", "/_sim/mailboxes/" + users[1]->upn + "/events",
                          R"({"subject":"Review","organizer":{"emailAddress":{"address":")" + users[0]->upn + R"("}},)" + when + "}");
    ASSERT_EQ(copy.status, 201);
    {
        Mailbox& m = *users[1];
        std::unique_lock lock(m.mutex);
        Tenant::findEvent(m, copy.json()->getValue<std::string>("id"))->ical_uid = ical;
    }
    auto cancel = f.control("POST", "/_sim/mailboxes/" + users[0]->upn + "/events/" + org.json()->getValue<std::string>("id") + "/cancel");
    EXPECT_EQ(cancel.status, 202);
    auto truth = f.control("GET", "/_sim/truth/" + users[1]->upn).json()->getArray("value");
    ASSERT_EQ(truth->size(), 1u);
    EXPECT_TRUE(truth->getObject(0)->getValue<bool>("isCancelled"));
    EXPECT_EQ(f.control("GET", "/_sim/truth/" + users[0]->upn).json()->getArray("value")->size(), 0u);
}

TEST(ControlApi, OrganizerEditsAndDeletesReachTheRoomCopy) {
    GraphsimFixture f(12, 2, 10);
    // Find a generated meeting the owner organises with a room invited.
    std::string upn, id, room_upn, ical;
    for (const auto& m : f.sim().tenant().mailboxes) {
        if (m->kind != MailboxKind::User) continue;
        std::shared_lock lock(m->mutex);
        for (const auto& [key, e] : m->events) {
            if (e.is_series || !e.fields.is_organizer) continue;
            for (const auto& a : e.fields.attendees)
                if (a.type == "resource") {
                    upn = m->upn;
                    id = e.id;
                    room_upn = a.email.address;
                    ical = e.ical_uid;
                }
        }
        if (!id.empty()) break;
    }
    ASSERT_FALSE(id.empty());
    auto room_has = [&](const std::string& subject) {
        auto truth = f.control("GET", "/_sim/truth/" + room_upn + "?startDateTime=2026-01-01T00:00:00Z&endDateTime=2028-01-01T00:00:00Z")
                         .json()->getArray("value");
        for (size_t i = 0; i < truth->size(); ++i) {
            auto ev = truth->getObject(static_cast<unsigned>(i));
            if (ev->getValue<std::string>("uid") == ical) return ev->getValue<std::string>("subject") == subject;
        }
        return false;
    };
    ASSERT_EQ(f.control("PATCH", "/_sim/mailboxes/" + upn + "/events/" + id, R"({"subject":"Moved to room"})").status, 200);
    EXPECT_TRUE(room_has("Moved to room"));
    ASSERT_EQ(f.control("DELETE", "/_sim/mailboxes/" + upn + "/events/" + id).status, 204);
    EXPECT_FALSE(room_has("Moved to room"));
}

TEST(ControlApi, CountersTrackEndpointsAndMailboxes) {
    GraphsimFixture f;
    ASSERT_EQ(f.graph("GET", "/v1.0/users/" + f.firstUser() + "/mailboxSettings").status, 200);
    auto c = f.control("GET", "/_sim/counters").json();
    EXPECT_EQ(c->getObject("endpoints")->getValue<int>("mailboxSettings"), 1);
    EXPECT_EQ(c->getObject("mailboxes")->getObject(f.firstUser())->getValue<int>("requests"), 1);
    EXPECT_EQ(c->getObject("mailboxes")->getObject(f.firstUser())->getValue<int>("maxConcurrent"), 1);
}

}  // namespace
}  // namespace calconn::graphsim
