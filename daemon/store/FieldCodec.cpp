#include "store/FieldCodec.h"

#include <cstdint>

namespace calconn::store::codec {
namespace {

using common::ErrorCode;
using common::makeError;

constexpr char kFormatVersion = 1;

class Writer {
public:
    Writer() { out_.push_back(kFormatVersion); }
    void varint(std::uint64_t v) {
        while (v >= 0x80) {
            out_.push_back(static_cast<char>((v & 0x7f) | 0x80));
            v >>= 7;
        }
        out_.push_back(static_cast<char>(v));
    }
    void str(std::string_view s) {
        varint(s.size());
        out_.append(s);
    }
    std::string take() { return std::move(out_); }

private:
    std::string out_;
};

class Reader {
public:
    explicit Reader(std::string_view in) : in_(in) {
        if (in_.empty() || in_[0] != kFormatVersion) {
            ok_ = false;
        } else {
            in_.remove_prefix(1);
        }
    }
    std::uint64_t varint() {
        std::uint64_t v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (in_.empty()) break;
            const auto byte = static_cast<std::uint8_t>(in_[0]);
            in_.remove_prefix(1);
            v |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
            if ((byte & 0x80) == 0) return v;
        }
        ok_ = false;
        return 0;
    }
    std::string str() {
        const std::uint64_t n = varint();
        if (!ok_ || n > in_.size()) {
            ok_ = false;
            return {};
        }
        std::string s(in_.substr(0, n));
        in_.remove_prefix(n);
        return s;
    }
    bool ok() const { return ok_; }
    bool done() const { return ok_ && in_.empty(); }

private:
    std::string_view in_;
    bool ok_ = true;
};

common::Error corrupt(std::string_view what) {
    return makeError(ErrorCode::Storage, "corrupt " + std::string(what) + " field");
}

void putLocation(Writer& w, const core::Location& l) {
    w.str(l.display_name);
    w.str(l.uri);
    w.str(l.location_type);
}

core::Location getLocation(Reader& r) {
    core::Location l;
    l.display_name = r.str();
    l.uri = r.str();
    l.location_type = r.str();
    return l;
}

}  // namespace

std::string encodeOrganizer(const core::EmailAddress& organizer) {
    Writer w;
    w.str(organizer.name);
    w.str(organizer.address);
    return w.take();
}

common::Result<core::EmailAddress> decodeOrganizer(std::string_view data) {
    Reader r(data);
    core::EmailAddress out;
    out.name = r.str();
    out.address = r.str();
    if (!r.done()) return corrupt("organizer");
    return out;
}

std::string encodeAttendees(const std::vector<core::Attendee>& attendees) {
    Writer w;
    w.varint(attendees.size());
    for (const auto& a : attendees) {
        w.str(a.email.name);
        w.str(a.email.address);
        w.str(core::attendeeTypeName(a.type));
        w.str(core::responseTypeName(a.response));
    }
    return w.take();
}

common::Result<std::vector<core::Attendee>> decodeAttendees(std::string_view data) {
    Reader r(data);
    const std::uint64_t n = r.varint();
    if (!r.ok() || n > data.size()) return corrupt("attendees");
    std::vector<core::Attendee> out;
    out.reserve(n);
    for (std::uint64_t i = 0; i < n; ++i) {
        core::Attendee a;
        a.email.name = r.str();
        a.email.address = r.str();
        auto type = core::parseAttendeeType(r.str());
        auto response = core::parseResponseType(r.str());
        if (!r.ok() || !type || !response) return corrupt("attendees");
        a.type = *type;
        a.response = *response;
        out.push_back(std::move(a));
    }
    if (!r.done()) return corrupt("attendees");
    return out;
}

std::string encodeLocations(const core::Location& location,
                            const std::vector<core::Location>& all) {
    Writer w;
    putLocation(w, location);
    w.varint(all.size());
    for (const auto& l : all) putLocation(w, l);
    return w.take();
}

common::Status decodeLocations(std::string_view data, core::Location& location,
                               std::vector<core::Location>& all) {
    Reader r(data);
    location = getLocation(r);
    const std::uint64_t n = r.varint();
    if (!r.ok() || n > data.size()) return corrupt("location");
    all.clear();
    all.reserve(n);
    for (std::uint64_t i = 0; i < n; ++i) all.push_back(getLocation(r));
    if (!r.done()) return corrupt("location");
    return {};
}

std::string encodeBody(const core::Body& body) {
    Writer w;
    w.varint(body.type == core::BodyType::Html ? 1 : 0);
    w.str(body.content);
    return w.take();
}

common::Result<core::Body> decodeBody(std::string_view data) {
    Reader r(data);
    core::Body out;
    const std::uint64_t type = r.varint();
    out.content = r.str();
    if (!r.done() || type > 1) return corrupt("body");
    out.type = type == 1 ? core::BodyType::Html : core::BodyType::Text;
    return out;
}

}  // namespace calconn::store::codec
