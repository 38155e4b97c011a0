// Internal to the settings module: the YAML documents of calconnd.yaml and conf.d as one merged
// tree whose every node remembers its file, line and column, so that diagnostics after merging
// still name the right file.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "settings/Diagnostic.h"

namespace calconn::settings {

struct Loc {
    int file = 0;    // index into DiagnosticSink::files()
    int line = 0;    // 1-based; 0: the whole file
    int column = 0;  // 1-based
};

struct ConfigEntry;

struct ConfigNode {
    enum class Kind { Null, Scalar, Sequence, Mapping };
    Kind kind = Kind::Null;
    std::string scalar;
    std::vector<ConfigNode> items;     // Sequence
    std::vector<ConfigEntry> entries;  // Mapping, in document order
    Loc loc;

    const ConfigEntry* find(std::string_view key) const;
    ConfigEntry* find(std::string_view key);
};

struct ConfigEntry {
    std::string key;
    Loc key_loc;
    ConfigNode value;
};

// Collects diagnostics and hands them back sorted in file order (file, line, column).
class DiagnosticSink {
public:
    int addFile(std::string path);
    const std::string& file(int index) const { return files_[static_cast<std::size_t>(index)]; }

    void error(const Loc& loc, std::string key_path, std::string message);
    void warning(const Loc& loc, std::string key_path, std::string message);
    bool hasErrors() const;
    std::vector<Diagnostic> take();

private:
    struct Item {
        Loc loc;
        Diagnostic diagnostic;
    };
    void add(const Loc& loc, std::string key_path, std::string message, Severity severity);
    std::vector<std::string> files_;
    std::vector<Item> items_;
};

// Parses one YAML file into a tree; syntax errors and duplicate keys go to the sink. Returns a
// Null node when the file cannot be read or parsed.
ConfigNode parseConfigFile(const std::string& path, DiagnosticSink& sink, bool& ok);

// Deep merge: mappings merge key by key, anything else in the overlay replaces the base.
void mergeConfig(ConfigNode& base, ConfigNode overlay);

}  // namespace calconn::settings
