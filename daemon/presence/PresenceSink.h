// Port: where presence changes go. One implementation today (WebhookPresenceSink); each sink
// is driven by its own SinkDelivery, which retries and coalesces.
#pragma once

#include <string>

#include "common/Result.h"
#include "presence/PresenceRecord.h"

namespace calconn::presence {

class PresenceSink {
public:
    virtual ~PresenceSink() = default;
    // For logs and status: no secrets, no query string.
    virtual const std::string& name() const = 0;
    // Stable across restarts for the same configuration: keys the sink's acknowledged
    // announcements in the state file.
    virtual const std::string& key() const = 0;
    // One delivery attempt; an error means "not delivered, try again later".
    virtual common::Status publish(const PresenceUpdate& update) = 0;
};

}  // namespace calconn::presence
