#include "settings/Loader.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>

#include "settings/Binding.h"
#include "settings/ConfigTree.h"
#include "settings/Flatten.h"
#include "settings/Schema.h"
#include "settings/Validator.h"
#include "settings/Values.h"

namespace calconn::settings {
namespace {

namespace fs = std::filesystem;

std::string join(std::string_view parent, std::string_view key) {
    if (parent.empty()) return std::string(key);
    std::string out(parent);
    out += '.';
    out += key;
    return out;
}

// Builds Settings from a validated tree: present values are canonical already, absent ones take
// the schema default (or stay as default-constructed when the schema has none).
class Reader {
public:
    Reader(const ConfigNode* node, std::string pattern)
        : node_(node), pattern_(std::move(pattern)) {}

    void field(std::string_view key, std::string& out) {
        if (auto text = scalar(key)) out = *text;
    }
    void field(std::string_view key, std::chrono::seconds& out) {
        if (auto text = scalar(key)) out = parseDuration(*text).value();
    }
    void field(std::string_view key, bool& out) {
        if (auto text = scalar(key)) out = parseBoolean(*text).value();
    }
    void field(std::string_view key, int& out) {
        if (auto text = scalar(key)) out = static_cast<int>(parseInteger(*text).value());
    }
    void field(std::string_view key, std::uint64_t& out) {
        if (auto text = scalar(key)) out = parseSize(*text).value();
    }
    void field(std::string_view key, std::vector<std::string>& out) {
        if (const auto* node = child(key)) {
            for (const auto& item : node->items) out.push_back(item.scalar);
        }
    }
    void field(std::string_view key, std::map<std::string, std::string>& out) {
        if (const auto* node = child(key)) {
            for (const auto& entry : node->entries) out[entry.key] = entry.value.scalar;
        }
    }

    template <class F>
    void section(std::string_view key, F fn) {
        Reader reader(child(key), join(pattern_, key));
        fn(reader);
    }

    template <class T, class F>
    void list(std::string_view key, std::vector<T>& out, F fn) {
        const auto* node = child(key);
        if (node == nullptr) return;
        const std::string element_pattern = join(pattern_, key) + "[]";
        for (const auto& item : node->items) {
            T element{};
            Reader reader(&item, element_pattern);
            fn(reader, element);
            out.push_back(std::move(element));
        }
    }

    template <class T, class F>
    void map(std::string_view key, std::vector<T>& out, std::string T::*name, F fn) {
        const auto* node = child(key);
        if (node == nullptr) return;
        const std::string element_pattern = join(pattern_, key) + ".*";
        for (const auto& entry : node->entries) {
            T element{};
            element.*name = entry.key;
            Reader reader(&entry.value, element_pattern);
            fn(reader, element);
            out.push_back(std::move(element));
        }
    }

private:
    const ConfigNode* child(std::string_view key) const {
        if (findKey(join(pattern_, key)) == nullptr) std::abort();  // Binding.h and schema disagree
        if (node_ == nullptr) return nullptr;
        const auto* entry = node_->find(key);
        return entry == nullptr ? nullptr : &entry->value;
    }

    std::optional<std::string> scalar(std::string_view key) const {
        const KeySpec* spec = findKey(join(pattern_, key));
        if (spec == nullptr) std::abort();  // Binding.h and schema disagree
        const auto* node = child(key);
        if (node != nullptr && node->kind == ConfigNode::Kind::Scalar) return node->scalar;
        if (!spec->default_value.empty()) return std::string(spec->default_value);
        return std::nullopt;
    }

    const ConfigNode* node_;
    std::string pattern_;
};

std::string canonical(const std::string& value) { return value; }
std::string canonical(std::chrono::seconds value) { return formatDuration(value); }
std::string canonical(bool value) { return value ? "true" : "false"; }
std::string canonical(int value) { return std::to_string(value); }
std::string canonical(std::uint64_t value) { return formatSize(value); }

// Builds the YAML of Settings. Unset (empty) values and empty sections and lists are left out,
// so the output is short and loads back to equal settings.
class NodeWriter {
public:
    void field(std::string_view key, const std::string& value) {
        if (!value.empty()) node_[std::string(key)] = value;
    }
    template <class V>
    void field(std::string_view key, const V& value) {
        node_[std::string(key)] = canonical(value);
    }
    void field(std::string_view key, const std::vector<std::string>& values) {
        if (values.empty()) return;
        YAML::Node list(YAML::NodeType::Sequence);
        for (const auto& value : values) list.push_back(value);
        node_[std::string(key)] = list;
    }
    void field(std::string_view key, const std::map<std::string, std::string>& values) {
        if (values.empty()) return;
        YAML::Node map(YAML::NodeType::Map);
        for (const auto& [name, value] : values) map[name] = value;
        node_[std::string(key)] = map;
    }

