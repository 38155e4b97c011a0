#include "store/Outbox.h"

namespace calconn::store {

common::Result<std::size_t> drainOutbox(core::StateStore& store, core::ChangeBus& bus,
                                        std::size_t batch_size) {
    std::size_t published = 0;
    for (;;) {
        auto pending = store.pendingChanges(batch_size);
        if (!pending) return pending.error();
        if (pending->empty()) return published;
        for (const auto& change : *pending) bus.publish(change);
        published += pending->size();
        if (auto st = store.acknowledgeChanges(pending->back().sequence); !st) return st.error();
        if (pending->size() < batch_size) return published;
    }
}

}  // namespace calconn::store
