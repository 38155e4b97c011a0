// Domain change events: what the store emits when an applied Graph change altered a cached
// meeting. Detection, devices and the API subscribe through the synchronous ChangeBus port.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

namespace calconn::core {

enum class ChangeKind { Added, Changed, Cancelled, Removed };

struct MeetingChange {
    std::uint64_t sequence = 0;  // the store's outbox sequence: increasing, never reused
    ChangeKind kind = ChangeKind::Added;
    std::string mailbox;     // UPN
    std::string meeting_id;  // Graph event id
    // The change's identity: the Graph changeKey that produced it (for Removed, the last known
    // changeKey). (mailbox, meeting_id, kind, change_key) is unique, so a consumer that sees
    // the same tuple twice (an outbox replay after a crash) can drop the second.
    std::string change_key;
    bool operator==(const MeetingChange&) const = default;
};

std::string_view changeKindName(ChangeKind kind);  // "added", "changed", "cancelled", "removed"

// Synchronous publish/subscribe. Handlers run on the publisher's thread, in subscription
// order, and must be quick (queue work elsewhere). Handlers see a snapshot of the
// subscriptions taken when publish() starts.
class ChangeBus {
public:
    using Handler = std::function<void(const MeetingChange&)>;
    using SubscriptionId = std::uint64_t;

    virtual ~ChangeBus() = default;
    virtual SubscriptionId subscribe(Handler handler) = 0;
    virtual void unsubscribe(SubscriptionId id) = 0;
    virtual void publish(const MeetingChange& change) = 0;
};

class InProcessChangeBus final : public ChangeBus {
public:
    SubscriptionId subscribe(Handler handler) override;
    void unsubscribe(SubscriptionId id) override;
    void publish(const MeetingChange& change) override;

private:
    std::mutex mutex_;
    SubscriptionId next_id_ = 1;
    std::map<SubscriptionId, Handler> handlers_;
};

}  // namespace calconn::core
