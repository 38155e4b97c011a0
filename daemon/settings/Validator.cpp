#include "settings/Validator.h"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <set>
#include <tuple>
#include <vector>

#include "settings/Schema.h"
#include "settings/UsersFile.h"
#include "settings/Values.h"

namespace calconn::settings {
namespace {

using Kind = ConfigNode::Kind;

std::string join(std::string_view parent, std::string_view key) {
    if (parent.empty()) return std::string(key);
    std::string out(parent);
    out += '.';
    out += key;
    return out;
}

std::string_view lastComponent(std::string_view pattern) {
    const auto dot = pattern.rfind('.');
    return dot == std::string_view::npos ? pattern : pattern.substr(dot + 1);
}

std::string quoted(std::string_view text) { return "'" + std::string(text) + "'"; }

// The value of a scalar child, or "" when absent or not a scalar.
std::string scalarOf(const ConfigNode& mapping, std::string_view key) {
    const auto* entry = mapping.find(key);
    if (entry == nullptr || entry->value.kind != Kind::Scalar) return {};
    return entry->value.scalar;
}

struct Range {
    std::string_view low;
    std::string_view high;
};

Range splitRange(std::string_view range) {
    const auto dots = range.find("..");
    if (dots == std::string_view::npos) return {};
    return Range{range.substr(0, dots), range.substr(dots + 2)};
}

std::string choicesText(std::string_view range) {
    std::string out;
    for (char c : range) out += c == '|' ? std::string(", ") : std::string(1, c);
    return out;
}

// The closest candidate when it is close enough to be a plausible typo.
std::string closest(std::string_view word, const std::vector<std::string_view>& candidates) {
    std::string best;
    std::size_t best_distance = std::max<std::size_t>(2, word.size() / 3) + 1;
    for (auto candidate : candidates) {
        const auto distance = editDistance(word, candidate);
        if (distance < best_distance) {
            best_distance = distance;
            best = std::string(candidate);
        }
    }
    return best;
}

bool isLoopbackHost(std::string_view host_port) {
    return host_port.starts_with("127.") || host_port.starts_with("[::1]:") ||
           host_port.starts_with("localhost:");
}

class Validator {
public:
    Validator(const std::optional<std::string>& credentials_directory, DiagnosticSink& sink)
        : credentials_directory_(credentials_directory), sink_(sink) {}

    void mapping(ConfigNode& node, std::string_view pattern, const std::string& path) {
        if (node.kind == Kind::Scalar || node.kind == Kind::Sequence) {
            sink_.error(
                node.loc, path,
                pattern.empty() ? "expected a mapping of sections" : "expected a mapping of keys");
            return;
        }
        const auto children = childKeys(pattern);
        for (auto& entry : node.entries) {
            const std::string key_pattern = join(pattern, entry.key);
            const std::string key_path = join(path, entry.key);
            const KeySpec* spec = findKey(key_pattern);
            if (spec == nullptr) {
                unknownKey(entry, pattern, key_path, children);
                continue;
            }
            value(entry.value, *spec, key_path);
        }
        for (const auto* child : children) {
            const auto key = lastComponent(child->path);
            if (child->required && node.find(key) == nullptr) {
                sink_.error(node.loc, join(path, key), "required key is missing");
            }
        }
        crossCheck(node, pattern, path);
    }

private:
    void unknownKey(const ConfigEntry& entry, std::string_view pattern, const std::string& path,
                    const std::vector<const KeySpec*>& children) {
        const KeySpec* as_file = findKey(join(pattern, entry.key + "_file"));
        if (as_file != nullptr && as_file->type == ValueType::SecretFile) {
            sink_.error(entry.key_loc, path,
                        "secrets are not accepted inline; put the secret in a file (or a "
                        "systemd credential) and set '" +
                            entry.key + "_file'");
            return;
        }
        std::vector<std::string_view> names;
        for (const auto* child : children) names.push_back(lastComponent(child->path));
        const auto suggestion = closest(entry.key, names);
        sink_.error(entry.key_loc, path,
                    suggestion.empty() ? "unknown key"
                                       : "unknown key, did you mean " + quoted(suggestion) + "?");
    }