    template <class F>
    void section(std::string_view key, F fn) {
        NodeWriter child;
        fn(child);
        if (child.node_.size() > 0) node_[std::string(key)] = child.node_;
    }

    template <class T, class F>
    void list(std::string_view key, const std::vector<T>& values, F fn) {
        if (values.empty()) return;
        YAML::Node list(YAML::NodeType::Sequence);
        for (const auto& value : values) {
            NodeWriter child;
            fn(child, value);
            list.push_back(child.node_);
        }
        node_[std::string(key)] = list;
    }

    template <class T, class F>
    void map(std::string_view key, const std::vector<T>& values, std::string T::*name, F fn) {
        if (values.empty()) return;
        YAML::Node map(YAML::NodeType::Map);
        for (const auto& value : values) {
            NodeWriter child;
            fn(child, value);
            map[value.*name] = child.node_;
        }
        node_[std::string(key)] = map;
    }

    const YAML::Node& node() const { return node_; }

private:
    YAML::Node node_{YAML::NodeType::Map};
};

class Flattener {
public:
    Flattener(std::vector<FlatValue>& out, std::string pattern, std::string path)
        : out_(out), pattern_(std::move(pattern)), path_(std::move(path)) {}

    template <class V>
    void field(std::string_view key, const V& value) {
        out_.push_back({join(pattern_, key), join(path_, key), canonical(value)});
    }
    void field(std::string_view key, const std::vector<std::string>& values) {
        std::string text;
        for (const auto& value : values) text += (text.empty() ? "" : ", ") + value;
        out_.push_back({join(pattern_, key), join(path_, key), text});
    }
    void field(std::string_view key, const std::map<std::string, std::string>& values) {
        out_.push_back({join(pattern_, key), join(path_, key), ""});
        for (const auto& [name, value] : values) {
            out_.push_back({join(pattern_, key) + ".*", join(join(path_, key), name), value});
        }
    }

    template <class F>
    void section(std::string_view key, F fn) {
        out_.push_back({join(pattern_, key), join(path_, key), ""});
        Flattener child(out_, join(pattern_, key), join(path_, key));
        fn(child);
    }

    template <class T, class F>
    void list(std::string_view key, const std::vector<T>& values, F fn) {
        out_.push_back({join(pattern_, key), join(path_, key), ""});
        for (std::size_t i = 0; i < values.size(); ++i) {
            Flattener child(out_, join(pattern_, key) + "[]",
                            join(path_, key) + "[" + std::to_string(i) + "]");
            fn(child, values[i]);
        }
    }

    template <class T, class F>
    void map(std::string_view key, const std::vector<T>& values, std::string T::*name, F fn) {
        out_.push_back({join(pattern_, key), join(path_, key), ""});
        for (const auto& value : values) {
            const std::string pattern = join(pattern_, key) + ".*";
            const std::string path = join(join(path_, key), value.*name);
            out_.push_back({pattern, path, ""});
            Flattener child(out_, pattern, path);
            fn(child, value);
        }
    }

private:
    std::vector<FlatValue>& out_;
    std::string pattern_;
    std::string path_;
};

// Values the schema cannot express as fixed defaults: they follow other keys.
void fillDerivedDefaults(Settings& settings) {
    for (auto& tenant : settings.microsoft365.tenants) {
        const auto endpoints = cloudEndpoints(tenant.cloud);
        if (tenant.login_endpoint.empty()) tenant.login_endpoint = endpoints.login;
        if (tenant.graph_endpoint.empty()) tenant.graph_endpoint = endpoints.graph;
    }
    for (auto& room : settings.mailboxes.rooms) {
        for (auto& device : room.devices) {
            if (device.name.empty()) device.name = urlHost(device.url);
        }
    }
}

std::vector<std::string> confDFiles(const std::string& main_file) {
    std::vector<std::string> names;
    const fs::path dir = fs::path(main_file).parent_path() / "conf.d";
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) return {};
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        const auto& entry = *it;
        if (entry.path().extension() == ".yaml" &&
            !entry.path().filename().string().starts_with(".") && entry.is_regular_file(ec)) {
            names.push_back(entry.path().filename().string());
        }
    }
    std::sort(names.begin(), names.end());
    std::vector<std::string> files;
    for (const auto& name : names) files.push_back((dir / name).string());
    return files;
}

}  // namespace

