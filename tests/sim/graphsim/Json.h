// A small append-only JSON writer: responses are built straight into one string, which keeps the
// hot delta path free of DOM allocations.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace calconn::graphsim {

class JsonWriter {
public:
    JsonWriter() { out_.reserve(4096); }

    JsonWriter& beginObject();
    JsonWriter& endObject();
    JsonWriter& beginArray();
    JsonWriter& endArray();
    JsonWriter& key(std::string_view name);
    JsonWriter& value(std::string_view text);
    JsonWriter& value(const char* text) { return value(std::string_view(text)); }
    JsonWriter& value(const std::string& text) { return value(std::string_view(text)); }
    JsonWriter& value(std::int64_t number);
    JsonWriter& value(int number) { return value(static_cast<std::int64_t>(number)); }
    JsonWriter& value(double number);
    JsonWriter& value(bool flag);
    JsonWriter& null();
    // Inserts already-serialised JSON as one value.
    JsonWriter& raw(std::string_view json);

    // key + value in one call.
    template <typename T>
    JsonWriter& field(std::string_view name, const T& v) {
        key(name);
        return value(v);
    }
    JsonWriter& nullField(std::string_view name) {
        key(name);
        return null();
    }

    const std::string& str() const { return out_; }
    std::string take() { return std::move(out_); }

private:
    void separate();
    std::string out_;
    std::vector<bool> first_;  // per open container: no element written yet
    bool after_key_ = false;
};

void appendJsonEscaped(std::string& out, std::string_view text);

}  // namespace calconn::graphsim
