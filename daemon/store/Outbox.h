// Publishing the store's change outbox: events are committed with the changes that caused
// them, then handed to the ChangeBus and acknowledged. A crash in between republishes them on
// the next drain (at-least-once), which consumers absorb as core::MeetingChange describes.
#pragma once

#include <cstddef>

#include "common/Result.h"
#include "core/ChangeEvent.h"
#include "core/StateStore.h"

namespace calconn::store {

// Publishes every pending event in sequence order on `bus`, acknowledging after each batch.
// Call it at startup (before sync resumes) and after each successful apply. Returns how many
// events were published. Not for concurrent use with itself (one drainer per store).
common::Result<std::size_t> drainOutbox(core::StateStore& store, core::ChangeBus& bus,
                                        std::size_t batch_size = 1000);

}  // namespace calconn::store
