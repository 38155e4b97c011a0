#include "app/TestClockRoutes.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include "common/IsoTime.h"

namespace calconn::app {

namespace {

api::ApiResponse nowResponse(const common::FakeClock& clock) {
    const auto now = std::chrono::floor<std::chrono::seconds>(clock.now());
    return {200, "application/json", "{\"now\":\"" + common::formatIsoUtc(now) + "\"}"};
}

}  // namespace

void addTestClockRoutes(api::Router& router, common::FakeClock& clock, std::function<void()> moved) {
    router.add("GET", "/v1/test/clock", [&clock](const api::ApiRequest&) { return nowResponse(clock); });
    router.add("POST", "/v1/test/clock", [&clock, moved](const api::ApiRequest& request) {
        Poco::JSON::Object::Ptr body;
        try {
            body = Poco::JSON::Parser().parse(request.body).extract<Poco::JSON::Object::Ptr>();
        } catch (const Poco::Exception&) {
        }
        if (!body) {
            return api::jsonError(400, common::ErrorCode::InvalidArgument, "body must be a JSON object");
        }
        if (body->has("now")) {
            const auto now = common::parseIsoUtc(body->optValue<std::string>("now", ""));
            if (!now) {
                return api::jsonError(400, common::ErrorCode::InvalidArgument,
                                      "\"now\" must be an ISO 8601 UTC time");
            }
            clock.set(*now);
        } else if (body->has("advance_seconds")) {
            const double seconds = body->optValue<double>("advance_seconds", -1);
            if (!(seconds >= 0)) {
                return api::jsonError(400, common::ErrorCode::InvalidArgument,
                                      "\"advance_seconds\" must be a number >= 0 (time only moves forward)");
            }
            clock.advance(std::chrono::duration_cast<std::chrono::nanoseconds>(
                std::chrono::duration<double>(seconds)));
        } else {
            return api::jsonError(400, common::ErrorCode::InvalidArgument,
                                  "give \"now\" or \"advance_seconds\"");
        }
        if (moved) moved();
        return nowResponse(clock);
    });
}

}  // namespace calconn::app
