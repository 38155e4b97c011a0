#include "settings/ConfigTree.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace calconn::settings {
namespace {

constexpr std::size_t kMaxFileSize = std::size_t{4} * 1024 * 1024;
// Aliases can make a small document expand exponentially; no real configuration comes near.
constexpr std::size_t kMaxNodes = 200000;

Loc locOf(const YAML::Mark& mark, int file, const Loc& fallback) {
    if (mark.line < 0 || mark.column < 0) return fallback;
    return Loc{file, mark.line + 1, mark.column + 1};
}

class Converter {
public:
    Converter(int file, DiagnosticSink& sink) : file_(file), sink_(sink) {}

    bool convert(const YAML::Node& in, ConfigNode& out, const Loc& fallback,
                 const std::string& path) {
        if (++count_ > kMaxNodes) {
            if (!too_large_) sink_.error(fallback, "", "document expands to too many nodes");
            too_large_ = true;
            return false;
        }
        out.loc = locOf(in.Mark(), file_, fallback);
        switch (in.Type()) {
            case YAML::NodeType::Undefined:
            case YAML::NodeType::Null:
                // yaml-cpp marks an empty value where the next token starts, often lines
                // later; the key is where the reader looks.
                out.kind = ConfigNode::Kind::Null;
                out.loc = fallback;
                return true;
            case YAML::NodeType::Scalar:
                out.kind = ConfigNode::Kind::Scalar;
                out.scalar = in.Scalar();
                return true;
            case YAML::NodeType::Sequence:
                out.kind = ConfigNode::Kind::Sequence;
                for (const auto& item : in) {
                    const auto index = out.items.size();
                    out.items.emplace_back();
                    if (!convert(item, out.items.back(), out.loc,
                                 path + "[" + std::to_string(index) + "]")) {
                        return false;
                    }
                }
                return true;
            case YAML::NodeType::Map:
                out.kind = ConfigNode::Kind::Mapping;
                for (const auto& pair : in) {
                    const Loc key_loc = locOf(pair.first.Mark(), file_, out.loc);
                    if (!pair.first.IsScalar()) {
                        sink_.error(key_loc, path, "keys must be plain strings");
                        continue;
                    }
                    const std::string& key = pair.first.Scalar();
                    const std::string key_path = path.empty() ? key : path + "." + key;
                    if (const auto* first = out.find(key)) {
                        sink_.error(key_loc, key_path,
                                    "duplicate key (first at line " +
                                        std::to_string(first->key_loc.line) + ")");
                        continue;
                    }
                    ConfigEntry entry{key, key_loc, {}};
                    if (!convert(pair.second, entry.value, key_loc, key_path)) return false;
                    out.entries.push_back(std::move(entry));
                }
                return true;
        }
        return true;
    }

private:
    int file_;
    DiagnosticSink& sink_;
    std::size_t count_ = 0;
    bool too_large_ = false;
};

}  // namespace

const ConfigEntry* ConfigNode::find(std::string_view key) const {
    for (const auto& entry : entries) {
        if (entry.key == key) return &entry;
    }
    return nullptr;
}

ConfigEntry* ConfigNode::find(std::string_view key) {
    for (auto& entry : entries) {
        if (entry.key == key) return &entry;
    }
    return nullptr;
}

int DiagnosticSink::addFile(std::string path) {
    files_.push_back(std::move(path));
    return static_cast<int>(files_.size() - 1);
}

void DiagnosticSink::error(const Loc& loc, std::string key_path, std::string message) {
    add(loc, std::move(key_path), std::move(message), Severity::Error);
}

void DiagnosticSink::warning(const Loc& loc, std::string key_path, std::string message) {
    add(loc, std::move(key_path), std::move(message), Severity::Warning);
}

void DiagnosticSink::add(const Loc& loc, std::string key_path, std::string message,
                         Severity severity) {
    Diagnostic diagnostic{file(loc.file),      loc.line,           loc.column,
                          std::move(key_path), std::move(message), severity};
    items_.push_back(Item{loc, std::move(diagnostic)});
}

bool DiagnosticSink::hasErrors() const {
    return std::any_of(items_.begin(), items_.end(), [](const Item& item) {
        return item.diagnostic.severity == Severity::Error;
    });
}

std::vector<Diagnostic> DiagnosticSink::take() {
    std::stable_sort(items_.begin(), items_.end(), [](const Item& a, const Item& b) {
        if (a.loc.file != b.loc.file) return a.loc.file < b.loc.file;
        if (a.loc.line != b.loc.line) return a.loc.line < b.loc.line;
        return a.loc.column < b.loc.column;
    });
    std::vector<Diagnostic> out;
    out.reserve(items_.size());
    for (auto& item : items_) out.push_back(std::move(item.diagnostic));
    items_.clear();
    return out;
}

ConfigNode parseConfigFile(const std::string& path, DiagnosticSink& sink, bool& ok) {
    const int file = sink.addFile(path);
    const Loc whole_file{file, 0, 0};
    ok = false;
    std::ifstream stream(path, std::ios::binary);
    if (!stream) {
        sink.error(whole_file, "", std::string("cannot open: ") + std::strerror(errno));
        return {};
    }
    std::ostringstream buffer;
    buffer << stream.rdbuf();
    const std::string text = buffer.str();
    if (stream.bad()) {
        sink.error(whole_file, "", "cannot read");
        return {};
    }
    if (text.size() > kMaxFileSize) {
        sink.error(whole_file, "", "file is larger than 4 MiB");
        return {};
    }
    YAML::Node document;
    try {
        document = YAML::Load(text);
    } catch (const YAML::ParserException& e) {
        sink.error(locOf(e.mark, file, Loc{file, 1, 1}), "", e.msg);
        return {};
    } catch (const YAML::Exception& e) {
        sink.error(locOf(e.mark, file, Loc{file, 1, 1}), "", e.msg);
        return {};
    }
    ConfigNode root;
    Converter converter(file, sink);
    if (!converter.convert(document, root, Loc{file, 1, 1}, "")) return {};
    if (root.kind == ConfigNode::Kind::Null) root.loc = Loc{file, 1, 1};
    ok = true;
    return root;
}

void mergeConfig(ConfigNode& base, ConfigNode overlay) {
    using Kind = ConfigNode::Kind;
    if (base.kind == Kind::Mapping && overlay.kind == Kind::Mapping) {
        for (auto& entry : overlay.entries) {
            if (auto* existing = base.find(entry.key)) {
                mergeConfig(existing->value, std::move(entry.value));
            } else {
                base.entries.push_back(std::move(entry));
            }
        }
        return;
    }
    // An empty section in a drop-in ("sync:") changes nothing.
    if (overlay.kind == Kind::Null && base.kind == Kind::Mapping) return;
    base = std::move(overlay);
}

}  // namespace calconn::settings
