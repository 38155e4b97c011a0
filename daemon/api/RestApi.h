// The REST API's routes, independent of the transport: bearer authentication against the
// tokens file, scope checks (401 without a valid token, 403 outside its scope, both before
// anything is looked up, so neither tells whether a user or room exists), the handlers, ETags
// on lists, and per-route request counters. HttpsServer feeds it requests.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "api/ApiSources.h"
#include "api/MeetingNotifier.h"
#include "api/Router.h"
#include "api/TokenStore.h"
#include "common/Clock.h"

namespace calconn::api {

struct RestApiSettings {
    std::chrono::seconds bookings_horizon{std::chrono::hours(72)};  // devices.horizon
    bool show_tentative = true;                                     // devices.show_tentative
    bool show_declined = false;                                     // devices.show_declined
    std::string private_title = "Private meeting";                  // devices.private_title
};

// Default and largest window of GET .../meetings.
inline constexpr std::chrono::hours kDefaultMeetingsWindow{24 * 7};
inline constexpr std::chrono::hours kMaxWindow{24 * 92};

class RestApi {
public:
    RestApi(ApiSources sources, TokenStore& tokens, MeetingNotifier& notifier,
            const common::Clock& wall_clock, RestApiSettings settings);

    void setSettings(RestApiSettings settings);

    ApiResponse handle(const ApiRequest& request) const;

    // "GET /api/v1/users/{upn}/meetings", ... in registration order (the OpenAPI check).
    std::vector<std::string> routes() const { return router_.describe(); }

private:
    enum class Access { Public, Admin, User, Room };
    using Handler = std::function<ApiResponse(const ApiRequest&)>;

    void add(const std::string& method, const std::string& pattern, Access access, Handler handler);
    std::optional<ApiResponse> refuse(const ApiRequest& request, Access access,
                                      std::string& token_name) const;
    RestApiSettings settings() const;

    ApiResponse meetings(const ApiRequest& request) const;
    ApiResponse bookings(const ApiRequest& request) const;
    ApiResponse presence(const ApiRequest& request) const;
    ApiResponse notifications(const ApiRequest& request) const;
    ApiResponse status(const ApiRequest& request) const;
    ApiResponse metrics(const ApiRequest& request) const;
    ApiResponse readiness(const ApiRequest& request) const;
    ApiResponse graphNotifications(const ApiRequest& request) const;
    std::optional<ApiResponse> requireMailbox(const std::string& mailbox,
                                              core::MailboxKind kind) const;

    ApiSources sources_;
    TokenStore& tokens_;
    MeetingNotifier& notifier_;
    const common::Clock& clock_;
    mutable std::mutex settings_mutex_;
    RestApiSettings settings_;
    Router router_;
};

}  // namespace calconn::api
