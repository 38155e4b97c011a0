// Port: whoever holds the key-encryption key. The store asks it to wrap a fresh data key and,
// on start, to unwrap the stored ones; the local provider and the HDS KMS provider both fit.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/Result.h"

namespace calconn::core {

// A data key as the provider wrapped it: opaque bytes, plus the id of the key-encryption key
// used, so a later provider (or a rotated master key) can tell which key to unwrap with.
struct WrappedKey {
    std::string kek_id;
    std::vector<std::uint8_t> blob;
    bool operator==(const WrappedKey&) const = default;
};

class KeyProvider {
public:
    virtual ~KeyProvider() = default;

    // Short name for logs and the data_keys table, e.g. "local".
    virtual std::string name() const = 0;

    // Wraps `key` (a 32-byte data key). `key_id` is the data key's own id; it is bound to the
    // wrapped blob (associated data), so a blob moved to another id does not unwrap.
    virtual common::Result<WrappedKey> wrapKey(std::string_view key_id,
                                               std::span<const std::uint8_t> key) = 0;

    // Unwraps into `out`, which must have exactly the data key's size. The caller owns the
    // buffer so that it can live in wiped memory. Fails with ErrorCode::Crypto on a wrong key
    // or a tampered blob.
    virtual common::Status unwrapKey(std::string_view key_id, const WrappedKey& wrapped,
                                     std::span<std::uint8_t> out) = 0;
};

}  // namespace calconn::core
