#include "crypto/SecretString.h"

#include <openssl/crypto.h>

#include <cstring>
#include <new>
#include <utility>

namespace calconn::crypto {

SecretString::SecretString(std::size_t size) : size_(size) {
    if (size_ > 0) data_ = new std::uint8_t[size_]();
}

SecretString::SecretString(std::string_view text) : SecretString(text.size()) {
    if (size_ > 0) std::memcpy(data_, text.data(), size_);
}

SecretString::SecretString(std::span<const std::uint8_t> bytes) : SecretString(bytes.size()) {
    if (size_ > 0) std::memcpy(data_, bytes.data(), size_);
}

SecretString::~SecretString() { clear(); }

SecretString::SecretString(SecretString&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}

SecretString& SecretString::operator=(SecretString&& other) noexcept {
    if (this != &other) {
        clear();
        data_ = std::exchange(other.data_, nullptr);
        size_ = std::exchange(other.size_, 0);
    }
    return *this;
}

void SecretString::clear() {
    if (data_ != nullptr) {
        secureWipe({data_, size_});
        delete[] data_;
    }
    data_ = nullptr;
    size_ = 0;
}

void secureWipe(std::span<std::uint8_t> bytes) {
    if (!bytes.empty()) OPENSSL_cleanse(bytes.data(), bytes.size());
}

bool constantTimeEquals(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) {
    if (a.size() != b.size()) return false;
    if (a.empty()) return true;
    return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool constantTimeEquals(std::string_view a, std::string_view b) {
    return constantTimeEquals(std::span(reinterpret_cast<const std::uint8_t*>(a.data()), a.size()),
                              std::span(reinterpret_cast<const std::uint8_t*>(b.data()), b.size()));
}

}  // namespace calconn::crypto
