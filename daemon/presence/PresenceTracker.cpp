#include "presence/PresenceTracker.h"

#include <algorithm>
#include <cctype>
#include <set>

namespace calconn::presence {

using core::PresenceState;
using std::chrono::floor;
using std::chrono::seconds;

namespace {

std::optional<std::chrono::sys_seconds> toSeconds(const std::optional<common::TimePoint>& t) {
    if (!t) return std::nullopt;
    return floor<seconds>(*t);
}

}  // namespace

std::string PresenceTracker::key(std::string_view upn) {
    std::string out(upn);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

void PresenceTracker::restore(const std::map<std::string, PresenceRecord>& announced) {
    for (const auto& [upn, record] : announced) {
        const std::string k = key(upn);
        if (auto it = users_.find(k); it != users_.end()) {
            if (!it->second.announced) it->second.announced = record;
        } else {
            restored_[k] = record;
        }
    }
}

std::vector<std::string> PresenceTracker::setUsers(const std::vector<std::string>& upns) {
    std::set<std::string> listed;
    std::vector<std::string> added;
    for (const std::string& upn : upns) {
        const std::string k = key(upn);
        if (!listed.insert(k).second) continue;
        auto [it, inserted] = users_.try_emplace(k);
        if (!inserted) continue;
        it->second.upn = upn;
        if (auto r = restored_.find(k); r != restored_.end()) {
            it->second.announced = r->second;
            restored_.erase(r);
        }
        added.push_back(k);
    }
    for (auto it = users_.begin(); it != users_.end();) {
        it = listed.count(it->first) ? std::next(it) : users_.erase(it);
    }
    recomputeNextChange();
    return added;
}

std::optional<PresenceUpdate> PresenceTracker::applySettings(const std::string& upn,
                                                             const graph::MailboxSettings& settings,
                                                             common::TimePoint now) {
    auto it = users_.find(key(upn));
    if (it == users_.end()) return std::nullopt;
    it->second.replies = settings.automatic_replies;
    auto update = evaluateUser(it->second, now);
    // Only ever earlier here: a stale earlier value costs advance() one scan, which recomputes.
    const auto& user_next = it->second.next_change;
    if (user_next && (!next_change_ || *user_next < *next_change_)) next_change_ = user_next;
    return update;
}

std::vector<PresenceUpdate> PresenceTracker::advance(common::TimePoint now) {
    std::vector<PresenceUpdate> updates;
    const bool went_back = last_now_ && now < *last_now_;
    last_now_ = now;
    if (!went_back && (!next_change_ || now < *next_change_)) return updates;
    for (auto& [k, user] : users_) {
        if (!user.replies) continue;
        if (!went_back && !(user.next_change && *user.next_change <= now)) continue;
        if (auto update = evaluateUser(user, now)) updates.push_back(std::move(*update));
    }
    recomputeNextChange();
    return updates;
}

std::optional<PresenceUpdate> PresenceTracker::evaluateUser(User& user, common::TimePoint now) {
    const Evaluation e = evaluate(*user.replies, now);
    user.next_change = e.next_change;
    PresenceRecord next;
    next.state = e.state;
    next.until = toSeconds(e.until);
    // A user never announced is available since... we do not know: say "now".
    const PresenceRecord previous =
        user.announced.value_or(PresenceRecord{PresenceState::Available, floor<seconds>(now), {}});
    if (previous.state == next.state) {
        next.since = previous.since;  // the state goes on
    } else {
        next.since = e.since ? floor<seconds>(*e.since) : floor<seconds>(now);
    }
    if (previous.sameAnnouncement(next)) return std::nullopt;
    user.announced = next;
    ++version_;
    return updateFor(user);
}

PresenceUpdate PresenceTracker::updateFor(const User& user) const {
    PresenceUpdate update;
    update.upn = user.upn;
    update.record = *user.announced;
    if (include_reply_message_ && user.replies &&
        update.record.state == PresenceState::OutOfOffice) {
        update.message = user.replies->external_reply_message;
    }
    return update;
}

std::optional<core::Presence> PresenceTracker::current(const std::string& upn,
                                                       common::TimePoint now) const {
    auto it = users_.find(key(upn));
    if (it == users_.end()) return std::nullopt;
    const User& user = it->second;
    core::Presence presence;
    presence.upn = user.upn;
    if (user.replies) {
        const Evaluation e = evaluate(*user.replies, now);
        presence.state = e.state;
        if (e.state == PresenceState::OutOfOffice) {
            presence.from = toSeconds(e.since);
            presence.until = toSeconds(e.until);
        }
        return presence;
    }
    if (!user.announced) return std::nullopt;
    presence.state = user.announced->state;
    presence.until = user.announced->until;
    return presence;
}

std::optional<PresenceUpdate> PresenceTracker::latest(const std::string& upn) const {
    auto it = users_.find(key(upn));
    if (it == users_.end() || !it->second.announced) return std::nullopt;
    return updateFor(it->second);
}

bool PresenceTracker::fetched(const std::string& upn) const {
    auto it = users_.find(key(upn));
    return it != users_.end() && it->second.replies.has_value();
}

std::map<std::string, PresenceRecord> PresenceTracker::announcements() const {
    std::map<std::string, PresenceRecord> out;
    for (const auto& [k, user] : users_) {
        if (user.announced) out.emplace(user.upn, *user.announced);
    }
    return out;
}

std::vector<std::string> PresenceTracker::upns() const {
    std::vector<std::string> out;
    out.reserve(users_.size());
    for (const auto& [k, user] : users_) out.push_back(user.upn);
    return out;
}

std::optional<common::TimePoint> PresenceTracker::nextChange() const { return next_change_; }

std::optional<std::string> PresenceTracker::upnOf(const std::string& k) const {
    auto it = users_.find(k);
    if (it == users_.end()) return std::nullopt;
    return it->second.upn;
}

void PresenceTracker::recomputeNextChange() {
    next_change_.reset();
    for (const auto& [k, user] : users_) {
        if (user.next_change && (!next_change_ || *user.next_change < *next_change_)) {
            next_change_ = user.next_change;
        }
    }
}

}  // namespace calconn::presence
