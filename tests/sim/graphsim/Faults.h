// Fault injection for the Graph endpoints: rules matched by RE2 on "METHOD /path?query", fired
// with a probability drawn from a seeded PRNG so that a test run is reproducible.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "Generator.h"

namespace re2 {
class RE2;
}

namespace calconn::graphsim {

struct FaultRule {
    std::string pattern;       // RE2, partial match against "GET /v1.0/users/...?query"
    double probability = 1.0;  // 0..1
    int status = 0;            // 0: keep the real response status
    std::string code;          // Graph error code for the injected status (default by status)
    std::string retry_after = "present";  // present | absent | fractional | zero | <literal value>
    int latency_ms = 0;
    bool reset = false;         // close the connection without answering
    bool truncate = false;      // send half the body, then close
    bool invalid_json = false;  // replace the body with malformed JSON
    bool stall_next_link = false;  // delta: nextLink points back at the same page (a loop)
    int remaining = -1;         // fire at most this many times (-1: unlimited)
};

struct FaultAction {
    FaultRule rule;
};

class FaultInjector {
public:
    explicit FaultInjector(std::uint64_t seed);
    ~FaultInjector();

    // Returns false (and an error message) when the pattern does not compile.
    bool add(FaultRule rule, std::string& error);
    void clear();
    std::string listJson() const;
    std::optional<FaultAction> match(const std::string& subject);

private:
    struct Compiled {
        FaultRule rule;
        std::unique_ptr<re2::RE2> regex;
    };
    mutable std::mutex mutex_;
    std::vector<Compiled> rules_;
    Prng prng_;
};

}  // namespace calconn::graphsim
