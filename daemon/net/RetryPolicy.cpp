#include "net/RetryPolicy.h"

#include <Poco/DateTime.h>
#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeParser.h>

#include <algorithm>
#include <charconv>
#include <cmath>

namespace calconn::net {

using common::ErrorCode;

double SeededJitter::next() {
    std::lock_guard lock(mutex_);
    return std::uniform_real_distribution<double>(0.0, 1.0)(engine_);
}

std::optional<std::chrono::milliseconds> parseRetryAfter(std::string_view value,
                                                         common::TimePoint now) {
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
        value.remove_prefix(1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
    if (value.empty()) return std::nullopt;
    constexpr double kMaxSeconds = 7 * 24 * 3600.0;  // beyond this a hint is nonsense
    if (std::isdigit(static_cast<unsigned char>(value.front())) || value.front() == '.') {
        double seconds = 0;
        auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds,
                                         std::chars_format::fixed);
        if (ec == std::errc::result_out_of_range)
            seconds = kMaxSeconds;
        else if (ec != std::errc{} || ptr != value.data() + value.size())
            return std::nullopt;
        if (!std::isfinite(seconds) || seconds < 0) return std::nullopt;
        seconds = std::min(seconds, kMaxSeconds);
        return std::chrono::milliseconds(static_cast<std::int64_t>(std::ceil(seconds * 1000.0)));
    }
    // Poco's parser is lenient (it accepts "soon"); an HTTP-date is at least
    // "Sun, 6 Nov 1994 08:49:37 GMT"-long and carries a time of day.
    if (value.size() < 20 || value.find(':') == std::string_view::npos) return std::nullopt;
    Poco::DateTime date;
    int tzd = 0;
    const std::string text(value);
    if (!Poco::DateTimeParser::tryParse(Poco::DateTimeFormat::HTTP_FORMAT, text, date, tzd) &&
        !Poco::DateTimeParser::tryParse(Poco::DateTimeFormat::RFC850_FORMAT, text, date, tzd) &&
        !Poco::DateTimeParser::tryParse(Poco::DateTimeFormat::ASCTIME_FORMAT, text, date, tzd)) {
        return std::nullopt;
    }
    date.makeUTC(tzd);
    const auto when = std::chrono::system_clock::from_time_t(date.timestamp().epochTime());
    if (when <= now) return std::chrono::milliseconds(0);
    auto delta = std::chrono::duration_cast<std::chrono::milliseconds>(when - now);
    return std::min(delta,
                    std::chrono::milliseconds(static_cast<std::int64_t>(kMaxSeconds * 1000)));
}

bool isRetryableStatus(int status) { return status == 429 || status == 503 || status == 504; }

RetryPolicy::RetryPolicy(RetryOptions options, std::shared_ptr<JitterSource> jitter)
    : options_(options), jitter_(std::move(jitter)) {
    if (!jitter_) jitter_ = std::make_shared<SeededJitter>(std::random_device{}());
}

std::chrono::milliseconds RetryPolicy::backoff(int attempts_made) const {
    const int exponent = std::max(0, attempts_made - 1);
    double base = static_cast<double>(options_.initial_backoff.count()) *
                  std::pow(options_.multiplier, std::min(exponent, 62));
    base = std::min(base, static_cast<double>(options_.max_backoff.count()));
    const double jitter = std::clamp(options_.jitter, 0.0, 1.0);
    const double value = base * (1.0 - jitter * jitter_->next());
    return std::chrono::milliseconds(static_cast<std::int64_t>(value));
}

RetryDecision RetryPolicy::decide(int attempts_made, std::chrono::milliseconds delayed_so_far,
                                  const common::Result<HttpResponse>& outcome, bool retry_safe,
                                  common::TimePoint now) const {
    RetryDecision decision;
    bool retryable = false;
    if (outcome.ok()) {
        const int status = outcome.value().status;
        if (auto header = outcome.value().headers.get("Retry-After")) {
            decision.retry_after = parseRetryAfter(*header, now);
        }
        if (status == 429) {
            // A throttled request was not processed: any method may be resent.
            retryable = true;
            decision.reason = "throttled (429)";
        } else if (status == 503 || status == 504) {
            retryable = retry_safe;
            decision.reason = "service unavailable (" + std::to_string(status) + ")";
        } else {
            decision.reason = "status " + std::to_string(status) + " is final";
            return decision;
        }
    } else {
        const auto& error = outcome.error();
        const bool transient = error.code == ErrorCode::Unavailable ||
                               error.code == ErrorCode::Timeout ||
                               error.code == ErrorCode::Protocol;
        retryable = transient && (retry_safe || failedBeforeSending(error));
        decision.reason = error.message;
    }
    if (!retryable) {
        decision.reason += "; not safe to resend";
        return decision;
    }
    if (attempts_made >= options_.max_attempts) {
        decision.reason += "; attempts exhausted";
        return decision;
    }
    std::chrono::milliseconds delay;
    if (decision.retry_after && decision.retry_after->count() > 0) {
        const double extra = static_cast<double>(decision.retry_after->count()) *
                             std::max(0.0, options_.retry_after_jitter) * jitter_->next();
        delay = *decision.retry_after + std::chrono::milliseconds(static_cast<std::int64_t>(extra));
    } else {
        delay = backoff(attempts_made);
    }
    if (delayed_so_far + delay > options_.max_total_delay) {
        decision.reason += "; retry budget exhausted";
        return decision;
    }
    decision.retry = true;
    decision.delay = delay;
    return decision;
}

common::Result<HttpResponse> sendWithRetry(HttpClient& client, const HttpRequest& request,
                                           const RetryPolicy& policy, Sleeper& sleeper,
                                           const common::Clock& clock, const CancelToken* cancel) {
    std::chrono::milliseconds delayed{0};
    for (int attempt = 1;; ++attempt) {
        if (cancel != nullptr && cancel->cancelled()) {
            return common::makeError(ErrorCode::Cancelled, "request cancelled");
        }
        auto outcome = client.send(request);
        if (outcome.ok() && outcome.value().status < 400) return outcome;
        const auto decision =
            policy.decide(attempt, delayed, outcome, isRetrySafe(request), clock.now());
        if (!decision.retry) return outcome;
        if (!sleeper.sleepFor(decision.delay, cancel)) {
            return common::makeError(ErrorCode::Cancelled, "request cancelled during backoff");
        }
        delayed += decision.delay;
    }
}

}  // namespace calconn::net