    void value(ConfigNode& node, const KeySpec& spec, const std::string& path) {
        switch (spec.type) {
            case ValueType::Section:
                mapping(node, spec.path, path);
                return;
            case ValueType::List: {
                if (node.kind != Kind::Sequence && node.kind != Kind::Null) {
                    sink_.error(node.loc, path, "expected a list");
                    return;
                }
                if (spec.required && node.items.empty()) {
                    sink_.error(node.loc, path, "needs at least one entry");
                }
                const std::string element = std::string(spec.path) + "[]";
                for (std::size_t i = 0; i < node.items.size(); ++i) {
                    mapping(node.items[i], element, path + "[" + std::to_string(i) + "]");
                }
                crossCheck(node, spec.path, path);
                return;
            }
            case ValueType::Map: {
                if (node.kind != Kind::Mapping && node.kind != Kind::Null) {
                    sink_.error(node.loc, path, "expected a mapping");
                    return;
                }
                const std::string element_pattern = std::string(spec.path) + ".*";
                const KeySpec* element = findKey(element_pattern);
                for (auto& entry : node.entries) {
                    if (entry.key.empty() || entry.key.find_first_of(" \t.") != std::string::npos) {
                        sink_.error(entry.key_loc, join(path, entry.key),
                                    "must not be empty or contain blanks or dots");
                        continue;
                    }
                    value(entry.value, *element, join(path, entry.key));
                }
                return;
            }
            case ValueType::StringList:
            case ValueType::EmailList: {
                if (node.kind != Kind::Sequence) {
                    sink_.error(node.loc, path, "expected a " + std::string(typeName(spec.type)));
                    return;
                }
                const ValueType item_type =
                    spec.type == ValueType::EmailList ? ValueType::Email : ValueType::String;
                const KeySpec item_spec{spec.path, item_type, "", "", false, spec.reloadable, ""};
                for (std::size_t i = 0; i < node.items.size(); ++i) {
                    value(node.items[i], item_spec, path + "[" + std::to_string(i) + "]");
                }
                return;
            }
            default:
                break;
        }
        if (node.kind == Kind::Null) {
            sink_.error(node.loc, path,
                        "missing value (expected a " + std::string(typeName(spec.type)) + ")");
            return;
        }
        if (node.kind != Kind::Scalar) {
            sink_.error(node.loc, path, "expected a " + std::string(typeName(spec.type)));
            return;
        }
        scalar(node, spec, path);
    }

    void scalar(ConfigNode& node, const KeySpec& spec, const std::string& path) {
        const std::string& text = node.scalar;
        auto fail = [&](std::string message) { sink_.error(node.loc, path, std::move(message)); };
        switch (spec.type) {
            case ValueType::String:
                if (text.empty()) fail("must not be empty");
                return;
            case ValueType::Path:
                if (!text.starts_with('/')) fail("path " + quoted(text) + " must be absolute");
                return;
            case ValueType::File:
            case ValueType::SecretFile:
                file(node, spec, path);
                return;
            case ValueType::Duration: {
                auto parsed = parseDuration(text);
                if (!parsed) return fail(parsed.error().message);
                const auto range = splitRange(spec.range);
                if (!range.low.empty() && (*parsed < parseDuration(range.low).value() ||
                                           *parsed > parseDuration(range.high).value())) {
                    return fail("duration " + quoted(text) + " is out of range " +
                                std::string(spec.range));
                }
                node.scalar = formatDuration(*parsed);
                return;
            }
            case ValueType::Size: {
                auto parsed = parseSize(text);
                if (!parsed) return fail(parsed.error().message);
                const auto range = splitRange(spec.range);
                if (!range.low.empty() && (*parsed < parseSize(range.low).value() ||
                                           *parsed > parseSize(range.high).value())) {
                    return fail("size " + quoted(text) + " is out of range " +
                                std::string(spec.range));
                }
                node.scalar = formatSize(*parsed);
                return;
            }
            case ValueType::Integer: {
                auto parsed = parseInteger(text);
                if (!parsed) return fail(parsed.error().message);
                const auto range = splitRange(spec.range);
                if (!range.low.empty() && (*parsed < parseInteger(range.low).value() ||
                                           *parsed > parseInteger(range.high).value())) {
                    return fail(text + " is out of range " + std::string(spec.range));
                }
                node.scalar = std::to_string(*parsed);
                return;
            }
            case ValueType::Boolean: {
                auto parsed = parseBoolean(text);
                if (!parsed) return fail(parsed.error().message);
                return;
            }
            case ValueType::Enum: {
                std::vector<std::string_view> choices;
                std::string_view rest = spec.range;
                while (true) {
                    const auto bar = rest.find('|');
                    choices.push_back(rest.substr(0, bar));
                    if (bar == std::string_view::npos) break;
                    rest.remove_prefix(bar + 1);
                }
                for (auto choice : choices) {
                    if (choice == text) return;
                }
                const auto suggestion = closest(text, choices);
                return fail(
                    "invalid value " + quoted(text) +
                    " (expected one of: " + choicesText(spec.range) + ")" +
                    (suggestion.empty() ? "" : ", did you mean " + quoted(suggestion) + "?"));
            }
            case ValueType::Url: {
                auto status = checkUrl(text, spec.range.empty() ? "http|https" : spec.range);
                if (!status) fail(status.error().message);
                return;
            }
            case ValueType::Guid: {
                auto status = checkGuid(text);
                if (!status) fail(status.error().message);
                return;
            }
            case ValueType::Email: {
                auto status = checkEmail(text);
                if (!status) fail(status.error().message);
                return;
            }
            case ValueType::HostPort: {
                auto status = checkHostPort(text);
                if (!status) fail(status.error().message);
                return;
            }
            case ValueType::Sha256: {
                auto normalized = normalizeSha256(text);
                if (!normalized) return fail(normalized.error().message);
                node.scalar = *normalized;
                return;
            }
            default:
                return;
        }
    }

