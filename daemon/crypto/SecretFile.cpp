#include "crypto/SecretFile.h"

#include <fstream>
#include <iterator>

namespace calconn::crypto {

common::Result<std::string> readSecretFile(const std::string& path) {
    using common::ErrorCode;
    std::ifstream in(path, std::ios::binary);
    if (!in) return common::makeError(ErrorCode::Config, "cannot read the secret file", path);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    if (text.empty()) return common::makeError(ErrorCode::Config, "the secret file is empty", path);
    return text;
}

}  // namespace calconn::crypto
