// Expected outcomes are values: Result<T> holds either a T or an Error{code, message, context}.
// Reading the wrong alternative is a bug and aborts (assert in debug, terminate otherwise).
#pragma once

#include <cstdlib>
#include <string>
#include <utility>
#include <variant>

#include "common/ErrorCode.h"

namespace calconn::common {

struct Error {
    ErrorCode code = ErrorCode::Internal;
    std::string message;  // lower-case, what happened and why
    std::string context;  // e.g. the path, URL or mailbox concerned

    std::string toString() const {
        std::string out(errorCodeName(code));
        out += ": ";
        out += message;
        if (!context.empty()) {
            out += " (";
            out += context;
            out += ")";
        }
        return out;
    }
};

inline Error makeError(ErrorCode code, std::string message, std::string context = {}) {
    return Error{code, std::move(message), std::move(context)};
}

template <typename T>
class [[nodiscard]] Result {
public:
    Result(T value) : data_(std::move(value)) {}            // NOLINT(google-explicit-constructor)
    Result(Error error) : data_(std::move(error)) {}        // NOLINT(google-explicit-constructor)

    bool ok() const { return data_.index() == 0; }
    explicit operator bool() const { return ok(); }

    T& value() & { check(true); return std::get<0>(data_); }
    const T& value() const& { check(true); return std::get<0>(data_); }
    T&& value() && { check(true); return std::get<0>(std::move(data_)); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }

    const Error& error() const { check(false); return std::get<1>(data_); }

private:
    void check(bool want_value) const {
        if (ok() != want_value) std::abort();
    }
    std::variant<T, Error> data_;
};

// Result<void>: success carries nothing.
template <>
class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(Error error) : error_(std::move(error)), has_error_(true) {}  // NOLINT(google-explicit-constructor)

    bool ok() const { return !has_error_; }
    explicit operator bool() const { return ok(); }
    const Error& error() const {
        if (!has_error_) std::abort();
        return error_;
    }

private:
    Error error_;
    bool has_error_ = false;
};

using Status = Result<void>;

}  // namespace calconn::common
