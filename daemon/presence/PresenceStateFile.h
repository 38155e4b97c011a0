// The presence state file under the state directory (presence.json, mode 0600): read once at
// start, replaced atomically (temporary file, fsync, rename, fsync of the directory) so that a
// crash leaves either the old or the new content, never a torn file.
#pragma once

#include <string>

#include "common/Result.h"
#include "presence/PresenceCodec.h"

namespace calconn::presence {

// An absent file is an empty snapshot (first start); an unreadable or malformed one an error.
common::Result<PresenceSnapshot> loadSnapshot(const std::string& path);
common::Status saveSnapshot(const std::string& path, const PresenceSnapshot& snapshot);

}  // namespace calconn::presence