std::vector<FlatValue> flattenSettings(const Settings& settings) {
    std::vector<FlatValue> out;
    Flattener flattener(out, "", "");
    bindSettings(flattener, settings);
    return out;
}

LoadResult loadSettings(const std::string& main_file) {
    LoadOptions options;
    if (const char* dir = std::getenv("CREDENTIALS_DIRECTORY"); dir != nullptr && *dir != '\0') {
        options.credentials_directory = dir;
    }
    return loadSettings(main_file, options);
}

LoadResult loadSettings(const std::string& main_file, const LoadOptions& options) {
    DiagnosticSink sink;
    bool all_parsed = true;
    bool ok = false;
    ConfigNode root = parseConfigFile(main_file, sink, ok);
    all_parsed = all_parsed && ok;
    for (const auto& file : confDFiles(main_file)) {
        ConfigNode overlay = parseConfigFile(file, sink, ok);
        all_parsed = all_parsed && ok;
        if (ok) mergeConfig(root, std::move(overlay));
    }
    LoadResult result;
    std::optional<std::string> credentials_directory = options.credentials_directory;
    if (credentials_directory && !credentials_directory->empty()) {
        std::error_code ec;
        const auto absolute = fs::absolute(*credentials_directory, ec);
        if (!ec) credentials_directory = absolute.lexically_normal().string();
    }
    // A file that did not parse leaves the merged tree incomplete; checking it would only add
    // misleading "required key is missing" errors.
    if (all_parsed) validateConfig(root, credentials_directory, sink);
    if (!all_parsed || sink.hasErrors()) {
        result.diagnostics = sink.take();
        return result;
    }
    auto settings = std::make_shared<Settings>();
    Reader reader(&root, "");
    bindSettings(reader, *settings);
    fillDerivedDefaults(*settings);
    settings->config_file = main_file;
    result.settings = std::move(settings);
    result.diagnostics = sink.take();
    return result;
}

std::string dumpSettings(const Settings& settings) {
    NodeWriter writer;
    bindSettings(writer, settings);
    YAML::Emitter out;
    out.SetIndent(2);
    out << writer.node();
    return std::string("# calconnd effective configuration: every default filled in\n") +
           out.c_str() + "\n";
}

std::vector<std::string> restartRequiredChanges(const Settings& running, const Settings& next) {
    auto restart_only = [](const Settings& settings) {
        std::map<std::string, std::string> values;
        for (auto& value : flattenSettings(settings)) {
            const KeySpec* spec = findKey(value.pattern);
            if (spec != nullptr && !spec->reloadable && isScalarType(spec->type)) {
                values[value.path] = value.text;
            }
        }
        return values;
    };
    const auto before = restart_only(running);
    const auto after = restart_only(next);
    std::vector<std::string> changed;
    for (const auto& spec : schema()) {
        if (spec.reloadable || !isScalarType(spec.type)) continue;
        const std::string key(spec.path);
        const auto a = before.find(key);
        const auto b = after.find(key);
        const bool differs = (a == before.end()) != (b == after.end()) ||
                             (a != before.end() && a->second != b->second);
        if (differs) changed.push_back(key);
    }
    return changed;
}

CloudEndpoints cloudEndpoints(const std::string& cloud) {
    if (cloud == "usgov") return {"https://login.microsoftonline.us", "https://graph.microsoft.us"};
    if (cloud == "usgovdod") {
        return {"https://login.microsoftonline.us", "https://dod-graph.microsoft.us"};
    }
    if (cloud == "china") {
        return {"https://login.partner.microsoftonline.cn",
                "https://microsoftgraph.chinacloudapi.cn"};
    }
    return {"https://login.microsoftonline.com", "https://graph.microsoft.com"};
}

}  // namespace calconn::settings