    // *_file values: an absolute path, or a bare name looked up in $CREDENTIALS_DIRECTORY
    // (systemd LoadCredential=). The file must exist; only its path is kept.
    void file(ConfigNode& node, const KeySpec& spec, const std::string& path) {
        std::string resolved = node.scalar;
        auto fail = [&](std::string message) { sink_.error(node.loc, path, std::move(message)); };
        if (!resolved.starts_with('/')) {
            if (resolved.empty() || resolved.find('/') != std::string::npos ||
                resolved.starts_with('.')) {
                return fail("must be an absolute path or a credential name");
            }
            if (!credentials_directory_ || credentials_directory_->empty()) {
                return fail(
                    "credential " + quoted(resolved) +
                    " needs $CREDENTIALS_DIRECTORY (LoadCredential=); or give an absolute path");
            }
            resolved = *credentials_directory_ + "/" + resolved;
        }
        struct stat info {};
        if (::stat(resolved.c_str(), &info) != 0) {
            if (errno == ENOENT) return fail("file " + quoted(resolved) + " does not exist");
            return fail("cannot access " + quoted(resolved) + ": " + std::strerror(errno));
        }
        if (!S_ISREG(info.st_mode)) return fail(quoted(resolved) + " is not a regular file");
        if (spec.type == ValueType::SecretFile && (info.st_mode & S_IROTH) != 0) {
            sink_.warning(node.loc, path,
                          "secret file " + quoted(resolved) + " is readable by others (chmod o-r)");
        }
        node.scalar = resolved;
        if (spec.path == "mailboxes.users_file") checkUsersFile(resolved);
    }

    // Its problems are configuration problems too, reported with the users file's own lines.
    void checkUsersFile(const std::string& resolved) {
        const auto users = readUsersFile(resolved);
        if (users.diagnostics.empty()) return;
        const int file = sink_.addFile(resolved);
        for (const auto& diagnostic : users.diagnostics) {
            const Loc loc{file, diagnostic.line, diagnostic.column};
            if (diagnostic.severity == Severity::Error) {
                sink_.error(loc, "", diagnostic.message);
            } else {
                sink_.warning(loc, "", diagnostic.message);
            }
        }
    }

    // Checks that span several keys of one mapping (or list).
    void crossCheck(ConfigNode& node, std::string_view pattern, const std::string& path) {
        if (pattern == "microsoft365.tenants[]") return checkTenant(node, path);
        if (pattern == "microsoft365.tenants")
            return checkUnique(node, path, "name", "tenant name");
        if (pattern == "mailboxes.rooms") return checkUnique(node, path, "mailbox", "room");
        if (pattern == "mailboxes.rooms[].devices[]") return checkDevice(node, path);
        if (pattern == "mailboxes") return checkMailboxes(node, path);
        if (pattern == "api") return checkApi(node, path);
        if (pattern == "kms") return checkKms(node, path);
        if (pattern.empty()) return checkRoot(node);
    }

