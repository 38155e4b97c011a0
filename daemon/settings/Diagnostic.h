// One configuration problem, located in its file: what --check-config prints and what a failed
// reload logs. Format: "FILE:LINE:COL: error: key.path: message" (1-based line and column).
#pragma once

#include <string>
#include <vector>

namespace calconn::settings {

enum class Severity { Error, Warning };

struct Diagnostic {
    std::string file;      // as opened (main file as given, conf.d files beside it)
    int line = 0;          // 1-based; 0 when the problem concerns the whole file
    int column = 0;        // 1-based; 0 when the problem concerns the whole file
    std::string key_path;  // e.g. "mailboxes.rooms[0].devices[1].url"; empty for syntax errors
    std::string message;
    Severity severity = Severity::Error;

    // "FILE:LINE:COL: error: key.path: message"; without LINE:COL when line is 0 and without
    // "key.path: " when key_path is empty.
    std::string format() const;
    bool operator==(const Diagnostic&) const = default;
};

// Every diagnostic formatted, one per line (each line ends with '\n').
std::string formatDiagnostics(const std::vector<Diagnostic>& diagnostics);

bool hasErrors(const std::vector<Diagnostic>& diagnostics);

}  // namespace calconn::settings
