#include "ctl/PresenceCommand.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <ostream>
#include <sstream>
#include <vector>

#include "ctl/CommandSupport.h"
#include "ctl/ControlClient.h"

namespace calconn::ctl {

common::Result<std::string> renderPresence(const std::string& json) {
    try {
        Poco::JSON::Parser parser;
        auto root = parser.parse(json).extract<Poco::JSON::Object::Ptr>();
        std::ostringstream out;
        out << "poll interval: " << root->optValue<Poco::Int64>("poll_interval_seconds", 0)
            << "s, reply message "
            << (root->optValue<bool>("include_reply_message", false) ? "included" : "left out")
            << "\n";
        auto users = root->getArray("users");
        out << "users: " << (users ? users->size() : 0) << "\n";
        if (users && users->size() > 0) {
            std::vector<std::vector<std::string>> rows{
                {"USER", "PRESENCE", "FROM", "UNTIL", "LAST READ", "LAST ERROR"}};
            for (std::size_t k = 0; k < users->size(); ++k) {
                auto u = users->getObject(static_cast<unsigned>(k));
                rows.push_back({orDash(u, "upn"), orDash(u, "state"), orDash(u, "from"),
                                orDash(u, "until"), orDash(u, "last_poll"), orDash(u, "error")});
            }
            out << renderTable(rows);
        }
        auto sinks = root->getArray("sinks");
        out << "sinks: " << (sinks ? sinks->size() : 0) << "\n";
        if (sinks && sinks->size() > 0) {
            std::vector<std::vector<std::string>> rows{
                {"SINK", "PENDING", "DELIVERED", "FAILURES", "LAST ERROR"}};
            for (std::size_t k = 0; k < sinks->size(); ++k) {
                auto s = sinks->getObject(static_cast<unsigned>(k));
                rows.push_back(
                    {orDash(s, "name"), std::to_string(s->optValue<Poco::UInt64>("pending", 0)),
                     std::to_string(s->optValue<Poco::UInt64>("delivered", 0)),
                     std::to_string(s->optValue<int>("failures", 0)), orDash(s, "error")});
            }
            out << renderTable(rows);
        }
        return out.str();
    } catch (const Poco::Exception& e) {
        return common::makeError(common::ErrorCode::Protocol,
                                 "cannot read the daemon's presence answer: " + e.displayText());
    }
}

int runPresence(const CtlOptions& options, std::ostream& out, std::ostream& err) {
    const auto json = jsonFlag(options.args);
    if (!json) return usageFailure(err, "presence: " + json.error().message);
    const ControlClient client(resolveSocketPath(options));
    return showAnswer(client, "/v1/presence", "presence", *json, renderPresence, out, err);
}

}  // namespace calconn::ctl
