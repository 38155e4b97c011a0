// When each user's automatic-replies setting is read next. Graph sends no change notifications
// for mailbox settings, so every user is read once per presence.poll_interval; users that
// arrive together are spread evenly over one interval (10,000 users at 5 minutes: one read
// every 30 ms) instead of being read all at once, and each later read follows the previous
// one by the interval, which keeps the spread. At most `max_in_flight` reads run at a time.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/Clock.h"

namespace calconn::presence {

class PollPlanner {
public:
    PollPlanner(std::chrono::seconds interval, std::size_t max_in_flight);

    // Keeps the phase of known users; a shorter interval brings late reads forward.
    void setInterval(std::chrono::seconds interval, common::TimePoint now);
    std::chrono::seconds interval() const { return interval_; }

    // Plans `added` (new users, in order) over one interval from `now`; forgets users that are
    // not in `all`.
    void addUsers(const std::vector<std::string>& added, common::TimePoint now);
    void keepOnly(const std::vector<std::string>& all);
    // Reads the user as soon as a slot is free (e.g. a sink waits for its message).
    void soon(const std::string& user, common::TimePoint now);

    // Users due at `now`, marked in flight, as many as free slots allow, earliest first.
    std::vector<std::string> takeDue(common::TimePoint now);
    // The read finished (either way): the next one is one interval later.
    void done(const std::string& user, common::TimePoint now);

    std::optional<common::TimePoint> nextDue() const;  // earliest due user not in flight
    std::optional<common::TimePoint> dueOf(const std::string& user) const;
    std::size_t inFlight() const { return in_flight_; }
    std::size_t size() const { return users_.size(); }

private:
    struct Plan {
        common::TimePoint due{};
        bool in_flight = false;
    };
    void schedule(const std::string& user, Plan& plan, common::TimePoint due);

    std::chrono::seconds interval_;
    std::size_t max_in_flight_;
    std::size_t in_flight_ = 0;
    std::map<std::string, Plan> users_;
    // Users not in flight, by due time: a tick costs O(due users), not a scan of everyone.
    std::set<std::pair<common::TimePoint, std::string>> queue_;
};

}  // namespace calconn::presence
