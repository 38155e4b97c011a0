// The Graph v1.0 endpoints graphsim serves (graph.md §2-§5, §8, §9).
#include <Poco/JSON/Array.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "Json.h"
#include "SimInternal.h"
#include "Simulator.h"

namespace calconn::graphsim {

using internal::jsonResponse;
using internal::parseObject;

namespace {

constexpr const char* kNotFound = "The specified object was not found in the store.";
constexpr const char* kRaopMessage =
    "Access to OData is disabled: [RAOP] : Blocked by tenant configured AppOnly AccessPolicy settings.";

std::string param(const std::map<std::string, std::string>& q, const std::string& name) {
    for (const auto& [k, v] : q)
        if (toLower(k) == toLower(name)) return v;
    return "";
}

bool hasParam(const std::map<std::string, std::string>& q, const std::string& name) {
    for (const auto& [k, v] : q)
        if (toLower(k) == toLower(name)) return true;
    return false;
}

std::string hostBase(const SimRequest& request, const std::string& fallback) {
    std::string host = request.header("Host");
    return host.empty() ? fallback : "https://" + host;
}

// ids inside $expand=singleValueExtendedProperties($filter=id eq '...' or id eq '...')
std::vector<std::string> expandedPropertyIds(const std::string& expand) {
    std::vector<std::string> ids;
    if (toLower(expand).find("singlevalueextendedproperties") == std::string::npos) return ids;
    size_t pos = 0;
    while ((pos = expand.find('\'', pos)) != std::string::npos) {
        size_t end = expand.find('\'', pos + 1);
        if (end == std::string::npos) break;
        ids.push_back(expand.substr(pos + 1, end - pos - 1));
        pos = end + 1;
    }
    return ids;
}

struct Window {
    Seconds from = 0;
    Seconds to = 0;
};

// Parses and checks startDateTime/endDateTime; returns an error response body code on failure.
bool parseWindow(const std::map<std::string, std::string>& q, Window& w, std::string& code, std::string& message) {
    if (!hasParam(q, "startDateTime") || !hasParam(q, "endDateTime")) {
        code = "ErrorInvalidParameter";
        message = "This request requires a time window specified by the query string parameters "
                  "StartDateTime and EndDateTime.";
        return false;
    }
    auto from = parseDateTime(param(q, "startDateTime"));
    auto to = parseDateTime(param(q, "endDateTime"));
    if (!from || !to) {
        code = "ErrorInvalidParameter";
        message = "The parameter 'StartDateTime' or 'EndDateTime' is not a valid date.";
        return false;
    }
    if (*to < *from) {
        code = "ErrorInvalidParameter";
        message = "The parameter 'EndDateTime' must not be earlier than 'StartDateTime'.";
        return false;
    }
    if (*to - *from > 1825 * kDay) {
        code = "ErrorInvalidRequest";
        message = "The value of the parameters 'StartDateTime' and 'EndDateTime' spans a time range "
                  "greater than the allowed range. Maximum number of days: 1825";
        return false;
    }
    w.from = *from;
    w.to = *to;
    return true;
}

void setApplied(SimResponse& r, const internal::Preferences& p) {
    if (!p.applied.empty()) r.headers["Preference-Applied"] = p.applied;
}

// Finds a single event, series master, or occurrence/exception by id (lock held by caller).
struct Found {
    Event* event = nullptr;
    bool is_occurrence = false;
    Seconds original_start = 0;
};

Found findAny(Mailbox& m, const std::string& id) {
    Found f;
    if (Event* e = Tenant::findEvent(m, id)) {
        f.event = e;
        return f;
    }
    std::string core;
    Seconds original = 0;
    if (parseOccurrenceId(id, core, original)) {
        if (Event* master = Tenant::findEvent(m, "AAMkAG" + core + "=")) {
            if (!master->is_series) return f;
            auto it = master->overrides.find(original);
            if (it != master->overrides.end() && it->second.cancelled) return f;
            auto starts = seriesStarts(*master, original, original + 1);
            if (std::find(starts.begin(), starts.end(), original) == starts.end()) return f;
            f.event = master;
            f.is_occurrence = true;
            f.original_start = original;
        }
    }
    return f;
}

Instance occurrenceInstance(const Event& master, Seconds original) {
    Instance inst;
    inst.master = &master;
    inst.fields = &master.fields;
    inst.original_start = original;
    inst.start = original;
    inst.end = original + (master.fields.end - master.fields.start);
    inst.type = Instance::Type::Occurrence;
    inst.id = occurrenceId(master, original);
    auto it = master.overrides.find(original);
    if (it != master.overrides.end() && it->second.fields) {
        inst.fields = &*it->second.fields;
        inst.start = inst.fields->start;
        inst.end = inst.fields->end;
        inst.type = Instance::Type::Exception;
        inst.override = &it->second;
    }
    return inst;
}

Instance singleInstance(const Event& e) {
    Instance inst;
    inst.master = &e;
    inst.fields = &e.fields;
    inst.original_start = e.fields.start;
    inst.start = e.fields.start;
    inst.end = e.fields.end;
    inst.type = Instance::Type::SingleInstance;
    inst.id = e.id;
    return inst;
}

void renderFound(JsonWriter& w, const Found& f, const RenderOptions& o) {
    if (f.is_occurrence) renderInstance(w, occurrenceInstance(*f.event, f.original_start), o);
    else if (f.event->is_series) renderMaster(w, *f.event, o);
    else renderInstance(w, singleInstance(*f.event), o);
}

std::string foundEtag(const Found& f) {
    if (f.is_occurrence) return etagOf(instanceEtag(occurrenceInstance(*f.event, f.original_start)));
    return etagOf(changeKeyOf(*f.event, f.event->change_counter));
}

// Emits what one stored item contributes to a delta page; returns the number of entries.
int emitDelta(JsonWriter& w, const Event& e, std::uint64_t base, Seconds from, Seconds to,
              const RenderOptions& o, bool tombstone_cancelled) {
    bool override_changed = false;
    for (const auto& [start, ov] : e.overrides)
        if (ov.seq > base) override_changed = true;
    if (e.seq <= base && !override_changed) return 0;
    int n = 0;
    if (e.deleted) {
        if (base == 0) return 0;
        renderTombstone(w, e.id);
        ++n;
        if (e.is_series) {
            Event copy = e;
            copy.deleted = false;
            for (const auto& inst : expandEvent(copy, from, to)) {
                renderTombstone(w, inst.id);
                ++n;
            }
        }
        return n;
    }
    if (!e.is_series) {
        if (e.fields.start < to && e.fields.end > from) {
            renderInstance(w, singleInstance(e), o);
            return 1;
        }
        if (base == 0) return 0;
        renderTombstone(w, e.id);
        return 1;
    }
    auto instances = expandEvent(e, from, to);
    if (e.seq > base) {
        if (instances.empty()) {
            if (base == 0) return 0;
            renderTombstone(w, e.id);
            return 1;
        }
        renderMaster(w, e, o);
        ++n;
        for (const auto& inst : instances) {
            if (inst.type == Instance::Type::Occurrence) renderBareOccurrence(w, inst, o);
            else renderInstance(w, inst, o);
            ++n;
        }
        if (base > 0 && tombstone_cancelled) {
            for (const auto& [start, ov] : e.overrides) {
                if (ov.cancelled && ov.seq > base && start < to && start >= from - kDay) {
                    renderTombstone(w, occurrenceId(e, start));
                    ++n;
                }
            }
        }
        return n;
    }
    // Only occurrences changed: report exactly those.
    for (const auto& [start, ov] : e.overrides) {
        if (ov.seq <= base) continue;
        const std::string id = occurrenceId(e, start);
        auto it = std::find_if(instances.begin(), instances.end(),
                               [&](const Instance& i) { return i.original_start == start; });
        if (ov.cancelled || it == instances.end()) {
            if (ov.cancelled && !tombstone_cancelled) continue;
            renderTombstone(w, id);
        } else {
            renderInstance(w, *it, o);
        }
        ++n;
    }
    return n;
}

std::vector<std::string> resourceAttendees(const EventFields& f) {
    std::vector<std::string> out;
    for (const auto& a : f.attendees)
        if (a.type == "resource") out.push_back(a.email.address);
    return out;
}

}  // namespace

void Simulator::propagateToRooms(const Mailbox& source, const std::string& ical, const std::vector<std::string>& rooms,
                                 const std::string& patch_body, bool deleted) {
    for (const auto& address : rooms) {
        Mailbox* room = tenant_.find(address);
        if (!room || room == &source || room->kind != MailboxKind::Room) continue;
        struct Note {
            std::string id;
            std::string etag;
            const char* type;
        };
        std::vector<Note> notes;
        {
            std::unique_lock lock(room->mutex);
            for (auto& [key, e] : room->events) {
                if (e.deleted || e.ical_uid != ical) continue;
                if (deleted) {
                    e.deleted = true;
                    e.seq = ++room->seq;
                    room->by_id.erase(e.id);
                    notes.push_back({e.id, "", "deleted"});
                    continue;
                }
                auto obj = parseObject(patch_body);
                std::string error;
                EventFields updated = e.fields;
                if (!obj || !internal::applyEventJson(updated, obj, error)) continue;
                updated.is_organizer = false;
                updated.response = e.fields.response;
                e.fields = updated;
                Tenant::touch(*room, e, now());
                notes.push_back({e.id, etagOf(changeKeyOf(e, e.change_counter)), "updated"});
            }
        }
        for (const auto& n : notes) notifyChange(*room, n.id, n.etag, n.type);
    }
}

SimResponse Simulator::handleGraph(const SimRequest& request) {
    auto parts = internal::splitPath(request.path);
    if (parts.size() < 2) return graphError(request, 400, "BadRequest", "Invalid request.");
    auto claims = auth_->validate(request.header("Authorization"));
    if (!claims) {
        count("unauthenticated");
        SimResponse r = graphError(request, 401, "InvalidAuthenticationToken", claims.error().message);
        r.headers["WWW-Authenticate"] = auth_->wwwAuthenticate();
        return r;
    }
    const std::string app_id = claims->app_id;
    if (parts[1] == "subscriptions") {
        count("subscriptions");
        // Service time (--latency-ms, a latencyMs fault): not a mailbox's, so spent here.
        const std::string delay = request.header("x-graphsim-delay-ms");
        if (!delay.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(std::atoi(delay.c_str())));
        return subscriptionsApi(request, parts, app_id);
    }
    std::string user;
    std::vector<std::string> rest;
    if (parts[1] == "me") {
        if (claims->subject_upn.empty())
            return graphError(request, 400, "BadRequest",
                              "/me request is only valid with delegated authentication flow.");
        user = claims->subject_upn;
        rest.assign(parts.begin() + 2, parts.end());
    } else if (parts[1] == "users" && parts.size() >= 3) {
        user = parts[2];
        rest.assign(parts.begin() + 3, parts.end());
    } else {
        return graphError(request, 400, "BadRequest", "Resource not found for the segment '" + parts[1] + "'.");
    }
    Mailbox* mailbox = tenant_.find(user);
    if (!mailbox) {
        count("unknownUser");
        return graphError(request, 404, "ErrorInvalidUser", "The requested user '" + user + "' is invalid.");
    }
    if (!mailbox->rest_enabled) {
        return graphError(request, 404, "MailboxNotEnabledForRESTAPI",
                          "The mailbox is either inactive, soft-deleted, or is hosted on-premise.");
    }
    if (claims->subject_upn.empty() && !inPolicy(*mailbox)) {
        count("accessDenied");
        return graphError(request, 403, "ErrorAccessDenied", kRaopMessage);
    }
    AdmitDecision admit = auth_->enter(app_id, mailbox->id);
    mailbox->requests.fetch_add(1, std::memory_order_relaxed);
    if (!admit.allowed) {
        count("throttled");
        SimResponse r = graphError(request, 429, admit.error_code.empty() ? "TooManyRequests" : admit.error_code,
                                   admit.error_message.empty() ? "Please retry again later." : admit.error_message);
        if (admit.retry_after) r.headers["Retry-After"] = *admit.retry_after;
        return r;
    }
    const int now_in_flight = mailbox->in_flight.fetch_add(1) + 1;
    int seen = mailbox->max_in_flight.load();
    while (now_in_flight > seen && !mailbox->max_in_flight.compare_exchange_weak(seen, now_in_flight)) {
    }
    SimResponse response;
    try {
        const std::string delay = request.header("x-graphsim-delay-ms");
        if (!delay.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(std::atoi(delay.c_str())));
        response = handleUserResource(request, *mailbox, rest, user);
    } catch (...) {
        mailbox->in_flight.fetch_sub(1);
        auth_->leave(app_id, mailbox->id);
        throw;
    }
    mailbox->in_flight.fetch_sub(1);
    auth_->leave(app_id, mailbox->id);
    return response;
}

SimResponse Simulator::handleUserResource(const SimRequest& request, Mailbox& mailbox,
                                          const std::vector<std::string>& rest_in,
                                          const std::string& user_segment) {
    std::vector<std::string> rest = rest_in;
    if (rest.size() >= 2 && rest[0] == "calendar" &&
        (rest[1] == "events" || rest[1] == "calendarView" || rest[1] == "getSchedule"))
        rest.erase(rest.begin());
    const std::string& m = request.method;
    if (rest.empty()) return graphError(request, 400, "BadRequest", "Unsupported user resource.");
    const std::string head = rest[0];
    if (head == "calendarView" && rest.size() == 1 && m == "GET") {
        count("calendarView");
        return calendarView(request, mailbox, user_segment);
    }
    if (head == "calendarView" && rest.size() == 2 && rest[1] == "delta" && m == "GET") {
        count("calendarView/delta");
        return calendarViewDelta(request, mailbox, user_segment);
    }
    if (head == "events") {
        if (rest.size() == 1 && m == "GET") {
            count("events.list");
            return listEvents(request, mailbox, user_segment);
        }
        if (rest.size() == 1 && m == "POST") {
            count("events.create");
            return createEvent(request, mailbox, false);
        }
        if (rest.size() == 2) {
            if (m == "GET") {
                count("events.get");
                return getEvent(request, mailbox, rest[1]);
            }
            if (m == "PATCH") {
                count("events.patch");
                return patchEvent(request, mailbox, rest[1], false);
            }
            if (m == "DELETE") {
                count("events.delete");
                return deleteEvent(request, mailbox, rest[1], false);
            }
        }
        if (rest.size() == 3 && rest[2] == "instances" && m == "GET") {
            count("events.instances");
            return instances(request, mailbox, rest[1]);
        }
        if (rest.size() == 3 && m == "POST") {
            const std::string& action = rest[2];
            if (action == "accept" || action == "decline" || action == "tentativelyAccept") {
                count("events.respond");
                return respondEvent(request, mailbox, rest[1], action);
            }
            if (action == "cancel") {
                count("events.cancel");
                return cancelEvent(request, mailbox, rest[1]);
            }
        }
    }
    if (head == "mailboxSettings") {
        count("mailboxSettings");
        if (m == "GET") return mailboxSettings(request, mailbox, rest.size() > 1 ? rest[1] : "");
        if (m == "PATCH" && rest.size() == 1) return patchMailboxSettings(request, mailbox);
    }
    if (head == "getSchedule" && m == "POST") {
        count("getSchedule");
        return getSchedule(request, mailbox);
    }
    return graphError(request, 400, "BadRequest",
                      "Resource not found for the segment '" + head + "'.");
}

SimResponse Simulator::calendarView(const SimRequest& request, Mailbox& mailbox, const std::string& user_segment) {
    auto q = parseQuery(request.query);
    Window win;
    std::string code, message;
    if (!parseWindow(q, win, code, message)) return graphError(request, 400, code, message);
    auto prefs = internal::parsePrefer(request);
    if (prefs.bad_timezone)
        return graphError(request, 400, "ErrorTimeZoneNotSupportedException",
                          "A valid TimeZone value must be specified.");
    prefs.render.expand_extended = expandedPropertyIds(param(q, "$expand"));
    int top = config_.default_page_size;
    if (prefs.max_page_size > 0) top = prefs.max_page_size;
    if (hasParam(q, "$top")) top = std::atoi(param(q, "$top").c_str());
    top = std::clamp(top, 1, config_.max_page_size);
    const int skip = std::max(0, std::atoi(param(q, "$skip").c_str()));
    JsonWriter w;
    w.beginObject().field("@odata.context", "https://graph.microsoft.com/v1.0/$metadata#users('" +
                                                user_segment + "')/calendarView");
    bool more = false;
    {
        std::shared_lock lock(mailbox.mutex);
        std::vector<Instance> all;
        for (const auto& [key, e] : mailbox.events) {
            auto v = expandEvent(e, win.from, win.to);
            all.insert(all.end(), std::make_move_iterator(v.begin()), std::make_move_iterator(v.end()));
        }
        std::stable_sort(all.begin(), all.end(), [](const Instance& a, const Instance& b) { return a.start < b.start; });
        more = static_cast<size_t>(skip + top) < all.size();
        if (more) {
            w.field("@odata.nextLink", hostBase(request, baseUrl()) + "/v1.0/users/" + urlEncode(user_segment) +
                                           "/calendarView?startDateTime=" + urlEncode(param(q, "startDateTime")) +
                                           "&endDateTime=" + urlEncode(param(q, "endDateTime")) +
                                           "&%24top=" + std::to_string(top) + "&%24skip=" + std::to_string(skip + top));
        }
        w.key("value").beginArray();
        for (size_t i = static_cast<size_t>(skip); i < all.size() && i < static_cast<size_t>(skip + top); ++i)
            renderInstance(w, all[i], prefs.render);
        w.endArray();
    }
    w.endObject();
    SimResponse r = jsonResponse(200, w.take());
    setApplied(r, prefs);
    return r;
}

SimResponse Simulator::calendarViewDelta(const SimRequest& request, Mailbox& mailbox,
                                         const std::string& user_segment) {
    auto q = parseQuery(request.query);
    auto prefs = internal::parsePrefer(request);
    if (prefs.bad_timezone)
        return graphError(request, 400, "ErrorTimeZoneNotSupportedException",
                          "A valid TimeZone value must be specified.");
    prefs.render.with_odata_type = true;
    prefs.render.expand_extended = expandedPropertyIds(param(q, "$expand"));
    int page_size = prefs.max_page_size > 0 ? prefs.max_page_size : config_.default_page_size;
    page_size = std::clamp(page_size, 1, config_.max_page_size);

    Window win;
    std::uint64_t base = 0, snap = 0, cursor = 0, generation = 0;
    const std::string token = hasParam(q, "$deltatoken") ? param(q, "$deltatoken") : param(q, "$skiptoken");
    const bool is_delta = hasParam(q, "$deltatoken");
    if (hasParam(q, "$deltatoken") || hasParam(q, "$skiptoken")) {
        auto payload = deltaDecode(token);
        std::size_t mbx = 0;
        char kind = 0;
        unsigned long long b = 0, s = 0, c = 0, g = 0;
        long long f = 0, t = 0;
        if (!payload || std::sscanf(payload->c_str(), "%c|%zu|%lld|%lld|%llu|%llu|%llu|%llu", &kind, &mbx, &f,
                                    &t, &b, &s, &c, &g) != 8 ||
            mbx != mailbox.index || kind != (is_delta ? 'd' : 's')) {
            return graphError(request, 410, "SyncStateNotFound",
                              "The sync state generation is not found; generation=0;[highest=0].");
        }
        {
            std::shared_lock lock(mailbox.mutex);
            if (g < mailbox.delta_generation) {
                return graphError(request, 410, "SyncStateNotFound",
                                  "The sync state generation is not found; generation=" + std::to_string(g) +
                                      ";[highest=" + std::to_string(mailbox.delta_generation) + "].");
            }
            snap = is_delta ? mailbox.seq : s;
        }
        win.from = f;
        win.to = t;
        base = is_delta ? s : b;
        cursor = is_delta ? 0 : c;
        generation = g;
    } else {
        std::string code, message;
        if (!parseWindow(q, win, code, message)) return graphError(request, 400, code, message);
        std::shared_lock lock(mailbox.mutex);
        snap = mailbox.seq;
        generation = mailbox.delta_generation;
    }

    JsonWriter w;
    w.beginObject().field("@odata.context", "https://graph.microsoft.com/v1.0/$metadata#Collection(event)");
    JsonWriter items;
    items.beginArray();
    bool more = false;
    std::uint64_t last_key = cursor;
    {
        std::shared_lock lock(mailbox.mutex);
        int emitted = 0;
        for (auto it = mailbox.events.upper_bound(cursor); it != mailbox.events.end(); ++it) {
            if (emitted >= page_size) {
                more = true;
                break;
            }
            // A series is never split across pages, so a page may overflow maxpagesize.
            emitted += emitDelta(items, it->second, base, win.from, win.to, prefs.render,
                                 config_.tombstone_cancelled_occurrences);
            last_key = it->first;
        }
    }
    items.endArray();
    const std::string link_base = hostBase(request, baseUrl()) + "/v1.0/users/" + urlEncode(user_segment) +
                                  "/calendarView/delta?";
    char payload[160];
    if (more) {
        std::snprintf(payload, sizeof payload, "s|%zu|%lld|%lld|%llu|%llu|%llu|%llu", mailbox.index,
                      static_cast<long long>(win.from), static_cast<long long>(win.to),
                      static_cast<unsigned long long>(base), static_cast<unsigned long long>(snap),
                      static_cast<unsigned long long>(last_key), static_cast<unsigned long long>(generation));
        if (!request.header("x-graphsim-stall").empty())  // fault: a nextLink that does not advance
            w.field("@odata.nextLink", hostBase(request, baseUrl()) + request.path + "?" + request.query);
        else
            w.field("@odata.nextLink", link_base + "$skiptoken=" + deltaEncode(payload));
    } else {
        std::snprintf(payload, sizeof payload, "d|%zu|%lld|%lld|%llu|%llu|%llu|%llu", mailbox.index,
                      static_cast<long long>(win.from), static_cast<long long>(win.to), 0ULL,
                      static_cast<unsigned long long>(snap), 0ULL, static_cast<unsigned long long>(generation));
        w.field("@odata.deltaLink", link_base + "$deltatoken=" + deltaEncode(payload));
    }
    w.key("value").raw(items.str());
    w.endObject();
    SimResponse r = jsonResponse(200, w.take());
    setApplied(r, prefs);
    return r;
}

SimResponse Simulator::listEvents(const SimRequest& request, Mailbox& mailbox, const std::string& user_segment) {
    auto q = parseQuery(request.query);
    auto prefs = internal::parsePrefer(request);
    prefs.render.expand_extended = expandedPropertyIds(param(q, "$expand"));
    int top = prefs.max_page_size > 0 ? prefs.max_page_size : config_.default_page_size;
    if (hasParam(q, "$top")) top = std::atoi(param(q, "$top").c_str());
    top = std::clamp(top, 1, config_.max_page_size);
    const int skip = std::max(0, std::atoi(param(q, "$skip").c_str()));
    JsonWriter w;
    w.beginObject().field("@odata.context", "https://graph.microsoft.com/v1.0/$metadata#users('" +
                                                user_segment + "')/events");
    std::shared_lock lock(mailbox.mutex);
    std::vector<const Event*> live;
    for (const auto& [key, e] : mailbox.events)
        if (!e.deleted) live.push_back(&e);
    if (static_cast<size_t>(skip + top) < live.size()) {
        w.field("@odata.nextLink", hostBase(request, baseUrl()) + "/v1.0/users/" + urlEncode(user_segment) +
                                       "/events?%24top=" + std::to_string(top) + "&%24skip=" + std::to_string(skip + top));
    }
    w.key("value").beginArray();
    for (size_t i = static_cast<size_t>(skip); i < live.size() && i < static_cast<size_t>(skip + top); ++i) {
        if (live[i]->is_series) renderMaster(w, *live[i], prefs.render);
        else renderInstance(w, singleInstance(*live[i]), prefs.render);
    }
    w.endArray().endObject();
    SimResponse r = jsonResponse(200, w.take());
    setApplied(r, prefs);
    return r;
}

SimResponse Simulator::getEvent(const SimRequest& request, Mailbox& mailbox, const std::string& id) {
    auto q = parseQuery(request.query);
    auto prefs = internal::parsePrefer(request);
    prefs.render.expand_extended = expandedPropertyIds(param(q, "$expand"));
    std::shared_lock lock(mailbox.mutex);
    Found f = findAny(mailbox, id);
    if (!f.event) return graphError(request, 404, "ErrorItemNotFound", kNotFound);
    JsonWriter w;
    renderFound(w, f, prefs.render);
    std::string body = w.take();
    body.insert(1, "\"@odata.context\":\"https://graph.microsoft.com/v1.0/$metadata#users('" + mailbox.id +
                       "')/events/$entity\",");
    SimResponse r = jsonResponse(200, std::move(body));
    r.headers["ETag"] = foundEtag(f);
    setApplied(r, prefs);
    return r;
}

SimResponse Simulator::createEvent(const SimRequest& request, Mailbox& mailbox, bool control) {
    auto obj = parseObject(request.body);
    if (!obj) return graphError(request, 400, "ErrorInvalidRequest", "Cannot read the request body as JSON.");
    auto prefs = internal::parsePrefer(request);
    Event ev;
    {
        std::lock_guard lock(mutex_);
        ev.core = newEventCore(id_prng_);
        ev.ical_uid = "040000008200E00074C5B7101A82E00800000000" + toLower(id_prng_.guid());
    }
    for (auto& c : ev.ical_uid) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    ev.ical_uid.erase(std::remove(ev.ical_uid.begin(), ev.ical_uid.end(), '-'), ev.ical_uid.end());
    ev.id = "AAMkAG" + ev.core + "=";
    ev.fields.organizer = {mailbox.display_name, mailbox.upn};
    ev.fields.body.content = "";
    ev.fields.body.content_type = "html";
    ev.fields.time_zone = "UTC";
    std::string error;
    if (!obj->has("start") || !obj->has("end"))
        return graphError(request, 400, "ErrorInvalidRequest", "Your request can't be completed. Start and end are required.");
    if (!internal::applyEventJson(ev.fields, obj, error)) return graphError(request, 400, "ErrorInvalidRequest", error);
    ev.fields.is_organizer = toLower(ev.fields.organizer.address) == toLower(mailbox.upn);
    ev.fields.response = ev.fields.is_organizer ? "organizer" : "notResponded";
    if (!control) {
        ev.fields.organizer = {mailbox.display_name, mailbox.upn};
        ev.fields.is_organizer = true;
        ev.fields.response = "organizer";
    }
    if (auto rec = obj->getObject("recurrence")) {
        if (!internal::parseRecurrence(ev.recurrence, rec, error))
            return graphError(request, 400, "ErrorInvalidRequest", error);
        ev.is_series = true;
        if (ev.recurrence.time_zone.empty()) ev.recurrence.time_zone = ev.fields.time_zone;
    }
    if (auto props = obj->getArray("singleValueExtendedProperties")) {
        for (size_t i = 0; i < props->size(); ++i)
            if (auto p = props->getObject(static_cast<unsigned>(i)))
                ev.extended_properties[p->optValue<std::string>("id", "")] = p->optValue<std::string>("value", "");
    }
    ev.transaction_id = obj->optValue<std::string>("transactionId", "");
    ev.created = ev.last_modified = now();
    std::unique_lock lock(mailbox.mutex);
    if (!ev.transaction_id.empty()) {
        auto it = mailbox.by_transaction.find(ev.transaction_id);
        if (it != mailbox.by_transaction.end()) {
            auto existing = mailbox.events.find(it->second);
            if (existing != mailbox.events.end() && !existing->second.deleted) {
                Found f{&existing->second, false, 0};
                JsonWriter w;
                renderFound(w, f, prefs.render);
                return jsonResponse(201, w.take());
            }
        }
    }
    Event& stored = Tenant::insertEvent(mailbox, std::move(ev));
    Found f{&stored, false, 0};
    JsonWriter w;
    renderFound(w, f, prefs.render);
    const std::string etag = foundEtag(f);
    const std::string id = stored.id;
    lock.unlock();
    notifyChange(mailbox, id, etag, "created");
    SimResponse r = jsonResponse(201, w.take());
    r.headers["Location"] = hostBase(request, baseUrl()) + "/v1.0/users/" + mailbox.id + "/events/" + id;
    setApplied(r, prefs);
    return r;
}

SimResponse Simulator::patchEvent(const SimRequest& request, Mailbox& mailbox, const std::string& id, bool control) {
    auto obj = parseObject(request.body);
    if (!obj) return graphError(request, 400, "ErrorInvalidRequest", "Cannot read the request body as JSON.");
    auto prefs = internal::parsePrefer(request);
    std::unique_lock lock(mailbox.mutex);
    Found f = findAny(mailbox, id);
    if (!f.event) return graphError(request, 404, "ErrorItemNotFound", kNotFound);
    const std::string if_match = request.header("If-Match");
    if (!if_match.empty() && if_match != "*" && if_match != foundEtag(f)) {
        return graphError(request, 412, "ErrorIrresolvableConflict",
                          "The send or update operation could not be performed because the change key "
                          "passed in the request does not match the current change key for the item.");
    }
    std::string error;
    Event& e = *f.event;
    const Seconds t = now();
    std::vector<std::string> rooms;
    std::string ical;
    if (f.is_occurrence) {
        OccurrenceOverride& ov = e.overrides[f.original_start];
        if (!ov.fields) {
            ov.fields = e.fields;
            ov.fields->start = f.original_start;
            ov.fields->end = f.original_start + (e.fields.end - e.fields.start);
        }
        EventFields updated = *ov.fields;
        if (!internal::applyEventJson(updated, obj, error)) return graphError(request, 400, "ErrorInvalidRequest", error);
        ov.fields = updated;
        ov.seq = ++mailbox.seq;
        ++ov.change_counter;
        ov.last_modified = t;
    } else {
        EventFields updated = e.fields;
        if (!internal::applyEventJson(updated, obj, error)) return graphError(request, 400, "ErrorInvalidRequest", error);
        if (obj->has("recurrence")) {
            auto rec = obj->getObject("recurrence");
            if (!rec) {
                e.is_series = false;
                e.overrides.clear();
            } else {
                Recurrence r;
                if (!internal::parseRecurrence(r, rec, error)) return graphError(request, 400, "ErrorInvalidRequest", error);
                if (r.time_zone.empty()) r.time_zone = updated.time_zone;
                e.recurrence = r;
                e.is_series = true;
            }
        }
        if (e.is_series && (updated.start != e.fields.start || updated.end != e.fields.end)) {
            // Moving the series start re-anchors the pattern; exceptions no longer line up.
            e.overrides.clear();
            if (!obj->has("recurrence")) e.recurrence.start_date = utcToLocal(
                findTimeZone(e.recurrence.time_zone) ? *findTimeZone(e.recurrence.time_zone) : utcZone(), updated.start) / kDay;
        }
        e.fields = updated;
        if (auto props = obj->getArray("singleValueExtendedProperties")) {
            for (size_t i = 0; i < props->size(); ++i)
                if (auto p = props->getObject(static_cast<unsigned>(i)))
                    e.extended_properties[p->optValue<std::string>("id", "")] = p->optValue<std::string>("value", "");
        }
        Tenant::touch(mailbox, e, t);
        if (e.fields.is_organizer) {
            rooms = resourceAttendees(e.fields);
            ical = e.ical_uid;
        }
    }
    (void)control;
    JsonWriter w;
    renderFound(w, f, prefs.render);
    const std::string etag = foundEtag(f);
    lock.unlock();
    notifyChange(mailbox, id, etag, "updated");
    if (!rooms.empty()) propagateToRooms(mailbox, ical, rooms, request.body, false);
    SimResponse r = jsonResponse(200, w.take());
    r.headers["ETag"] = etag;
    setApplied(r, prefs);
    return r;
}

SimResponse Simulator::deleteEvent(const SimRequest& request, Mailbox& mailbox, const std::string& id, bool control) {
    (void)control;
    std::vector<std::string> rooms;
    std::string ical;
    std::unique_lock lock(mailbox.mutex);
    Found f = findAny(mailbox, id);
    if (!f.event) return graphError(request, 404, "ErrorItemNotFound", kNotFound);
    const std::string if_match = request.header("If-Match");
    if (!if_match.empty() && if_match != "*" && if_match != foundEtag(f))
        return graphError(request, 412, "ErrorIrresolvableConflict",
                          "The change key passed in the request does not match the current change key for the item.");
    if (f.is_occurrence) {
        OccurrenceOverride& ov = f.event->overrides[f.original_start];
        ov.cancelled = true;
        ov.fields.reset();
        ov.seq = ++mailbox.seq;
        ov.last_modified = now();
    } else {
        f.event->deleted = true;
        f.event->seq = ++mailbox.seq;
        mailbox.by_id.erase(f.event->id);
        if (!f.event->transaction_id.empty()) mailbox.by_transaction.erase(f.event->transaction_id);
        if (f.event->fields.is_organizer) {
            rooms = resourceAttendees(f.event->fields);
            ical = f.event->ical_uid;
        }
    }
    lock.unlock();
    notifyChange(mailbox, id, "", "deleted");
    if (!rooms.empty()) propagateToRooms(mailbox, ical, rooms, {}, true);
    SimResponse r;
    r.status = 204;
    return r;
}

SimResponse Simulator::cancelEvent(const SimRequest& request, Mailbox& mailbox, const std::string& id) {
    std::vector<std::pair<std::string, std::string>> attendee_addresses;
    std::string ical;
    {
        std::unique_lock lock(mailbox.mutex);
        Found f = findAny(mailbox, id);
        if (!f.event) return graphError(request, 404, "ErrorItemNotFound", kNotFound);
        if (!f.event->fields.is_organizer)
            return graphError(request, 400, "ErrorInvalidRequest",
                              "Your request can't be completed. You need to be an organizer to cancel a meeting.");
        if (f.is_occurrence) {
            OccurrenceOverride& ov = f.event->overrides[f.original_start];
            ov.cancelled = true;
            ov.fields.reset();
            ov.seq = ++mailbox.seq;
        } else {
            for (const auto& a : f.event->fields.attendees) attendee_addresses.push_back({a.email.address, ""});
            ical = f.event->ical_uid;
            f.event->deleted = true;
            f.event->seq = ++mailbox.seq;
            mailbox.by_id.erase(f.event->id);
        }
    }
    notifyChange(mailbox, id, "", "deleted");
    // Attendee copies stay in their calendars, marked cancelled (graph.md §7 isCancelled).
    for (const auto& [address, unused] : attendee_addresses) {
        Mailbox* other = tenant_.find(address);
        if (!other || other == &mailbox) continue;
        std::unique_lock lock(other->mutex);
        for (auto& [key, e] : other->events) {
            if (e.deleted || e.ical_uid != ical) continue;
            e.fields.is_cancelled = true;
            e.fields.subject = "Canceled: " + e.fields.subject;
            Tenant::touch(*other, e, now());
            const std::string eid = e.id;
            const std::string etag = etagOf(changeKeyOf(e, e.change_counter));
            lock.unlock();
            notifyChange(*other, eid, etag, "updated");
            lock.lock();
        }
    }
    SimResponse r;
    r.status = 202;
    return r;
}

SimResponse Simulator::respondEvent(const SimRequest& request, Mailbox& mailbox, const std::string& id,
                                    const std::string& action) {
    auto obj = parseObject(request.body);
    if (!obj) return graphError(request, 400, "ErrorInvalidRequest", "Cannot read the request body as JSON.");
    // Action parameters are case-insensitive (the CSDL uses PascalCase).
    bool send_response = true;
    Poco::JSON::Object::Ptr proposed;
    for (const auto& [k, v] : *obj) {
        if (toLower(k) == "sendresponse") send_response = obj->optValue<bool>(k, true);
        if (toLower(k) == "proposednewtime") proposed = obj->getObject(k);
    }
    std::unique_lock lock(mailbox.mutex);
    Found f = findAny(mailbox, id);
    if (!f.event) return graphError(request, 404, "ErrorItemNotFound", kNotFound);
    EventFields& fields = f.is_occurrence
                              ? [&]() -> EventFields& {
                                    auto& ov = f.event->overrides[f.original_start];
                                    if (!ov.fields) {
                                        ov.fields = f.event->fields;
                                        ov.fields->start = f.original_start;
                                        ov.fields->end = f.original_start + (f.event->fields.end - f.event->fields.start);
                                    }
                                    return *ov.fields;
                                }()
                              : f.event->fields;
    if (fields.is_organizer)
        return graphError(request, 400, "ErrorInvalidRequest",
                          "Your request can't be completed. You can't respond to a meeting you organized.");
    if (proposed) {
        if (action == "accept")
            return graphError(request, 400, "ErrorInvalidRequest", "proposedNewTime is not valid for accept.");
        if (!send_response || !fields.allow_new_time_proposals)
            return graphError(request, 400, "ErrorInvalidRequest",
                              "Your request can't be completed. The organizer doesn't allow new time proposals.");
    }
    fields.response = action == "accept" ? "accepted" : action == "decline" ? "declined" : "tentativelyAccepted";
    fields.response_time = now();
    std::string eid = id;
    if (f.is_occurrence) {
        auto& ov = f.event->overrides[f.original_start];
        ov.seq = ++mailbox.seq;
        ++ov.change_counter;
    } else {
        Tenant::touch(mailbox, *f.event, now());
    }
    const std::string etag = foundEtag(f);
    lock.unlock();
    notifyChange(mailbox, eid, etag, "updated");
    SimResponse r;
    r.status = 202;
    return r;
}

SimResponse Simulator::instances(const SimRequest& request, Mailbox& mailbox, const std::string& id) {
    auto q = parseQuery(request.query);
    Window win;
    std::string code, message;
    if (!parseWindow(q, win, code, message)) return graphError(request, 400, code, message);
    auto prefs = internal::parsePrefer(request);
    std::shared_lock lock(mailbox.mutex);
    Event* e = Tenant::findEvent(mailbox, id);
    if (!e) return graphError(request, 404, "ErrorItemNotFound", kNotFound);
    JsonWriter w;
    w.beginObject().field("@odata.context", "https://graph.microsoft.com/v1.0/$metadata#users('" + mailbox.id +
                                                "')/events('" + id + "')/instances");
    w.key("value").beginArray();
    for (const auto& inst : expandEvent(*e, win.from, win.to)) renderInstance(w, inst, prefs.render);
    w.endArray().endObject();
    SimResponse r = jsonResponse(200, w.take());
    setApplied(r, prefs);
    return r;
}

namespace {

void renderAutomaticReplies(JsonWriter& w, const AutomaticReplies& a) {
    RenderOptions utc;
    w.beginObject().field("status", a.status).field("externalAudience", a.external_audience);
    w.key("scheduledStartDateTime");
    renderDateTimeTimeZone(w, a.scheduled_start, false, utc);
    w.key("scheduledEndDateTime");
    renderDateTimeTimeZone(w, a.scheduled_end, false, utc);
    w.field("internalReplyMessage", a.internal_message).field("externalReplyMessage", a.external_message);
    w.endObject();
}

void renderWorkingHours(JsonWriter& w, const MailboxSettings& s) {
    w.beginObject().key("daysOfWeek").beginArray().value("monday").value("tuesday").value("wednesday")
        .value("thursday").value("friday").endArray();
    w.field("startTime", s.working_start).field("endTime", s.working_end);
    w.key("timeZone").beginObject().field("name", s.time_zone).endObject();
    w.endObject();
}

}  // namespace

SimResponse Simulator::mailboxSettings(const SimRequest& request, Mailbox& mailbox, const std::string& sub) {
    std::shared_lock lock(mailbox.mutex);
    const MailboxSettings& s = mailbox.settings;
    JsonWriter w;
    const std::string ctx = "https://graph.microsoft.com/v1.0/$metadata#users('" + mailbox.id + "')/mailboxSettings";
    if (sub.empty()) {
        w.beginObject().field("@odata.context", ctx).field("archiveFolder", "AAMkAGArchive=")
            .field("timeZone", s.time_zone);
        w.key("automaticRepliesSetting");
        renderAutomaticReplies(w, s.automatic_replies);
        w.field("dateFormat", s.date_format).field("timeFormat", s.time_format)
            .field("delegateMeetingMessageDeliveryOptions", "sendToDelegateOnly");
        w.key("language").beginObject().field("locale", s.locale).field("displayName", s.locale_display_name).endObject();
        w.key("workingHours");
        renderWorkingHours(w, s);
        w.key("userPurpose").beginObject().field("value", mailbox.kind == MailboxKind::Room ? "room" : "user").endObject();
        w.endObject();
    } else if (sub == "automaticRepliesSetting") {
        renderAutomaticReplies(w, s.automatic_replies);
    } else if (sub == "timeZone") {
        w.beginObject().field("@odata.context", ctx + "/timeZone").field("value", s.time_zone).endObject();
    } else if (sub == "language") {
        w.beginObject().field("locale", s.locale).field("displayName", s.locale_display_name).endObject();
    } else if (sub == "workingHours") {
        renderWorkingHours(w, s);
    } else if (sub == "userPurpose") {
        w.beginObject().field("value", mailbox.kind == MailboxKind::Room ? "room" : "user").endObject();
    } else if (sub == "dateFormat" || sub == "timeFormat") {
        w.beginObject().field("value", sub == "dateFormat" ? s.date_format : s.time_format).endObject();
    } else {
        return graphError(request, 400, "BadRequest", "Resource not found for the segment '" + sub + "'.");
    }
    return jsonResponse(200, w.take());
}

SimResponse Simulator::patchMailboxSettings(const SimRequest& request, Mailbox& mailbox) {
    auto obj = parseObject(request.body);
    if (!obj) return graphError(request, 400, "ErrorInvalidRequest", "Cannot read the request body as JSON.");
    {
        std::unique_lock lock(mailbox.mutex);
        MailboxSettings& s = mailbox.settings;
        if (obj->has("timeZone")) {
            std::string tz = obj->optValue<std::string>("timeZone", "");
            if (!findTimeZone(tz)) return graphError(request, 400, "ErrorInvalidParameter", "Unsupported time zone '" + tz + "'.");
            s.time_zone = tz;
        }
        if (auto lang = obj->getObject("language")) {
            s.locale = lang->optValue<std::string>("locale", s.locale);
            s.locale_display_name = lang->optValue<std::string>("displayName", s.locale);
        }
        if (auto a = obj->getObject("automaticRepliesSetting")) {
            auto& ar = s.automatic_replies;
            // Accept any case on input (docs samples use "Scheduled"); store lowerCamel.
            std::string status = toLower(a->optValue<std::string>("status", ar.status));
            if (status == "alwaysenabled") status = "alwaysEnabled";
            ar.status = status;
            std::string audience = toLower(a->optValue<std::string>("externalAudience", ar.external_audience));
            ar.external_audience = audience == "contactsonly" ? "contactsOnly" : audience;
            std::string error;
            if (auto st = a->getObject("scheduledStartDateTime"))
                if (!internal::parseDateTimeTimeZone(st, ar.scheduled_start, error))
                    return graphError(request, 400, "ErrorInvalidParameter", error);
            if (auto en = a->getObject("scheduledEndDateTime"))
                if (!internal::parseDateTimeTimeZone(en, ar.scheduled_end, error))
                    return graphError(request, 400, "ErrorInvalidParameter", error);
            ar.internal_message = a->optValue<std::string>("internalReplyMessage", ar.internal_message);
            ar.external_message = a->optValue<std::string>("externalReplyMessage", ar.external_message);
        }
    }
    return mailboxSettings(request, mailbox, "");
}

SimResponse Simulator::getSchedule(const SimRequest& request, Mailbox& mailbox) {
    (void)mailbox;
    auto obj = parseObject(request.body);
    if (!obj) return graphError(request, 400, "ErrorInvalidRequest", "Cannot read the request body as JSON.");
    auto prefs = internal::parsePrefer(request);
    auto schedules = obj->getArray("schedules");
    if (!schedules || schedules->size() == 0)
        return graphError(request, 400, "ErrorInvalidParameter", "schedules is required.");
    if (schedules->size() > 20)
        return graphError(request, 400, "ErrorInvalidParameter", "The number of schedules can't exceed 20.");
    Seconds from = 0, to = 0;
    std::string error;
    if (!internal::parseDateTimeTimeZone(obj->getObject("startTime"), from, error) ||
        !internal::parseDateTimeTimeZone(obj->getObject("endTime"), to, error))
        return graphError(request, 400, "ErrorInvalidParameter", error);
    if (to <= from) return graphError(request, 400, "ErrorInvalidParameter", "endTime must be after startTime.");
    if (to - from >= 62 * kDay)
        return graphError(request, 400, "ErrorTimeIntervalTooBig",
                          "The requested time duration exceeds the allowed limit = 62 days.");
    const int interval = obj->optValue<int>("availabilityViewInterval", 30);
    if (interval < 5 || interval > 1440)
        return graphError(request, 400, "ErrorInvalidParameter",
                          "availabilityViewInterval must be between 5 and 1440 minutes.");
    JsonWriter w;
    w.beginObject().field("@odata.context",
                          "https://graph.microsoft.com/v1.0/$metadata#Collection(microsoft.graph.scheduleInformation)");
    w.key("value").beginArray();
    for (size_t i = 0; i < schedules->size(); ++i) {
        const std::string who = schedules->getElement<std::string>(static_cast<unsigned>(i));
        Mailbox* target = tenant_.find(who);
        w.beginObject().field("scheduleId", who);
        if (!target) {
            w.key("error").beginObject().field("message", "The specified recipient could not be found.")
                .field("responseCode", "ErrorMailRecipientNotFound").endObject();
            w.endObject();
            continue;
        }
        std::shared_lock lock(target->mutex);
        std::vector<Instance> all;
        for (const auto& [key, e] : target->events) {
            auto v = expandEvent(e, from, to);
            all.insert(all.end(), v.begin(), v.end());
        }
        std::sort(all.begin(), all.end(), [](const Instance& a, const Instance& b) { return a.start < b.start; });
        const Seconds step = interval * 60LL;
        std::string view;
        for (Seconds t = from; t < to; t += step) {
            int digit = 0;
            for (const auto& inst : all) {
                if (inst.fields->is_cancelled || !(inst.start < t + step && inst.end > t)) continue;
                const std::string& s = inst.fields->show_as;
                int d = s == "tentative" ? 1 : s == "busy" ? 2 : s == "oof" ? 3 : s == "workingElsewhere" ? 4 : 0;
                digit = std::max(digit, d);
            }
            view.push_back(static_cast<char>('0' + digit));
        }
        w.field("availabilityView", view);
        w.key("scheduleItems").beginArray();
        for (const auto& inst : all) {
            if (inst.fields->is_cancelled || inst.fields->show_as == "free") continue;
            const bool open = inst.fields->sensitivity == "normal" || inst.fields->sensitivity == "personal";
            w.beginObject();
            if (open) w.field("isPrivate", false);
            w.field("status", inst.fields->show_as);
            if (open) {
                w.field("subject", inst.fields->subject);
                w.field("location", inst.fields->locations.empty() ? "" : inst.fields->locations[0].display_name);
            }
            w.key("start");
            renderDateTimeTimeZone(w, inst.start, inst.fields->is_all_day, prefs.render);
            w.key("end");
            renderDateTimeTimeZone(w, inst.end, inst.fields->is_all_day, prefs.render);
            w.endObject();
        }
        w.endArray();
        w.key("workingHours");
        renderWorkingHours(w, target->settings);
        w.endObject();
    }
    w.endArray().endObject();
    SimResponse r = jsonResponse(200, w.take());
    setApplied(r, prefs);
    return r;
}

SimResponse Simulator::subscriptionsApi(const SimRequest& request, const std::vector<std::string>& parts,
                                        const std::string& app_id) {
    SubscriptionManager::Outcome o;
    const std::string& m = request.method;
    if (parts.size() == 2 && m == "POST") o = subscriptions_->create(request.body, app_id);
    else if (parts.size() == 2 && m == "GET") o = subscriptions_->list(app_id);
    else if (parts.size() == 3 && m == "GET") o = subscriptions_->get(parts[2], app_id);
    else if (parts.size() == 3 && m == "PATCH") o = subscriptions_->update(parts[2], request.body, app_id);
    else if (parts.size() == 3 && m == "DELETE") o = subscriptions_->remove(parts[2], app_id);
    else if (parts.size() == 4 && parts[3] == "reauthorize" && m == "POST") o = subscriptions_->reauthorize(parts[2], app_id);
    else return graphError(request, 400, "BadRequest", "Unsupported subscriptions request.");
    if (!o.error_code.empty()) return graphError(request, o.status, o.error_code, o.error_message);
    return jsonResponse(o.status, o.body);
}

}  // namespace calconn::graphsim
