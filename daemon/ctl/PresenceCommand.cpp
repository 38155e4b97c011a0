#include "ctl/PresenceCommand.h"

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
        out << "  ";
        for (std::size_t c = 0; c < row.size(); ++c) {
            out << row[c];
            if (c + 1 < row.size()) out << std::string(widths[c] - row[c].size() + 2, ' ');
        }
        out << "\n";
    }
    return out.str();
}

}  // namespace

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
            out << table(rows);
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
            out << table(rows);
        }
        return out.str();
    } catch (const Poco::Exception& e) {
        return common::makeError(common::ErrorCode::Protocol,
                                 "cannot read the daemon's presence answer: " + e.displayText());
    }
}

int runPresence(const CtlOptions& options, std::ostream& out, std::ostream& err) {
    bool json = false;
    for (const std::string& arg : options.args) {
        if (arg != "--json") {
            err << "calconnctl: presence: unknown option '" << arg << "'\n"
                << "Try 'calconnctl --help'.\n";
            return kExitUsage;
        }
        json = true;
    }
    const ControlClient client(resolveSocketPath(options));
    auto reply = client.request("GET", "/v1/presence");
    if (!reply) {
        err << "calconnctl: cannot connect to " << client.socketPath() << ": "
            << reply.error().message << " (is calconnd running?)\n";
        return kExitFailure;
    }
    if (reply->status != 200) {
        std::string message = reply->body;
        try {
            Poco::JSON::Parser parser;
            auto error =
                parser.parse(reply->body).extract<Poco::JSON::Object::Ptr>()->getObject("error");
            if (error) message = error->optValue<std::string>("message", message);
        } catch (const Poco::Exception&) {
            // not JSON: show the raw body
        }
        err << "calconnctl: presence failed (HTTP " << reply->status << "): " << message << "\n";
        return kExitFailure;
    }
    if (json) {
        out << reply->body << "\n";
        return kExitOk;
    }
    auto text = renderPresence(reply->body);
    if (!text) {
        err << "calconnctl: " << text.error().message << "\n";
        return kExitFailure;
    }
    out << *text;
    return kExitOk;
}

}  // namespace calconn::ctl
