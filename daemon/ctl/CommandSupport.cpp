#include "ctl/CommandSupport.h"

#include <Poco/JSON/Parser.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <ostream>
#include <sstream>

#include "ctl/Ctl.h"

namespace calconn::ctl {

int usageFailure(std::ostream& err, const std::string& message) {
    err << "calconnctl: " << message << "\n"
        << "Try 'calconnctl --help'.\n";
    return kExitUsage;
}

common::Result<bool> jsonFlag(const std::vector<std::string>& args, std::size_t first) {
    bool json = false;
    for (std::size_t k = first; k < args.size(); ++k) {
        if (args[k] != "--json") {
            return common::makeError(common::ErrorCode::InvalidArgument,
                                     "unknown option '" + args[k] + "'");
        }
        json = true;
    }
    return json;
}

std::string errorMessage(const std::string& body) {
    try {
        Poco::JSON::Parser parser;
        auto root = parser.parse(body).extract<Poco::JSON::Object::Ptr>();
        auto error = root->getObject("error");
        if (error && error->has("message")) return error->getValue<std::string>("message");
    } catch (const Poco::Exception&) {
        // not JSON: fall through to the raw body
    }
    return body;
}

int requestFailure(const std::string& what, const ControlClient& client,
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

std::string actionMessage(const std::string& body) {
    try {
        Poco::JSON::Parser parser;
        auto root = parser.parse(body).extract<Poco::JSON::Object::Ptr>();
        return root->optValue<std::string>("message", "done");
    } catch (const Poco::Exception&) {
        return "done";
    }
}

int showAnswer(const ControlClient& client, const std::string& path, const std::string& what,
               bool json, const std::function<common::Result<std::string>(const std::string&)>& render,
               std::ostream& out, std::ostream& err) {
    auto reply = client.request("GET", path);
    if (!reply || reply->status != 200) return requestFailure(what, client, reply, err);
    if (json) {
        out << reply->body << "\n";
        return kExitOk;
    }
    auto text = render(reply->body);
    if (!text) {
        err << "calconnctl: " << text.error().message << "\n";
        return kExitFailure;
    }
    out << *text;
    return kExitOk;
}

std::string orDash(const Poco::JSON::Object::Ptr& object, const std::string& key) {
    if (!object->has(key) || object->isNull(key)) return "-";
    const std::string value = object->getValue<std::string>(key);
    return value.empty() ? "-" : value;
}

std::string renderTable(const std::vector<std::vector<std::string>>& rows,
                        const std::string& indent) {
    std::vector<std::size_t> widths;
    for (const auto& row : rows) {
        widths.resize(std::max(widths.size(), row.size()));
        for (std::size_t c = 0; c < row.size(); ++c) widths[c] = std::max(widths[c], row[c].size());
    }
    std::ostringstream out;
    for (const auto& row : rows) {
        out << indent;
        for (std::size_t c = 0; c < row.size(); ++c) {
            out << row[c];
            if (c + 1 < row.size()) out << std::string(widths[c] - row[c].size() + 2, ' ');
        }
        out << "\n";
    }
    return out.str();
}

std::optional<std::string> configScalar(const std::string& config_file, const std::string& section,
                                        const std::string& key) {
    std::ifstream in(config_file);
    if (!in) return std::nullopt;
    try {
        const YAML::Node root = YAML::Load(in);
        const YAML::Node value = root[section][key];
        if (value && value.IsScalar() && !value.Scalar().empty()) return value.Scalar();
    } catch (const YAML::Exception&) {
        // A broken file is the daemon's business (calconnd --check-config); use the default.
    }
    return std::nullopt;
}

}  // namespace calconn::ctl
