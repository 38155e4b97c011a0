#include "EventRender.h"

#include <algorithm>
#include <cctype>

#include "Generator.h"

namespace calconn::graphsim {

namespace {

const char* typeName(Instance::Type type) {
    switch (type) {
        case Instance::Type::SingleInstance: return "singleInstance";
        case Instance::Type::Occurrence: return "occurrence";
        case Instance::Type::Exception: return "exception";
        case Instance::Type::SeriesMaster: return "seriesMaster";
    }
    return "singleInstance";
}

std::string lowerTag(const std::string& html, size_t start, size_t end) {
    std::string tag;
    for (size_t i = start; i < end && i < html.size(); ++i) {
        char c = html[i];
        if (std::isspace(static_cast<unsigned char>(c)) || c == '>' || c == '/') {
            if (!tag.empty() || c != '/') break;
            tag.push_back('/');
            continue;
        }
        tag.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
    return tag;
}

std::string attribute(const std::string& tag_text, const std::string& name) {
    std::string lower;
    for (char c : tag_text) lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    size_t pos = lower.find(name + "=\"");
    if (pos == std::string::npos) return "";
    pos += name.size() + 2;
    size_t end = tag_text.find('"', pos);
    return end == std::string::npos ? "" : tag_text.substr(pos, end - pos);
}

std::string decodeEntities(const std::string& text) {
    std::string out;
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '&') {
            size_t semi = text.find(';', i);
            if (semi != std::string::npos && semi - i <= 8) {
                std::string ent = text.substr(i + 1, semi - i - 1);
                const char* rep = nullptr;
                if (ent == "amp") rep = "&";
                else if (ent == "lt") rep = "<";
                else if (ent == "gt") rep = ">";
                else if (ent == "quot") rep = "\"";
                else if (ent == "nbsp") rep = " ";
                else if (ent == "#39" || ent == "apos") rep = "'";
                if (rep) {
                    out += rep;
                    i = semi;
                    continue;
                }
            }
        }
        out.push_back(text[i]);
    }
    return out;
}

// The first 255 characters (not bytes: a cut inside a UTF-8 sequence would make the whole
// answer invalid JSON, which Graph never sends), whitespace runs collapsed.
std::string preview(const std::string& text) {
    constexpr std::size_t kMaxCharacters = 255;
    std::string out;
    std::size_t characters = 0;
    bool space = false;
    for (char c : text) {
        const bool continuation = (static_cast<unsigned char>(c) & 0xC0) == 0x80;
        if (!continuation && std::isspace(static_cast<unsigned char>(c))) {
            space = !out.empty();
            continue;
        }
        if (!continuation) {
            if (characters + (space ? 1 : 0) >= kMaxCharacters) break;
            if (space) {
                out.push_back(' ');
                ++characters;
            }
            ++characters;
        }
        space = false;
        out.push_back(c);
    }
    return out;
}

void renderEmail(JsonWriter& w, const EmailAddress& e) {
    w.key("emailAddress").beginObject().field("name", e.name).field("address", e.address).endObject();
}

void renderLocation(JsonWriter& w, const Location& l) {
    w.beginObject();
    w.field("displayName", l.display_name).field("locationType", l.location_type);
    if (!l.email.empty()) w.field("locationEmailAddress", l.email);
    if (!l.unique_id.empty()) w.field("uniqueId", l.unique_id).field("uniqueIdType", "directory");
    else w.field("uniqueIdType", "unknown");
    if (!l.address.city.empty()) {
        w.key("address").beginObject()
            .field("street", l.address.street).field("city", l.address.city)
            .field("state", l.address.state).field("countryOrRegion", l.address.country)
            .field("postalCode", l.address.postal_code).endObject();
    }
    w.endObject();
}

void renderRecurrence(JsonWriter& w, const Recurrence& r) {
    static const char* kDays[] = {"sunday", "monday", "tuesday", "wednesday", "thursday",
                                  "friday", "saturday"};
    w.key("recurrence").beginObject();
    w.key("pattern").beginObject().field("type", r.pattern_type).field("interval", r.interval)
        .field("month", r.month).field("dayOfMonth", r.day_of_month);
    w.key("daysOfWeek").beginArray();
    for (int d : r.days_of_week) w.value(kDays[d % 7]);
    w.endArray();
    w.field("firstDayOfWeek", r.first_day_of_week).field("index", r.index).endObject();
    w.key("range").beginObject().field("type", r.range_type)
        .field("startDate", formatDate(r.start_date))
        .field("endDate", r.range_type == "endDate" ? formatDate(r.end_date) : "0001-01-01")
        .field("recurrenceTimeZone", r.time_zone)
        .field("numberOfOccurrences", r.number_of_occurrences).endObject();
    w.endObject();
}

void renderBody(JsonWriter& w, const EventFields& f, const RenderOptions& o) {
    std::string content = renderBody(f.body, f.subject);
    const bool is_html = f.body.content_type == "html";
    std::string text = is_html ? htmlToText(content) : content;
    w.field("bodyPreview", preview(text));
    w.key("body").beginObject();
    if (o.body_text || !is_html) {
        w.field("contentType", "text").field("content", text);
    } else {
        w.field("contentType", "html").field("content", content);
    }
    w.endObject();
}

void renderFull(JsonWriter& w, const Event& master, const EventFields& f, Instance::Type type,
                const std::string& id, Seconds start, Seconds end, const std::string& etag_key,
                Seconds last_modified, const std::string& ical_uid, const RenderOptions& o,
                Seconds original_start) {
    w.beginObject();
    if (o.with_odata_type) w.field("@odata.type", "#microsoft.graph.event");
    w.field("@odata.etag", etagOf(etag_key));
    w.field("id", id);
    w.field("createdDateTime", formatIsoUtc(master.created));
    w.field("lastModifiedDateTime", formatIsoUtc(last_modified));
    w.field("changeKey", etag_key);
    w.key("categories").beginArray();
    for (const auto& c : f.categories) w.value(c);
    w.endArray();
    if (master.transaction_id.empty()) w.nullField("transactionId");
    else w.field("transactionId", master.transaction_id);
    w.field("originalStartTimeZone", f.time_zone).field("originalEndTimeZone", f.time_zone);
    w.field("iCalUId", ical_uid);
    w.field("uid", master.ical_uid);
    w.field("reminderMinutesBeforeStart", f.reminder_minutes).field("isReminderOn", f.is_reminder_on);
    w.field("hasAttachments", false).field("subject", f.subject);
    renderBody(w, f, o);
    w.field("importance", f.importance).field("sensitivity", f.sensitivity);
    w.field("isAllDay", f.is_all_day).field("isCancelled", f.is_cancelled);
    w.field("isOrganizer", f.is_organizer).field("responseRequested", true);
    if (type == Instance::Type::Occurrence || type == Instance::Type::Exception)
        w.field("seriesMasterId", master.id);
    else
        w.nullField("seriesMasterId");
    w.field("showAs", f.show_as).field("type", typeName(type));
    w.field("webLink", "https://outlook.office365.com/owa/?itemid=" + id + "&exvsurl=1&path=/calendar/item");
    w.nullField("onlineMeetingUrl");
    w.field("isOnlineMeeting", f.is_online_meeting);
    w.field("onlineMeetingProvider", f.online_meeting_provider);
    w.field("allowNewTimeProposals", f.allow_new_time_proposals);
    if (type == Instance::Type::Occurrence || type == Instance::Type::Exception)
        w.field("originalStart", formatIsoUtc(original_start));
    w.field("isDraft", false).field("hideAttendees", false);
    w.key("responseStatus").beginObject().field("response", f.response)
        .field("time", f.response_time ? formatIsoUtc(f.response_time) : "0001-01-01T00:00:00Z")
        .endObject();
    w.key("start");
    renderDateTimeTimeZone(w, start, f.is_all_day, o);
    w.key("end");
    renderDateTimeTimeZone(w, end, f.is_all_day, o);
    w.key("location");
    if (f.locations.empty()) {
        w.beginObject().field("displayName", "").field("locationType", "default")
            .field("uniqueIdType", "unknown").key("address").beginObject().endObject()
            .key("coordinates").beginObject().endObject().endObject();
    } else if (f.locations.size() == 1) {
        renderLocation(w, f.locations[0]);
    } else {
        // Outlook joins several locations with "; " in the single location.
        Location joined;
        for (size_t i = 0; i < f.locations.size(); ++i) {
            if (i) joined.display_name += "; ";
            joined.display_name += f.locations[i].display_name;
        }
        renderLocation(w, joined);
    }
    w.key("locations").beginArray();
    for (const auto& l : f.locations) renderLocation(w, l);
    w.endArray();
    if (type == Instance::Type::SeriesMaster) renderRecurrence(w, master.recurrence);
    else w.nullField("recurrence");
    w.key("attendees").beginArray();
    for (const auto& a : f.attendees) {
        w.beginObject().field("type", a.type);
        w.key("status").beginObject().field("response", a.response)
            .field("time", a.response_time ? formatIsoUtc(a.response_time) : "0001-01-01T00:00:00Z")
            .endObject();
        renderEmail(w, a.email);
        w.endObject();
    }
    w.endArray();
    w.key("organizer").beginObject();
    renderEmail(w, f.organizer);
    w.endObject();
    if (f.is_online_meeting && !f.join_url.empty()) {
        w.key("onlineMeeting").beginObject().field("joinUrl", f.join_url);
        if (!f.conference_id.empty()) w.field("conferenceId", f.conference_id);
        w.field("tollNumber", "+1 312-555-0188").endObject();
    } else {
        w.nullField("onlineMeeting");
    }
    if (!o.expand_extended.empty()) {
        w.key("singleValueExtendedProperties").beginArray();
        for (const auto& want : o.expand_extended) {
            auto it = master.extended_properties.find(want);
            if (it != master.extended_properties.end())
                w.beginObject().field("id", it->first).field("value", it->second).endObject();
        }
        w.endArray();
    }
    w.endObject();
}

}  // namespace

