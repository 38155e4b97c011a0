// libFuzzer target for the detector: the first byte picks the body type and splits off a location;
// the rest is the body. Checks the invariants every result must keep.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "detect/Detector.h"
#include "detect/Explain.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace calconn::detect;
    if (size == 0) return 0;
    std::string_view all(reinterpret_cast<const char*>(data + 1), size - 1);
    std::size_t split = std::min<std::size_t>(all.size(), data[0] & 0x3F);
    DetectorInput input;
    input.location = all.substr(0, split);
    input.body = all.substr(split);
    input.body_type = (data[0] & 0x80) ? BodyType::Html : BodyType::Text;
    DetectorOptions options;
    options.max_body_size = 64 * 1024;
    Detection d = Detector(options).detect(input);
    if (d.winner >= static_cast<int>(d.candidates.size())) std::abort();
    if (d.uri && d.service == Service::None) std::abort();
    for (const auto& c : d.candidates) {
        if (c.reason.empty()) std::abort();
        if (c.position > size) std::abort();
    }
    std::string json = renderJson(d);
    if (json.empty() || json.front() != '{' || json.back() != '}') std::abort();
    (void)renderText(d);
    return 0;
}
