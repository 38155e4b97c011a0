#include "ctl/DevicesCommand.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <ostream>
#include <sstream>
#include <vector>

#include "ctl/CommandSupport.h"
#include "ctl/ControlClient.h"

namespace calconn::ctl {

common::Result<std::string> renderDevices(const std::string& json) {
    try {
        Poco::JSON::Parser parser;
        auto root = parser.parse(json).extract<Poco::JSON::Object::Ptr>();
        auto devices = root->getArray("devices");
        const std::size_t count = devices ? devices->size() : 0;
        std::ostringstream out;
        if (count == 0) {
            out << "devices: none (add them under mailboxes.rooms[].devices)\n";
            return out.str();
        }
        std::size_t failing = 0;
        std::vector<std::vector<std::string>> rows{{"ROOM", "DEVICE", "STATE", "BOOKINGS",
                                                    "LAST PUSH", "NEXT ATTEMPT", "LAST ERROR"}};
        for (std::size_t k = 0; k < count; ++k) {
            auto d = devices->getObject(static_cast<unsigned>(k));
            const std::string state = orDash(d, "state");
            if (state == "failing") ++failing;
            std::string when_failing = state;
            if (const auto n = d->optValue<int>("consecutive_failures", 0); n > 1) {
                when_failing += " (" + std::to_string(n) + "x)";
            }
            rows.push_back({orDash(d, "room"), orDash(d, "device"), when_failing,
                            std::to_string(d->optValue<Poco::Int64>("bookings", 0)),
                            orDash(d, "last_push"), orDash(d, "next_attempt"),
                            orDash(d, "last_error")});
        }
        out << "devices: " << count;
        if (failing > 0) out << " (" << failing << " failing)";
        out << "\n" << renderTable(rows);
        return out.str();
    } catch (const Poco::Exception& e) {
        return common::makeError(common::ErrorCode::Protocol,
                                 "cannot read the daemon's devices answer: " + e.displayText());
    }
}

int runDevices(const CtlOptions& options, std::ostream& out, std::ostream& err) {
    const std::vector<std::string>& args = options.args;
    const std::string action = args.empty() ? "list" : args[0];
    const ControlClient client(resolveSocketPath(options));
    if (action == "list") {
        const auto json = jsonFlag(args, 1);
        if (!json) return usageFailure(err, "devices: " + json.error().message);
        return showAnswer(client, "/v1/devices", "devices list", *json, renderDevices, out, err);
    }
    if (action == "push") {
        if (args.size() != 2) {
            return usageFailure(err, "devices: push needs exactly one room mailbox address");
        }
        auto reply = client.request("POST", "/v1/devices/" + args[1] + "/push");
        if (!reply || reply->status != 200) return requestFailure("devices push", client, reply, err);
        out << actionMessage(reply->body) << "\n";
        return kExitOk;
    }
    return usageFailure(err, "devices: unknown action '" + action + "' (list, push)");
}

}  // namespace calconn::ctl
