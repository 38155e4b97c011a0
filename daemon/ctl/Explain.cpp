#include "ctl/Explain.h"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "ctl/Ctl.h"
#include "detect/Explain.h"
#include "settings/Values.h"

namespace calconn::ctl {

namespace {

struct ExplainArgs {
    std::string location;
    std::optional<std::string> body_file;
    std::string body_type = "html";
    bool json = false;
};

std::optional<std::string> parseExplainArgs(const std::vector<std::string>& args, ExplainArgs& out) {
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        auto value = [&](const std::string& name, std::string& into) -> std::optional<std::string> {
            if (arg.rfind(name + "=", 0) == 0) {
                into = arg.substr(name.size() + 1);
                return std::nullopt;
            }
            if (i + 1 >= args.size()) return "option " + name + " needs a value";
            into = args[++i];
            return std::nullopt;
        };
        std::optional<std::string> problem;
        std::string text;
        if (arg == "--json") {
            out.json = true;
        } else if (arg == "--location" || arg.rfind("--location=", 0) == 0) {
            problem = value("--location", out.location);
        } else if (arg == "--body-file" || arg.rfind("--body-file=", 0) == 0) {
            problem = value("--body-file", text);
            out.body_file = text;
        } else if (arg == "--body-type" || arg.rfind("--body-type=", 0) == 0) {
            problem = value("--body-type", out.body_type);
            if (!problem && out.body_type != "html" && out.body_type != "text") {
                problem = "--body-type must be html or text, not '" + out.body_type + "'";
            }
        } else {
            problem = "unknown explain option '" + arg + "'";
        }
        if (problem) return problem;
    }
    return std::nullopt;
}

// Keywords and the body cap as the daemon would use them. Read straight from the YAML so that
// explain works without the daemon's secret files; a broken file leaves the defaults.
detect::DetectorOptions detectorOptionsFrom(const std::optional<std::string>& config_file) {
    detect::DetectorOptions options;
    if (!config_file) return options;
    std::ifstream in(*config_file);
    if (!in) return options;
    try {
        const YAML::Node root = YAML::Load(in);
        if (const YAML::Node keywords = root["keywords"]; keywords && keywords.IsMap()) {
            options.keywords.clear();
            // Both keyword actions (personal_room, webex_meeting) produce Webex meetings.
            for (const auto& entry : keywords) {
                options.keywords.push_back({entry.first.as<std::string>(), detect::Service::Webex});
            }
        }
        if (const YAML::Node cap = root["detect"]["max_body_size"]; cap && cap.IsScalar()) {
            if (auto size = settings::parseSize(cap.Scalar())) options.max_body_size = *size;
        }
    } catch (const YAML::Exception&) {
        // The daemon reports a broken file (calconnd --check-config); explain uses defaults.
    }
    return options;
}

}  // namespace

int runExplain(const std::vector<std::string>& args, const std::optional<std::string>& config_file,
               std::ostream& out, std::ostream& err) {
    ExplainArgs parsed;
    if (auto problem = parseExplainArgs(args, parsed)) {
        err << "calconnctl: " << *problem << "\nTry 'calconnctl --help'.\n";
        return kExitUsage;
    }
    std::string body;
    if (parsed.body_file) {
        if (*parsed.body_file == "-") {
            body.assign(std::istreambuf_iterator<char>(std::cin), {});
        } else {
            std::ifstream in(*parsed.body_file, std::ios::binary);
            if (!in) {
                err << "calconnctl: cannot read " << *parsed.body_file << "\n";
                return kExitFailure;
            }
            body.assign(std::istreambuf_iterator<char>(in), {});
        }
    }
    const detect::DetectorOptions options =
        detectorOptionsFrom(config_file ? config_file : std::optional<std::string>(kDefaultConfigFile));
    out << detect::explainCommand(parsed.location, body, parsed.body_type, parsed.json, options);
    if (parsed.json) out << "\n";
    return kExitOk;
}

}  // namespace calconn::ctl
