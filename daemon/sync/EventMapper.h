// Translation of decoded Graph events into calconn's meetings (UTC, typed enums), and the
// classification of delta entries: an upsert, an @removed tombstone, or a bare occurrence that
// only carries ids and times and must be filled in from its series master.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/Result.h"
#include "core/Meeting.h"
#include "graph/GraphTypes.h"

namespace calconn::sync {

enum class EntryKind { Upsert, Removal, BareOccurrence };

EntryKind classify(const graph::DeltaEntry& entry);

// A full event to a meeting of mailbox `upn`. InvalidArgument when the event has no id or no
// start/end (a series master without times is tolerated: it never counts as an instance).
common::Result<core::Meeting> toMeeting(const graph::Event& event, std::string_view upn);

// A bare occurrence takes every field from its master except identity, type and times; its
// change key combines the occurrence's and the master's.
core::Meeting hydrateOccurrence(const graph::Event& occurrence, const core::Meeting& master);

// The change key of an event: changeKey, or else the one inside the etag (W/"...").
std::string changeKeyOf(const graph::Event& event);

// Series masters for one sync round: each master is looked up at most once per round — first
// among the masters the round itself delivered, then in the cache, then fetched from Graph.
class MasterCache {
public:
    using Lookup = std::function<common::Result<std::optional<core::Meeting>>(const std::string&)>;

    // `stored` reads the local cache; `fetch` asks Graph (nullopt when the master is gone).
    MasterCache(Lookup stored, Lookup fetch);

    // A master delivered in this round replaces whatever was known.
    void remember(const core::Meeting& master);
    // nullopt when the master no longer exists; an error when Graph could not be asked.
    common::Result<std::optional<core::Meeting>> get(const std::string& master_id);

    int fetches() const { return fetches_; }

private:
    Lookup stored_;
    Lookup fetch_;
    std::map<std::string, std::optional<core::Meeting>> known_;
    int fetches_ = 0;
};

}  // namespace calconn::sync
