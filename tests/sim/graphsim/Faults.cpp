#include "Faults.h"

#include <re2/re2.h>

#include "Json.h"

namespace calconn::graphsim {

FaultInjector::FaultInjector(std::uint64_t seed) : prng_(seed ^ 0xfa017ULL) {}
FaultInjector::~FaultInjector() = default;

bool FaultInjector::add(FaultRule rule, std::string& error) {
    auto regex = std::make_unique<re2::RE2>(rule.pattern, re2::RE2::Quiet);
    if (!regex->ok()) {
        error = regex->error();
        return false;
    }
    std::lock_guard lock(mutex_);
    rules_.push_back(Compiled{std::move(rule), std::move(regex)});
    return true;
}

void FaultInjector::clear() {
    std::lock_guard lock(mutex_);
    rules_.clear();
}

std::string FaultInjector::listJson() const {
    std::lock_guard lock(mutex_);
    JsonWriter w;
    w.beginArray();
    for (const auto& c : rules_) {
        const auto& r = c.rule;
        w.beginObject().field("pattern", r.pattern).field("probability", r.probability)
            .field("status", r.status).field("code", r.code).field("retryAfter", r.retry_after)
            .field("latencyMs", r.latency_ms).field("reset", r.reset).field("truncate", r.truncate)
            .field("invalidJson", r.invalid_json).field("stallNextLink", r.stall_next_link).field("remaining", r.remaining).endObject();
    }
    w.endArray();
    return w.take();
}

std::optional<FaultAction> FaultInjector::match(const std::string& subject) {
    std::lock_guard lock(mutex_);
    for (auto& c : rules_) {
        if (c.rule.remaining == 0) continue;
        if (!re2::RE2::PartialMatch(subject, *c.regex)) continue;
        const double draw = static_cast<double>(prng_.below(1000000)) / 1000000.0;
        if (draw >= c.rule.probability) continue;
        if (c.rule.remaining > 0) --c.rule.remaining;
        return FaultAction{c.rule};
    }
    return std::nullopt;
}

}  // namespace calconn::graphsim