    void checkTenant(const ConfigNode& node, const std::string& path) {
        const auto* cert = node.find("certificate_file");
        const auto* key = node.find("private_key_file");
        const auto* secret = node.find("client_secret_file");
        if ((cert != nullptr || key != nullptr) && secret != nullptr) {
            sink_.error(secret->key_loc, join(path, "client_secret_file"),
                        "choose one authentication method: certificate_file with "
                        "private_key_file, or client_secret_file");
        } else if (cert != nullptr && key == nullptr) {
            sink_.error(node.loc, join(path, "private_key_file"), "required with certificate_file");
        } else if (key != nullptr && cert == nullptr) {
            sink_.error(node.loc, join(path, "certificate_file"), "required with private_key_file");
        } else if (cert == nullptr && secret == nullptr) {
            sink_.error(node.loc, path,
                        "no authentication method: set certificate_file and private_key_file, "
                        "or client_secret_file");
        }
    }

    void checkUnique(const ConfigNode& list, const std::string& path, std::string_view key,
                     std::string_view what) {
        std::set<std::string> seen;
        for (std::size_t i = 0; i < list.items.size(); ++i) {
            const auto* entry = list.items[i].find(key);
            if (entry == nullptr || entry->value.kind != Kind::Scalar) continue;
            std::string value = entry->value.scalar;
            for (auto& c : value)
                c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            if (!seen.insert(value).second) {
                sink_.error(entry->value.loc,
                            path + "[" + std::to_string(i) + "]." + std::string(key),
                            "duplicate " + std::string(what) + " " + quoted(entry->value.scalar));
            }
        }
    }

    void checkDevice(const ConfigNode& node, const std::string& path) {
        const std::string type = scalarOf(node, "type");
        auto not_for = [&](std::string_view key) {
            if (const auto* entry = node.find(key)) {
                sink_.error(entry->key_loc, join(path, key),
                            "does not apply to " + type + " devices");
            }
        };
        auto required_for = [&](std::string_view key) {
            if (node.find(key) == nullptr) {
                sink_.error(node.loc, join(path, key), "required for " + type + " devices");
            }
        };
        if (type == "roomos") {
            required_for("username");
            required_for("password_file");
            not_for("secret_file");
        } else if (type == "webhook") {
            required_for("secret_file");
            not_for("username");
            not_for("password_file");
        }
        const auto* ca = node.find("ca_file");
        const auto* pin = node.find("pinned_sha256");
        const auto* verify = node.find("tls_verify");
        if (ca != nullptr && pin != nullptr) {
            sink_.error(pin->key_loc, join(path, "pinned_sha256"),
                        "use either ca_file or pinned_sha256, not both");
        }
        if (verify != nullptr && verify->value.kind == Kind::Scalar &&
            verify->value.scalar == "false") {
            if (ca != nullptr || pin != nullptr) {
                sink_.error(verify->key_loc, join(path, "tls_verify"),
                            std::string("false contradicts ") +
                                (pin != nullptr ? "pinned_sha256" : "ca_file"));
            } else {
                sink_.warning(verify->key_loc, join(path, "tls_verify"),
                              "certificate verification is disabled; anyone on the network path "
                              "can impersonate this device");
            }
        }
    }

    void checkMailboxes(const ConfigNode& node, const std::string& path) {
        const auto* users = node.find("users");
        const auto* users_file = node.find("users_file");
        if (users != nullptr && users_file != nullptr) {
            sink_.error(users_file->key_loc, join(path, "users_file"),
                        "use either users or users_file, not both");
        }
    }

    void checkApi(const ConfigNode& node, const std::string& path) {
        const auto* tls_entry = node.find("tls");
        const ConfigNode* tls = tls_entry != nullptr ? &tls_entry->value : nullptr;
        const bool cert = tls != nullptr && tls->find("certificate_file") != nullptr;
        const bool key = tls != nullptr && tls->find("private_key_file") != nullptr;
        if (cert != key) {
            sink_.error(tls->loc,
                        join(path, cert ? "tls.private_key_file" : "tls.certificate_file"),
                        cert ? "required with certificate_file" : "required with private_key_file");
        }
        const auto* listen = node.find("listen");
        if (!cert && listen != nullptr && listen->value.kind == Kind::Scalar &&
            checkHostPort(listen->value.scalar) && !isLoopbackHost(listen->value.scalar)) {
            // calconnd refuses to start so (tokens and meetings in the clear on the network).
            sink_.error(listen->value.loc, join(path, "listen"),
                        "plain HTTP is allowed on a loopback address only; set api.tls or "
                        "listen on 127.0.0.1");
        }
    }

