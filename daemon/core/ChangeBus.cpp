#include <vector>

#include "core/ChangeEvent.h"

namespace calconn::core {

ChangeBus::SubscriptionId InProcessChangeBus::subscribe(Handler handler) {
    std::lock_guard lock(mutex_);
    const SubscriptionId id = next_id_++;
    handlers_.emplace(id, std::move(handler));
    return id;
}

void InProcessChangeBus::unsubscribe(SubscriptionId id) {
    std::lock_guard lock(mutex_);
    handlers_.erase(id);
}

void InProcessChangeBus::publish(const MeetingChange& change) {
    // Copy under the lock, call outside it: a handler may then (un)subscribe without deadlock.
    std::vector<Handler> snapshot;
    {
        std::lock_guard lock(mutex_);
        snapshot.reserve(handlers_.size());
        for (const auto& [id, handler] : handlers_) snapshot.push_back(handler);
    }
    for (const auto& handler : snapshot) handler(change);
}

}  // namespace calconn::core
