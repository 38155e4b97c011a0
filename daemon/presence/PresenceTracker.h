// Per-user presence state machine: the last fetched automatic-replies setting, the last
// announcement, and the decision whether a new evaluation is a transition to announce. Not
// thread-safe (PresenceService holds it under its lock); no I/O, time comes in as arguments.
//
// A user calconn has never announced counts as available: first seeing someone available
// announces (and records) nothing, first seeing someone out of office announces it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/Clock.h"
#include "core/Meeting.h"
#include "graph/GraphTypes.h"
#include "presence/PresenceEvaluator.h"
#include "presence/PresenceRecord.h"

namespace calconn::presence {

class PresenceTracker {
public:
    explicit PresenceTracker(bool include_reply_message = false)
        : include_reply_message_(include_reply_message) {}

    void setIncludeReplyMessage(bool include) { include_reply_message_ = include; }

    // Announcements remembered from the previous run (UPN -> record), the baseline after a restart.
    void restore(const std::map<std::string, PresenceRecord>& announced);

    // The users to track, as listed by the store; users not listed are forgotten. Returns the
    // keys (lower-case UPNs) of the users that were added.
    std::vector<std::string> setUsers(const std::vector<std::string>& upns);

    // A setting fetched for the user at wall time `now`; the update when the announcement
    // changed. Unknown users are ignored.
    std::optional<PresenceUpdate> applySettings(const std::string& upn,
                                                const graph::MailboxSettings& settings,
                                                common::TimePoint now);

    // Transitions that the clock brought (a scheduled window starting or ending), for every
    // user; a clock that moved backwards re-evaluates everyone.
    std::vector<PresenceUpdate> advance(common::TimePoint now);

    // The presence at `now`, evaluated from the last fetched setting (exact at the scheduled
    // instants); before the first fetch, the remembered announcement; else nothing.
    std::optional<core::Presence> current(const std::string& upn, common::TimePoint now) const;

    // The update that brings a sink to the current announcement (with the message when it is
    // allowed and known); none for users without an announcement.
    std::optional<PresenceUpdate> latest(const std::string& upn) const;
    // Whether the user's setting has been fetched in this run (its message is known).
    bool fetched(const std::string& upn) const;

    std::map<std::string, PresenceRecord> announcements() const;  // UPN -> record
    // Counts changes of announcements (for "is there something to save").
    std::uint64_t version() const { return version_; }
    std::optional<std::string> upnOf(const std::string& key) const;
    std::vector<std::string> upns() const;  // as listed, sorted by key
    // Earliest instant at which advance() will find something to do.
    std::optional<common::TimePoint> nextChange() const;

    static std::string key(std::string_view upn);  // UPNs compare case-insensitively

private:
    struct User {
        std::string upn;
        std::optional<graph::AutomaticReplies> replies;
        std::optional<PresenceRecord> announced;
        std::optional<common::TimePoint> next_change;
    };
    std::optional<PresenceUpdate> evaluateUser(User& user, common::TimePoint now);
    PresenceUpdate updateFor(const User& user) const;
    void recomputeNextChange();

    bool include_reply_message_;
    std::map<std::string, User> users_;               // by key
    std::map<std::string, PresenceRecord> restored_;  // by key, for users not listed yet
    std::optional<common::TimePoint> next_change_;
    std::optional<common::TimePoint> last_now_;
    std::uint64_t version_ = 0;
};

}  // namespace calconn::presence