    void checkKms(const ConfigNode& node, const std::string& path) {
        const std::string mode = scalarOf(node, "mode");
        const auto* hds = node.find("hds");
        if (mode == "hds") {
            const ConfigNode* section = hds != nullptr ? &hds->value : &node;
            for (std::string_view key : {"url", "kms_certificate_file", "token_file"}) {
                if (hds == nullptr || hds->value.find(key) == nullptr) {
                    sink_.error(section->loc, join(path, "hds." + std::string(key)),
                                "required when kms.mode is hds");
                }
            }
        } else if (hds != nullptr && !hds->value.entries.empty()) {
            sink_.warning(hds->key_loc, join(path, "hds"), "ignored unless kms.mode is hds");
        }
    }

    // Webex site names are DNS labels ("acme" for acme.webex.com, "acme-eu").
    void checkSiteName(const ConfigEntry* site, const std::string& path) {
        if (site == nullptr || site->value.kind != Kind::Scalar) return;
        const std::string& name = site->value.scalar;
        const bool valid = !name.empty() && name.size() <= 63 && name.front() != '-' &&
                           name.back() != '-' &&
                           std::all_of(name.begin(), name.end(), [](char c) {
                               return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-';
                           });
        if (!valid) {
            sink_.error(site->value.loc, path,
                        "not a Webex site name; use the name alone, e.g. acme for acme.webex.com");
        }
    }

    // Keywords: webex_meeting needs the API token; a personal room needs a site (its own or
    // webex.site) unless the token can ask Webex for the room. With no keywords configured
    // the defaults apply, and what they lack is reported at start, not here.
    void checkRoot(const ConfigNode& node) {
        const auto* webex = node.find("webex");
        const bool token = webex != nullptr && webex->value.find("token_file") != nullptr;
        const ConfigEntry* default_site = webex != nullptr ? webex->value.find("site") : nullptr;
        checkSiteName(default_site, "webex.site");
        const auto* keywords = node.find("keywords");
        if (keywords == nullptr || keywords->value.kind != Kind::Mapping) return;
        for (const auto& keyword : keywords->value.entries) {
            if (keyword.value.kind != Kind::Mapping) continue;
            const std::string path = "keywords." + keyword.key;
            const ConfigEntry* site = keyword.value.find("site");
            checkSiteName(site, path + ".site");
            // (location, key path, action) of the action and of every modifier.
            std::vector<std::tuple<Loc, std::string, std::string>> actions;
            if (const auto* action = keyword.value.find("action")) {
                actions.emplace_back(action->value.loc, path + ".action", action->value.scalar);
            }
            if (const auto* modifiers = keyword.value.find("modifiers");
                modifiers != nullptr && modifiers->value.kind == Kind::Mapping) {
                for (const auto& modifier : modifiers->value.entries) {
                    actions.emplace_back(modifier.value.loc, path + ".modifiers." + modifier.key,
                                         modifier.value.scalar);
                }
            }
            bool site_reported = false;
            for (const auto& [loc, action_path, action] : actions) {
                if (action == "webex_meeting" && !token) {
                    sink_.error(loc, "webex.token_file",
                                "required by " + action_path + " (webex_meeting)");
                } else if (action == "personal_room" && site == nullptr &&
                           default_site == nullptr && !token && !site_reported) {
                    sink_.error(keyword.key_loc, path + ".site",
                                "required by personal_room unless webex.site or "
                                "webex.token_file is set");
                    site_reported = true;
                }
            }
        }
    }

    const std::optional<std::string>& credentials_directory_;
    DiagnosticSink& sink_;
};

}  // namespace

void validateConfig(ConfigNode& root, const std::optional<std::string>& credentials_directory,
                    DiagnosticSink& sink) {
    Validator(credentials_directory, sink).mapping(root, "", "");
}

}  // namespace calconn::settings