void renderDateTimeTimeZone(JsonWriter& w, Seconds utc, bool floating, const RenderOptions& o) {
    Seconds local = utc;
    if (!floating && o.zone) local = utcToLocal(*o.zone, utc);
    w.beginObject().field("dateTime", formatGraphLocal(local)).field("timeZone", o.zone_name).endObject();
}

std::string instanceEtag(const Instance& inst) {
    std::uint64_t counter = inst.master->change_counter;
    if (inst.override) counter = counter * 1000 + inst.override->change_counter;
    return changeKeyOf(*inst.master, counter);
}

void renderInstance(JsonWriter& w, const Instance& inst, const RenderOptions& o) {
    const Event& m = *inst.master;
    Seconds last_modified = m.last_modified;
    if (inst.override && inst.override->last_modified > last_modified)
        last_modified = inst.override->last_modified;
    std::string ical = m.ical_uid;
    if (inst.type != Instance::Type::SingleInstance) {
        // iCalUId differs per occurrence; derive it from the original start.
        ical = m.ical_uid.substr(0, m.ical_uid.size() > 16 ? m.ical_uid.size() - 16 : 0) +
               formatIsoUtc(inst.original_start).substr(0, 10);
        ical.erase(std::remove(ical.begin(), ical.end(), '-'), ical.end());
    }
    renderFull(w, m, *inst.fields, inst.type, inst.id, inst.start, inst.end, instanceEtag(inst),
               last_modified, ical, o, inst.original_start);
}

