#include "presence/PollPlanner.h"

#include <algorithm>

namespace calconn::presence {

PollPlanner::PollPlanner(std::chrono::seconds interval, std::size_t max_in_flight)
    : interval_(interval), max_in_flight_(std::max<std::size_t>(1, max_in_flight)) {}

void PollPlanner::schedule(const std::string& user, Plan& plan, common::TimePoint due) {
    if (!plan.in_flight) queue_.erase({plan.due, user});
    plan.due = due;
    if (!plan.in_flight) queue_.emplace(due, user);
}

void PollPlanner::setInterval(std::chrono::seconds interval, common::TimePoint now) {
    interval_ = interval;
    for (auto& [user, plan] : users_) schedule(user, plan, std::min(plan.due, now + interval));
}

void PollPlanner::addUsers(const std::vector<std::string>& added, common::TimePoint now) {
    const auto n = static_cast<std::int64_t>(added.size());
    for (std::int64_t i = 0; i < n; ++i) {
        const auto offset =
            std::chrono::duration_cast<common::TimePoint::duration>(interval_) * i / n;
        const std::string& user = added[static_cast<std::size_t>(i)];
        auto [it, inserted] = users_.try_emplace(user, Plan{now + offset, false});
        if (inserted) queue_.emplace(it->second.due, user);
    }
}

void PollPlanner::keepOnly(const std::vector<std::string>& all) {
    const std::set<std::string> keep(all.begin(), all.end());
    for (auto it = users_.begin(); it != users_.end();) {
        if (keep.count(it->first)) {
            ++it;
            continue;
        }
        if (it->second.in_flight) {
            --in_flight_;
        } else {
            queue_.erase({it->second.due, it->first});
        }
        it = users_.erase(it);
    }
}

void PollPlanner::soon(const std::string& user, common::TimePoint now) {
    auto it = users_.find(user);
    if (it != users_.end()) schedule(user, it->second, std::min(it->second.due, now));
}

std::vector<std::string> PollPlanner::takeDue(common::TimePoint now) {
    std::vector<std::string> out;
    while (in_flight_ < max_in_flight_ && !queue_.empty() && queue_.begin()->first <= now) {
        std::string user = queue_.begin()->second;
        queue_.erase(queue_.begin());
        users_[user].in_flight = true;
        ++in_flight_;
        out.push_back(std::move(user));
    }
    return out;
}

void PollPlanner::done(const std::string& user, common::TimePoint now) {
    auto it = users_.find(user);
    if (it == users_.end() || !it->second.in_flight) return;
    --in_flight_;
    it->second.in_flight = false;
    it->second.due = now + interval_;
    queue_.emplace(it->second.due, user);
}

std::optional<common::TimePoint> PollPlanner::nextDue() const {
    if (queue_.empty()) return std::nullopt;
    return queue_.begin()->first;
}

std::optional<common::TimePoint> PollPlanner::dueOf(const std::string& user) const {
    auto it = users_.find(user);
    if (it == users_.end()) return std::nullopt;
    return it->second.due;
}

}  // namespace calconn::presence
