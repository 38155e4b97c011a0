#include "ctl/Ctl.h"
#include "ctl/Explain.h"

#include <algorithm>
#include <fstream>
#include <iostream>
#include <sstream>

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include "common/Version.h"
#include "ctl/CommandSupport.h"
#include "ctl/ControlClient.h"
#include "ctl/DevicesCommand.h"
#include "ctl/PresenceCommand.h"
#include "ctl/TokenCommand.h"

namespace calconn::ctl {

namespace {

common::Error usageError(std::string message) {
    return common::makeError(common::ErrorCode::InvalidArgument, std::move(message));
}

// The mailbox table of `status` and `mailbox list`.
std::string renderMailboxes(const Poco::JSON::Array::Ptr& mailboxes) {
    if (!mailboxes || mailboxes->size() == 0) return "mailboxes: none\n";
    std::vector<std::vector<std::string>> rows{
        {"MAILBOX", "STATE", "EVENTS", "LAST SYNC", "LAST ERROR"}};
    for (size_t k = 0; k < mailboxes->size(); ++k) {
        auto m = mailboxes->getObject(static_cast<unsigned>(k));
        if (!m) continue;
        std::string state = m->optValue<std::string>("state", "?");
        const std::string reason = m->optValue<std::string>("reason", "");
        if (!reason.empty()) state += " (" + reason + ")";
        std::string error = m->optValue<std::string>("error", "");
        if (error.empty()) error = "-";
        rows.push_back({m->optValue<std::string>("upn", "?"), std::move(state),
                        std::to_string(m->optValue<Poco::Int64>("events", 0)),
                        m->isNull("last_sync") ? "never"
                                               : m->optValue<std::string>("last_sync", "never"),
                        std::move(error)});
    }
    return "mailboxes: " + std::to_string(rows.size() - 1) + "\n" + renderTable(rows);
}

// The mailbox list of `mailbox list`.
common::Result<std::string> renderMailboxList(const std::string& json) {
    try {
        Poco::JSON::Parser parser;
        auto root = parser.parse(json).extract<Poco::JSON::Object::Ptr>();
        return renderMailboxes(root->getArray("mailboxes"));
    } catch (const Poco::Exception& e) {
        return common::makeError(common::ErrorCode::Protocol,
                                 "cannot read the daemon's answer: " + e.displayText());
    }
}

int runMailbox(const CtlOptions& options, std::ostream& out, std::ostream& err) {
    const std::vector<std::string>& args = options.args;
    auto usage = [&](const std::string& message) { return usageFailure(err, "mailbox: " + message); };
    if (args.empty()) return usage("missing action (list, add, remove, resync, dump)");
    const std::string& action = args[0];
    const ControlClient client(resolveSocketPath(options));
    std::string method;
    std::string path;
    if (action == "list") {
        const auto json = jsonFlag(args, 1);
        if (!json) return usage(json.error().message);
        return showAnswer(client, "/v1/mailboxes", "mailbox list", *json, renderMailboxList, out,
                          err);
    }
    if (action == "add" || action == "remove") {
        if (args.size() != 2) return usage(action + " needs exactly one mailbox address");
        method = action == "add" ? "POST" : "DELETE";
        path = "/v1/mailboxes/" + args[1];
    } else if (action == "dump") {
        if (args.size() != 2) return usage("dump needs exactly one mailbox address");
        auto reply = client.request("GET", "/v1/mailboxes/" + args[1] + "/meetings");
        if (!reply || reply->status != 200) return requestFailure("mailbox dump", client, reply, err);
        out << reply->body << "\n";
        return kExitOk;
    } else if (action == "resync") {
        if (args.size() != 2) return usage("resync needs a mailbox address or --all");
        method = "POST";
        path = args[1] == "--all" ? "/v1/resync" : "/v1/mailboxes/" + args[1] + "/resync";
    } else {
        return usage("unknown action '" + action + "'");
    }
    auto reply = client.request(method, path);
    if (!reply || reply->status != 200) return requestFailure("mailbox " + action, client, reply, err);
    out << actionMessage(reply->body) << "\n";
    return kExitOk;
}

int runStatus(const CtlOptions& options, std::ostream& out, std::ostream& err) {
    const auto json = jsonFlag(options.args);
    if (!json) return usageFailure(err, "status: " + json.error().message);
    const ControlClient client(resolveSocketPath(options));
    return showAnswer(client, "/v1/status", "status", *json, renderStatus, out, err);
}

}  // namespace

common::Result<CtlOptions> parseCtlArguments(const std::vector<std::string>& argv) {
    CtlOptions options;
    size_t i = 0;
    for (; i < argv.size(); ++i) {
        const std::string& arg = argv[i];
        auto takeValue = [&](const std::string& name) -> common::Result<std::string> {
            const std::string prefix = name + "=";
            if (arg.rfind(prefix, 0) == 0) return arg.substr(prefix.size());
            if (i + 1 >= argv.size()) return usageError("option " + name + " needs a value");
            return argv[++i];
        };
        if (arg == "--help" || arg == "-h") {
            options.help = true;
        } else if (arg == "--version") {
            options.version = true;
        } else if (arg == "--socket" || arg.rfind("--socket=", 0) == 0) {
            auto value = takeValue("--socket");
            if (!value) return value.error();
            options.socket = *value;
        } else if (arg == "--config" || arg.rfind("--config=", 0) == 0) {
            auto value = takeValue("--config");
            if (!value) return value.error();
            options.config_file = *value;
        } else if (!arg.empty() && arg[0] == '-') {
            return usageError("unknown option '" + arg + "'");
        } else {
            break;
        }
    }
    if (i < argv.size()) {
        options.verb = argv[i];
        options.args.assign(argv.begin() + static_cast<long>(i) + 1, argv.end());
        for (const std::string& arg : options.args) {
            if (arg == "--help" || arg == "-h") options.help = true;
        }
    }
    if (options.verb.empty() && !options.help && !options.version) {
        return usageError("missing verb");
    }
    if (!options.verb.empty() && options.verb != "status" && options.verb != "explain" &&
        options.verb != "mailbox" && options.verb != "token" &&
        options.verb != "presence" && options.verb != "devices") {
        return usageError("unknown verb '" + options.verb + "'");
    }
    return options;
}

std::optional<std::string> controlSocketFromConfig(const std::string& config_file) {
    return configScalar(config_file, "daemon", "control_socket");
}

std::string resolveSocketPath(const CtlOptions& options) {
    if (options.socket) return *options.socket;
    const std::string config = options.config_file.value_or(kDefaultConfigFile);
    if (auto from_config = controlSocketFromConfig(config)) return *from_config;
    return kDefaultControlSocket;
}

std::string formatUptime(long long seconds) {
    if (seconds < 0) seconds = 0;
    const long long days = seconds / 86400;
    const long long hours = seconds / 3600 % 24;
    const long long minutes = seconds / 60 % 60;
    const long long secs = seconds % 60;
    std::ostringstream out;
    bool started = false;
    if (days > 0) { out << days << "d "; started = true; }
    if (started || hours > 0) { out << hours << "h "; started = true; }
    if (started || minutes > 0) out << minutes << "m ";
    out << secs << "s";
    return out.str();
}

common::Result<std::string> renderStatus(const std::string& json) {
    try {
        Poco::JSON::Parser parser;
        auto root = parser.parse(json).extract<Poco::JSON::Object::Ptr>();
        auto joined = [&](const std::string& key, const std::string& when_empty) {
            auto array = root->getArray(key);
            if (!array || array->size() == 0) return when_empty;
            std::string text;
            for (size_t k = 0; k < array->size(); ++k) {
                if (k > 0) text += ", ";
                std::string item = array->getElement<std::string>(static_cast<unsigned>(k));
                if (key == "components") {
                    for (char& c : item) {
                        if (c == '_') c = ' ';  // "control_socket" reads as "control socket"
                    }
                }
                text += item;
            }
            return text;
        };
        std::ostringstream out;
        out << "calconnd " << root->optValue<std::string>("version", "?") << " ("
            << root->optValue<std::string>("revision", "?") << "), pid "
            << root->optValue<Poco::Int64>("pid", 0) << "\n";
        out << "state:     " << root->optValue<std::string>("state", "?") << "\n";
        out << "uptime:    " << formatUptime(root->optValue<Poco::Int64>("uptime_seconds", 0)) << "\n";
        out << "config:    " << root->optValue<std::string>("config_file", "?") << "\n";
        out << "running:   " << joined("components", "nothing") << "\n";
        if (root->has("api_url") && !root->isNull("api_url")) {
            out << "api:       " << root->getValue<std::string>("api_url") << "\n";
        }
        out << renderMailboxes(root->getArray("mailboxes"));
        return out.str();
    } catch (const Poco::Exception& e) {
        return common::makeError(common::ErrorCode::Protocol,
                                 "cannot read the daemon's status answer: " + e.displayText());
    }
}

std::string usageText() {
    return "Usage: calconnctl [--socket PATH] [--config FILE] <verb> [options]\n"
           "\n"
           "Talks to the running calconnd over its control socket.\n"
           "\n"
           "Options:\n"
           "  --socket PATH   control socket (default: daemon.control_socket from the config\n"
           "                  file, else /run/calconn/control.sock)\n"
           "  --config FILE   calconnd configuration to read the socket path from\n"
           "                  (default: /etc/calconn/calconnd.yaml)\n"
           "  --help          show this help\n"
           "  --version       show the version\n"
           "\n"
           "Verbs:\n"
           "  status [--json] version, uptime, configuration file, what is running and the\n"
           "                  mailboxes (state, last sync, events cached, last error)\n"
           "  mailbox list [--json]\n"
           "                  the synced mailboxes with their state\n"
           "  mailbox add UPN | mailbox remove UPN\n"
           "                  start or stop syncing a mailbox (remove drops its cached meetings)\n"
           "  mailbox resync UPN | mailbox resync --all\n"
           "                  full resync of one mailbox or of all (as SIGUSR1)\n"
           "  mailbox dump UPN\n"
           "                  debug: the mailbox's cached meetings, decrypted, as JSON\n"
           "  devices list [--json]\n"
           "                  room devices: state, bookings pushed, last push, next attempt and\n"
           "                  last error\n"
           "  devices push ROOM\n"
           "                  push the room's bookings to its devices now (also while backing off)\n"
           "  presence [--json]\n"
           "                  each user's out-of-office state now (from automatic replies),\n"
           "                  its last read, and the presence sinks (pending, failures)\n"
           "  token create NAME --scope admin|user:UPN|room:MAILBOX [--tokens-file FILE]\n"
           "                  new REST API bearer token, printed once; only its SHA-256 is\n"
           "                  added to the tokens file (default: api.tokens_file of the config)\n"
           "  token revoke NAME [--tokens-file FILE] | token list [--json] [--tokens-file FILE]\n"
           "                  remove a token; list names, scopes and creation times\n"
           "  explain --location TEXT [--body-file FILE|-] [--body-type html|text] [--json]\n"
           "                  offline: the join target the detector picks for a meeting, with\n"
           "                  every candidate and why it won or lost (no daemon needed)\n";
}

int runCtl(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err) {
    auto options = parseCtlArguments(argv);
    if (!options) return usageFailure(err, options.error().message);
    if (options->help) {
        out << usageText();
        return kExitOk;
    }
    if (options->version) {
        out << "calconnctl " << common::version() << " (" << common::gitRevision() << ")\n";
        return kExitOk;
    }
    if (options->verb == "explain") return runExplain(options->args, options->config_file, out, err);
    if (options->verb == "mailbox") return runMailbox(*options, out, err);
    if (options->verb == "presence") return runPresence(*options, out, err);
    if (options->verb == "devices") return runDevices(*options, out, err);
    if (options->verb == "token") {
        const common::SystemClock clock;
        return runToken(options->args, options->config_file, out, err, clock);
    }
    if (options->config_file && !options->socket && !std::ifstream(*options->config_file)) {
        err << "calconnctl: cannot read " << *options->config_file
            << "; using the default control socket\n";
    }
    return runStatus(*options, out, err);
}

int runCtl(int argc, char** argv) {
    std::vector<std::string> args;
    for (int i = 1; i < argc; ++i) args.emplace_back(argv[i]);
    try {
        return runCtl(args, std::cout, std::cerr);
    } catch (const std::exception& e) {
        std::cerr << "calconnctl: " << e.what() << "\n";
        return kExitFailure;
    }
}

}  // namespace calconn::ctl
