#include "ctl/TokenCommand.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <algorithm>
#include <fstream>
#include <ostream>

#include "api/TokenFile.h"
#include "common/IsoTime.h"
#include "ctl/CommandSupport.h"
#include "ctl/Ctl.h"

namespace calconn::ctl {

namespace {

struct TokenArgs {
    std::string action;
    std::optional<std::string> name;
    std::optional<std::string> scope;
    std::optional<std::string> tokens_file;
    bool json = false;
};

std::optional<std::string> parseTokenArgs(const std::vector<std::string>& args, TokenArgs& out) {
    if (args.empty()) return "token: missing action (create, revoke, list)";
    out.action = args[0];
    if (out.action != "create" && out.action != "revoke" && out.action != "list") {
        return "token: unknown action '" + out.action + "'";
    }
    for (std::size_t i = 1; i < args.size(); ++i) {
        const std::string& arg = args[i];
        auto value = [&](const std::string& option,
                         std::optional<std::string>& into) -> std::optional<std::string> {
            if (arg.rfind(option + "=", 0) == 0) {
                into = arg.substr(option.size() + 1);
            } else if (i + 1 < args.size()) {
                into = args[++i];
            } else {
                return "token: option " + option + " needs a value";
            }
            return std::nullopt;
        };
        std::optional<std::string> problem;
        if (arg == "--scope" || arg.rfind("--scope=", 0) == 0) {
            problem = value("--scope", out.scope);
        } else if (arg == "--tokens-file" || arg.rfind("--tokens-file=", 0) == 0) {
            problem = value("--tokens-file", out.tokens_file);
        } else if (arg == "--name" || arg.rfind("--name=", 0) == 0) {
            problem = value("--name", out.name);
        } else if (arg == "--json" && out.action == "list") {
            out.json = true;
        } else if (!arg.empty() && arg[0] != '-' && !out.name && out.action != "list") {
            out.name = arg;
        } else {
            problem = "token " + out.action + ": unexpected argument '" + arg + "'";
        }
        if (problem) return problem;
    }
    if (out.action != "list" && !out.name) return "token " + out.action + ": give the token's NAME";
    if (out.name && !api::validTokenName(*out.name)) {
        return "token " + out.action + ": NAME must be 1-64 letters, digits, '.', '_' or '-'";
    }
    if (out.action == "create" && !out.scope) {
        return "token create: give --scope admin, --scope user:UPN or --scope room:MAILBOX";
    }
    if (out.action != "create" && out.scope)
        return "token " + out.action + ": --scope is only for create";
    return std::nullopt;
}

// The tokens file could not be changed: the message and where (the file, the line).
int fileFailure(const std::string& what, const common::Error& error, std::ostream& err) {
    err << "calconnctl: " << what << ": " << error.message;
    if (!error.context.empty()) err << " (" << error.context << ")";
    err << "\n";
    return kExitFailure;
}

int create(const TokenArgs& args, const std::string& path, std::ostream& out, std::ostream& err,
           const common::Clock& clock) {
    auto scope = api::TokenScope::parse(*args.scope);
    if (!scope) {
        err << "calconnctl: token create: " << scope.error().message << "\n";
        return kExitUsage;
    }
    auto token = api::generateToken();
    if (!token) {
        err << "calconnctl: token create: " << token.error().message << "\n";
        return kExitFailure;
    }
    const auto status =
        api::updateTokensFile(path, [&](std::vector<api::TokenEntry>& entries) -> common::Status {
            for (const api::TokenEntry& entry : entries) {
                if (entry.name == *args.name) {
                    return common::makeError(common::ErrorCode::AlreadyExists,
                                             "a token named " + *args.name +
                                                 " exists; revoke it first or choose another name");
                }
            }
            entries.push_back({*args.name, *scope, api::sha256Hex(*token),
                               std::chrono::floor<std::chrono::seconds>(clock.now())});
            return {};
        });
    if (!status) return fileFailure("token create", status.error(), err);
    out << "token " << *args.name << " (scope " << scope->toString() << ") added to " << path
        << ".\nOnly its SHA-256 is stored: copy the token now, it is not shown again.\n"
        << *token << "\n";
    return kExitOk;
}

int revoke(const TokenArgs& args, const std::string& path, std::ostream& out, std::ostream& err) {
    const auto status =
        api::updateTokensFile(path, [&](std::vector<api::TokenEntry>& entries) -> common::Status {
            const auto removed = std::erase_if(
                entries, [&](const api::TokenEntry& entry) { return entry.name == *args.name; });
            if (removed == 0) {
                return common::makeError(common::ErrorCode::NotFound,
                                         "no token named " + *args.name);
            }
            return {};
        });
    if (!status) return fileFailure("token revoke", status.error(), err);
    out << "token " << *args.name << " revoked; calconnd refuses it from its next request\n";
    return kExitOk;
}

int list(const TokenArgs& args, const std::string& path, std::ostream& out, std::ostream& err) {
    auto entries = api::readTokensFile(path);
    if (!entries) {
        err << "calconnctl: token list: " << entries.error().toString() << "\n";
        return kExitFailure;
    }
    auto created = [](const api::TokenEntry& entry) {
        return entry.created ? common::formatIsoUtc(*entry.created) : std::string("-");
    };
    if (args.json) {
        Poco::JSON::Array tokens;
        for (const api::TokenEntry& entry : *entries) {
            Poco::JSON::Object::Ptr object = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
            object->set("name", entry.name);
            object->set("scope", entry.scope.toString());
            if (entry.created) {
                object->set("created", common::formatIsoUtc(*entry.created));
            } else {
                object->set("created", Poco::Dynamic::Var());
            }
            tokens.add(object);
        }
        Poco::JSON::Object root;
        root.set("tokens", tokens);
        root.stringify(out);
        out << "\n";
        return kExitOk;
    }
    if (entries->empty()) {
        out << "no tokens in " << path << "\n";
        return kExitOk;
    }
    std::vector<std::vector<std::string>> rows{{"NAME", "SCOPE", "CREATED"}};
    for (const api::TokenEntry& entry : *entries) {
        rows.push_back({entry.name, entry.scope.toString(), created(entry)});
    }
    out << renderTable(rows, "");
    return kExitOk;
}

}  // namespace

std::optional<std::string> tokensFileFromConfig(const std::string& config_file) {
    return configScalar(config_file, "api", "tokens_file");
}

int runToken(const std::vector<std::string>& args, const std::optional<std::string>& config_file,
             std::ostream& out, std::ostream& err, const common::Clock& clock) {
    TokenArgs parsed;
    if (auto problem = parseTokenArgs(args, parsed)) return usageFailure(err, *problem);
    std::string path = kDefaultTokensFile;
    if (parsed.tokens_file) {
        path = *parsed.tokens_file;
    } else if (auto from_config = tokensFileFromConfig(config_file.value_or(kDefaultConfigFile))) {
        path = *from_config;
    }
    if (parsed.action == "create") return create(parsed, path, out, err, clock);
    if (parsed.action == "revoke") return revoke(parsed, path, out, err);
    return list(parsed, path, out, err);
}

}  // namespace calconn::ctl
