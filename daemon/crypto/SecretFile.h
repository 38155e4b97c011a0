// Small secrets (passwords, HMAC keys) that the configuration names by file (*_file keys).
#pragma once

#include <string>

#include "common/Result.h"

namespace calconn::crypto {

// The file's content without its trailing line breaks (as editors write them: "\n", "\r\n").
// ErrorCode::Config, with the path as context, when the file cannot be read or holds nothing
// else. The settings loader already warns about files that others may read.
common::Result<std::string> readSecretFile(const std::string& path);

}  // namespace calconn::crypto
