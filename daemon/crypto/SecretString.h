// Memory for secrets: non-copyable, movable, wiped (OPENSSL_cleanse) on destruction and clear.
// Also the constant-time comparison every secret check must use.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace calconn::crypto {

class SecretString {
public:
    SecretString() = default;
    explicit SecretString(std::size_t size);  // `size` zero bytes
    explicit SecretString(std::string_view text);
    explicit SecretString(std::span<const std::uint8_t> bytes);
    ~SecretString();

    SecretString(const SecretString&) = delete;
    SecretString& operator=(const SecretString&) = delete;
    SecretString(SecretString&& other) noexcept;
    SecretString& operator=(SecretString&& other) noexcept;

    std::size_t size() const { return size_; }
    bool empty() const { return size_ == 0; }
    std::uint8_t* data() { return data_; }
    const std::uint8_t* data() const { return data_; }
    std::span<std::uint8_t> bytes() { return {data_, size_}; }
    std::span<const std::uint8_t> bytes() const { return {data_, size_}; }
    // The secret as text; never log it.
    std::string_view view() const { return {reinterpret_cast<const char*>(data_), size_}; }

    // Wipes and frees; the object is then empty.
    void clear();

private:
    std::uint8_t* data_ = nullptr;
    std::size_t size_ = 0;
};

// Overwrites with zeros in a way the optimiser cannot drop (OPENSSL_cleanse); SecretString
// uses it, and so should any other buffer that briefly held a secret.
void secureWipe(std::span<std::uint8_t> bytes);

// Equal length and equal bytes, in time independent of where they differ (the length itself
// is not secret). Use for tokens, clientState, MACs.
bool constantTimeEquals(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b);
bool constantTimeEquals(std::string_view a, std::string_view b);

}  // namespace calconn::crypto
