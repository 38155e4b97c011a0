#include "ctl/DevicesCommand.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <algorithm>
#include <ostream>
#include <sstream>
#include <vector>

#include "ctl/ControlClient.h"

namespace calconn::ctl {

namespace {

std::string orDash(const Poco::JSON::Object::Ptr& o, const std::string& key) {
    if (!o->has(key) || o->isNull(key)) return "-";
    const std::string value = o->getValue<std::string>(key);
    return value.empty() ? "-" : value;
}

std::string table(const std::vector<std::vector<std::string>>& rows) {
    std::vector<std::size_t> widths;
    for (const auto& row : rows) {
        widths.resize(std::max(widths.size(), row.size()));
        for (std::size_t c = 0; c < row.size(); ++c) widths[c] = std::max(widths[c], row[c].size());
    }
    std::ostringstream out;
    for (const auto& row : rows) {
        out << " ";
        for (std::size_t c = 0; c < row.size(); ++c) {
            out << " " << row[c];
            if (c + 1 < row.size()) out << std::string(widths[c] - row[c].size() + 1, ' ');
        }
        out << "\n";
    }
    return out.str();
}

// Message of a daemon's JSON error answer, or the raw body when it is not one.
std::string errorMessage(const std::string& body) {
    try {
        Poco::JSON::Parser parser;
        auto root = parser.parse(body).extract<Poco::JSON::Object::Ptr>();
        auto error = root->getObject("error");
        if (error && error->has("message")) return error->getValue<std::string>("message");
    } catch (const Poco::Exception&) {
        // not JSON: the raw body
    }
    return body;
}

int failed(const std::string& what, const ControlClient& client,
           const common::Result<ControlReply>& reply, std::ostream& err) {
    if (!reply) {
        err << "calconnctl: cannot connect to " << client.socketPath() << ": "
            << reply.error().message << " (is calconnd running?)\n";
    } else {
        err << "calconnctl: " << what << " failed (HTTP " << reply->status
            << "): " << errorMessage(reply->body) << "\n";
    }
    return kExitFailure;
}

}  // namespace

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
        out << "\n" << table(rows);
        return out.str();
    } catch (const Poco::Exception& e) {
        return common::makeError(common::ErrorCode::Protocol,
                                 "cannot read the daemon's devices answer: " + e.displayText());
    }
}

int runDevices(const CtlOptions& options, std::ostream& out, std::ostream& err) {
    const std::vector<std::string>& args = options.args;
    auto usage = [&](const std::string& message) {
        err << "calconnctl: devices: " << message << "\n"
            << "Try 'calconnctl --help'.\n";
        return kExitUsage;
    };
    const std::string action = args.empty() ? "list" : args[0];
    const ControlClient client(resolveSocketPath(options));
    if (action == "list") {
        bool json = false;
        for (std::size_t k = 1; k < args.size(); ++k) {
            if (args[k] != "--json") return usage("unknown option '" + args[k] + "'");
            json = true;
        }
        auto reply = client.request("GET", "/v1/devices");
        if (!reply || reply->status != 200) return failed("devices list", client, reply, err);
        if (json) {
            out << reply->body << "\n";
            return kExitOk;
        }
        auto text = renderDevices(reply->body);
        if (!text) {
            err << "calconnctl: " << text.error().message << "\n";
            return kExitFailure;
        }
        out << *text;
        return kExitOk;
    }
    if (action == "push") {
        if (args.size() != 2) return usage("push needs exactly one room mailbox address");
        auto reply = client.request("POST", "/v1/devices/" + args[1] + "/push");
        if (!reply || reply->status != 200) return failed("devices push", client, reply, err);
        try {
            Poco::JSON::Parser parser;
            auto root = parser.parse(reply->body).extract<Poco::JSON::Object::Ptr>();
            out << root->optValue<std::string>("message", "done") << "\n";
        } catch (const Poco::Exception&) {
            out << "done\n";
        }
        return kExitOk;
    }
    return usage("unknown action '" + action + "' (list, push)");
}

}  // namespace calconn::ctl