void renderMaster(JsonWriter& w, const Event& master, const RenderOptions& o) {
    renderFull(w, master, master.fields, Instance::Type::SeriesMaster, master.id,
               master.fields.start, master.fields.end, changeKeyOf(master, master.change_counter),
               master.last_modified, master.ical_uid, o, master.fields.start);
}

void renderBareOccurrence(JsonWriter& w, const Instance& inst, const RenderOptions& o) {
    w.beginObject();
    w.field("@odata.type", "#microsoft.graph.event");
    w.field("@odata.etag", etagOf(instanceEtag(inst)));
    w.field("id", inst.id);
    w.field("seriesMasterId", inst.master->id);
    w.field("type", "occurrence");
    w.key("start");
    renderDateTimeTimeZone(w, inst.start, inst.fields->is_all_day, o);
    w.key("end");
    renderDateTimeTimeZone(w, inst.end, inst.fields->is_all_day, o);
    w.endObject();
}

void renderTombstone(JsonWriter& w, const std::string& id) {
    w.beginObject().field("@odata.type", "#microsoft.graph.event").field("id", id);
    w.key("@removed").beginObject().field("reason", "deleted").endObject();
    w.endObject();
}

std::string htmlToText(const std::string& html) {
    std::string out;
    out.reserve(html.size() / 2);
    std::string pending_href;
    size_t i = 0;
    bool in_head = false;
    while (i < html.size()) {
        if (html[i] == '<') {
            size_t close = html.find('>', i);
            if (close == std::string::npos) break;
            std::string tag = lowerTag(html, i + 1, close);
            if (tag == "head" || tag == "style") in_head = true;
            else if (tag == "/head" || tag == "/style") in_head = false;
            else if (tag == "br" || tag == "/p" || tag == "/div" || tag == "/tr" || tag == "/li")
                out += "\r\n";
            else if (tag == "a") pending_href = decodeEntities(attribute(html.substr(i, close - i), "href"));
            else if (tag == "/a" && !pending_href.empty()) {
                out += "<" + pending_href + ">";
                pending_href.clear();
            }
            i = close + 1;
            continue;
        }
        size_t next = html.find('<', i);
        if (next == std::string::npos) next = html.size();
        if (!in_head) {
            std::string chunk = html.substr(i, next - i);
            std::string cleaned;
            for (char c : chunk)
                if (c != '\r' && c != '\n') cleaned.push_back(c);
            out += decodeEntities(cleaned);
        }
        i = next;
    }
    return out;
}

}  // namespace calconn::graphsim
