// The /_sim/ control API: lets tests act as other clients, inject faults and read ground truth.
#include <Poco/JSON/Array.h>

#include "Json.h"
#include "SimInternal.h"
#include "Simulator.h"

namespace calconn::graphsim {

using internal::jsonResponse;
using internal::parseObject;

namespace {

SimResponse ok() { return jsonResponse(200, "{\"ok\":true}"); }

SimResponse bad(int status, const std::string& message) {
    JsonWriter w;
    w.beginObject().field("error", message).endObject();
    return jsonResponse(status, w.take());
}

void renderTruth(JsonWriter& w, const Mailbox& m, Seconds from, Seconds to) {
    std::shared_lock lock(m.mutex);
    std::vector<Instance> all;
    for (const auto& [key, e] : m.events) {
        auto v = expandEvent(e, from, to);
        all.insert(all.end(), v.begin(), v.end());
    }
    std::stable_sort(all.begin(), all.end(), [](const Instance& a, const Instance& b) { return a.start < b.start; });
    RenderOptions o;
    w.beginArray();
    for (const auto& inst : all) renderInstance(w, inst, o);
    w.endArray();
}

}  // namespace

SimResponse Simulator::handleControl(const SimRequest& request) {
    auto parts = internal::splitPath(request.path);
    parts.erase(parts.begin());  // "_sim"
    const std::string& m = request.method;
    if (parts.empty()) return bad(404, "see graphsim --help for the /_sim/ API");
    const std::string& area = parts[0];

    if (area == "mailboxes" && parts.size() == 1 && m == "GET") {
        JsonWriter w;
        w.beginArray();
        for (const auto& mb : tenant_.mailboxes) {
            std::shared_lock lock(mb->mutex);
            std::int64_t live = 0;
            for (const auto& [k, e] : mb->events) live += e.deleted ? 0 : 1;
            w.beginObject().field("upn", mb->upn).field("id", mb->id)
                .field("kind", mb->kind == MailboxKind::Room ? "room" : "user")
                .field("displayName", mb->display_name).field("events", live).endObject();
        }
        w.endArray();
        return jsonResponse(200, w.take());
    }
    if (area == "mailboxes" && parts.size() >= 2) {
        Mailbox* mb = tenant_.find(parts[1]);
        if (!mb) return bad(404, "unknown mailbox " + parts[1]);
        if (parts.size() == 2 && m == "GET") {
            JsonWriter w;
            w.beginObject().field("upn", mb->upn).field("id", mb->id)
                .field("kind", mb->kind == MailboxKind::Room ? "room" : "user")
                .field("displayName", mb->display_name).field("restEnabled", mb->rest_enabled)
                .field("timeZone", mb->settings.time_zone).field("locale", mb->settings.locale).endObject();
            return jsonResponse(200, w.take());
        }
        if (parts.size() == 3 && parts[2] == "events" && m == "POST") return createEvent(request, *mb, true);
        if (parts.size() == 4 && parts[2] == "events") {
            if (m == "PATCH") return patchEvent(request, *mb, parts[3], true);
            if (m == "DELETE") return deleteEvent(request, *mb, parts[3], true);
            if (m == "GET") return getEvent(request, *mb, parts[3]);
        }
        if (parts.size() == 5 && parts[2] == "events" && parts[4] == "cancel" && m == "POST") {
            bool organizer = false;
            {
                std::shared_lock lock(mb->mutex);
                Event* e = Tenant::findEvent(*mb, parts[3]);
                std::string core;
                Seconds original = 0;
                if (!e && parseOccurrenceId(parts[3], core, original)) e = Tenant::findEvent(*mb, "AAMkAG" + core + "=");
                if (!e) return graphError(request, 404, "ErrorItemNotFound", "The specified object was not found in the store.");
                organizer = e->fields.is_organizer;
            }
            if (organizer) return cancelEvent(request, *mb, parts[3]);
            // An attendee's copy: the organizer cancelled, so the copy is marked cancelled.
            SimRequest patch = request;
            patch.method = "PATCH";
            patch.body = "{\"isCancelled\":true}";
            SimResponse r = patchEvent(patch, *mb, parts[3], true);
            if (r.status == 200) r.status = 202, r.body.clear();
            return r;
        }
        if (parts.size() == 3 && parts[2] == "settings" && (m == "PATCH" || m == "POST"))
            return patchMailboxSettings(request, *mb);
        if (parts.size() == 3 && parts[2] == "state" && m == "POST") {
            auto obj = parseObject(request.body);
            if (!obj) return bad(400, "invalid json");
            std::unique_lock lock(mb->mutex);
            mb->rest_enabled = obj->optValue<bool>("restEnabled", mb->rest_enabled);
            return ok();
        }
        return bad(404, "unknown mailbox control endpoint");
    }
    if (area == "delta" && parts.size() == 2 && parts[1] == "expire" && m == "POST") {
        auto obj = parseObject(request.body);
        if (!obj) return bad(400, "invalid json");
        const std::string which = obj->optValue<std::string>("mailbox", "");
        int expired = 0;
        for (const auto& mb : tenant_.mailboxes) {
            if (!which.empty() && tenant_.find(which) != mb.get()) continue;
            std::unique_lock lock(mb->mutex);
            ++mb->delta_generation;
            ++expired;
        }
        if (!which.empty() && expired == 0) return bad(404, "unknown mailbox " + which);
        JsonWriter w;
        w.beginObject().field("expired", expired).endObject();
        return jsonResponse(200, w.take());
    }
    if (area == "policy") {
        if (m == "GET") {
            JsonWriter w;
            std::lock_guard lock(mutex_);
            w.beginObject().field("all", !policy_.has_value()).key("mailboxes").beginArray();
            if (policy_)
                for (auto i : *policy_) w.value(tenant_.mailboxes[i]->upn);
            w.endArray().endObject();
            return jsonResponse(200, w.take());
        }
        auto obj = parseObject(request.body);
        if (!obj) return bad(400, "invalid json");
        if (obj->optValue<bool>("all", false) || m == "DELETE") {
            std::lock_guard lock(mutex_);
            policy_.reset();
            return ok();
        }
        std::set<std::size_t> scope;
        if (auto list = obj->getArray("mailboxes")) {
            for (size_t i = 0; i < list->size(); ++i) {
                Mailbox* mb = tenant_.find(list->getElement<std::string>(static_cast<unsigned>(i)));
                if (!mb) return bad(404, "unknown mailbox " + list->getElement<std::string>(static_cast<unsigned>(i)));
                scope.insert(mb->index);
            }
        }
        std::lock_guard lock(mutex_);
        policy_ = std::move(scope);
        return ok();
    }
    if (area == "faults") {
        if (m == "GET") return jsonResponse(200, faults_.listJson());
        if (m == "DELETE") {
            faults_.clear();
            return ok();
        }
        auto obj = parseObject(request.body);
        if (!obj) return bad(400, "invalid json");
        FaultRule rule;
        rule.pattern = obj->optValue<std::string>("pattern", ".*");
        rule.probability = obj->optValue<double>("probability", 1.0);
        rule.status = obj->optValue<int>("status", 0);
        rule.code = obj->optValue<std::string>("code", "");
        rule.retry_after = obj->optValue<std::string>("retryAfter", "present");
        rule.latency_ms = obj->optValue<int>("latencyMs", 0);
        rule.reset = obj->optValue<bool>("reset", false);
        rule.truncate = obj->optValue<bool>("truncate", false);
        rule.invalid_json = obj->optValue<bool>("invalidJson", false);
        rule.stall_next_link = obj->optValue<bool>("stallNextLink", false);
        rule.remaining = obj->optValue<int>("count", -1);
        std::string error;
        if (!faults_.add(rule, error)) return bad(400, "bad pattern: " + error);
        return ok();
    }
    if (area == "counters" && m == "GET") {
        JsonWriter w;
        w.beginObject().key("endpoints").beginObject();
        {
            std::lock_guard lock(mutex_);
            for (const auto& [name, n] : endpoint_counters_) w.field(name, static_cast<std::int64_t>(n));
        }
        w.endObject().key("mailboxes").beginObject();
        for (const auto& mb : tenant_.mailboxes) {
            const auto requests = mb->requests.load();
            if (requests == 0) continue;
            w.key(mb->upn).beginObject().field("requests", static_cast<std::int64_t>(requests))
                .field("maxConcurrent", mb->max_in_flight.load()).endObject();
        }
        w.endObject();
        w.key("subscriptions").raw(subscriptions_->countersJson());
        w.key("auth").raw(auth_->countersJson());
        w.endObject();
        return jsonResponse(200, w.take());
    }
    if (area == "truth" && m == "GET") {
        auto q = parseQuery(request.query);
        Seconds from = (config_.generator.base_day - 30) * kDay;
        Seconds to = (config_.generator.base_day + 90) * kDay;
        if (q.count("startDateTime")) {
            auto v = parseDateTime(q["startDateTime"]);
            if (!v) return bad(400, "bad startDateTime");
            from = *v;
        }
        if (q.count("endDateTime")) {
            auto v = parseDateTime(q["endDateTime"]);
            if (!v) return bad(400, "bad endDateTime");
            to = *v;
        }
        JsonWriter w;
        if (parts.size() == 2) {
            Mailbox* mb = tenant_.find(parts[1]);
            if (!mb) return bad(404, "unknown mailbox " + parts[1]);
            w.beginObject().field("upn", mb->upn).field("id", mb->id).key("value");
            renderTruth(w, *mb, from, to);
            w.endObject();
        } else {
            w.beginObject().key("value").beginArray();
            for (const auto& mb : tenant_.mailboxes) {
                w.beginObject().field("upn", mb->upn).field("id", mb->id).key("events");
                renderTruth(w, *mb, from, to);
                w.endObject();
            }
            w.endArray().endObject();
        }
        return jsonResponse(200, w.take());
    }
    if (area == "subscriptions") {
        if (parts.size() == 2 && parts[1] == "lifecycle" && m == "POST") {
            auto obj = parseObject(request.body);
            if (!obj) return bad(400, "invalid json");
            const std::string event = obj->optValue<std::string>("event", "reauthorizationRequired");
            if (event != "reauthorizationRequired" && event != "subscriptionRemoved" && event != "missed")
                return bad(400, "event must be reauthorizationRequired, subscriptionRemoved or missed");
            int n = subscriptions_->fireLifecycle(obj->optValue<std::string>("id", ""), event);
            JsonWriter w;
            w.beginObject().field("queued", n).endObject();
            return jsonResponse(200, w.take());
        }
        if (parts.size() == 2 && parts[1] == "flush" && m == "POST") {
            bool idle = subscriptions_->flush(10000);
            return jsonResponse(idle ? 200 : 504, idle ? "{\"ok\":true}" : "{\"ok\":false}");
        }
        if (parts.size() == 1 && m == "GET") return jsonResponse(200, subscriptions_->countersJson());
    }
    if (area == "identity" || area == "throttle") return auth_->control(request, parts);
    return bad(404, "unknown control endpoint");
}

}  // namespace calconn::graphsim
