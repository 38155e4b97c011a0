// Daemon::startApi: the REST API over the other modules. Its ApiSources read sync's store
// (through CachedMeetings, which adds the join targets), presence, the room devices, sync's
// status and Graph notification receiver, and the daemon's own state.
#include <Poco/Logger.h>

#include "api/ApiServer.h"
#include "app/Daemon.h"
#include "app/MailboxRoutes.h"
#include "devices/DeviceRunner.h"
#include "store/MeetingStore.h"

namespace calconn::app {

namespace {

api::DeviceRow deviceRow(const devices::DeviceStatus& status) {
    api::DeviceRow row;
    row.room = status.room;
    row.device = status.device;
    row.bookings = status.state.bookings_pushed;
    if (status.state.last_push) {
        row.last_push = std::chrono::floor<std::chrono::seconds>(*status.state.last_push);
    }
    if (status.setup_error) {
        row.state = "failing";
        row.last_error = status.setup_error->message;
    } else if (status.state.last_error) {
        row.state = "failing";
        row.last_error = status.state.last_error->message;
    } else {
        row.state = status.state.last_push ? "ok" : "pending";
    }
    return row;
}

}  // namespace

common::Status Daemon::startApi() {
    api::ApiSources sources;
    if (sync_ && cached_meetings_) {
        sources.meetings =
            [this](const std::string& mailbox, core::UtcSeconds from,
                   core::UtcSeconds to) -> common::Result<std::vector<api::MeetingRecord>> {
            auto inputs = cached_meetings_->inWindow(mailbox, from, to);
            if (!inputs) return inputs.error();
            std::vector<api::MeetingRecord> records;
            records.reserve(inputs->size());
            for (devices::BookingInput& input : *inputs) {
                records.push_back({std::move(input.meeting), std::move(input.join)});
            }
            return records;
        };
        sources.meeting =
            [this](const std::string& mailbox,
                   const std::string& id) -> common::Result<std::optional<api::MeetingRecord>> {
            auto found = sync_->store().meeting(mailbox, id);
            if (!found) return found.error();
            if (!*found || (*found)->type == core::MeetingType::SeriesMaster) {
                return std::optional<api::MeetingRecord>();
            }
            // The join target as the lists show it: detection over this one meeting.
            auto inputs = cached_meetings_->inWindow(mailbox, (*found)->start, (*found)->end);
            if (inputs) {
                for (devices::BookingInput& input : *inputs) {
                    if (input.meeting.id == id) {
                        return std::optional<api::MeetingRecord>(
                            api::MeetingRecord{std::move(input.meeting), std::move(input.join)});
                    }
                }
            }
            return std::optional<api::MeetingRecord>(
                api::MeetingRecord{std::move(**found), std::nullopt});
        };
        sources.mailbox_kind =
            [this](const std::string& mailbox) -> std::optional<core::MailboxKind> {
            auto found = sync_->store().mailbox(mailbox);
            if (!found || !*found) return std::nullopt;
            return (*found)->kind;
        };
        sources.mailboxes = [this] { return mailboxRows(*sync_); };
        sources.graph_notifications = [this](const api::ApiRequest& request) {
            const auto token = request.query.find("validationToken");
            auto answer = sync_->handleNotification(
                token == request.query.end() ? std::string() : token->second, request.body);
            if (!answer) {
                return api::jsonError(404, common::ErrorCode::NotFound,
                                      "change notifications are not configured "
                                      "(sync.notifications.public_url)");
            }
            return api::ApiResponse{answer->status, answer->content_type, answer->body};
        };
        sources.bus = &sync_->bus();
    }
    if (presence_) {
        sources.presence = [this](const std::string& upn) { return presence_->current(upn); };
    }
    if (devices_) {
        sources.devices = [this] {
            std::vector<api::DeviceRow> rows;
            for (const devices::DeviceStatus& status : devices_->status())
                rows.push_back(deviceRow(status));
            return rows;
        };
    }
    sources.room_private_title = [this](const std::string& room) {
        return devices::privateTitleFor(*settings_.get(), room);
    };
    sources.status = [this] { return statusReport(); };
    sources.ready = [this] {
        const DaemonState state = state_.load();
        return state == DaemonState::Running || state == DaemonState::Reloading;
    };

    auto server = api::ApiServer::start(*settings_.get(), std::move(sources), wallClock());
    if (!server) return server.error();
    addReloadListener([this](const settings::Settings&, const settings::Settings& next) {
        api_->applySettings(next);
    });
    // Under the lock: the API's own status answers read api_ (statusReport) from now on.
    std::lock_guard lock(components_mutex_);
    api_ = std::move(server).value();
    components_.push_back("api");
    return {};
}

}  // namespace calconn::app
