#include "settings/Diagnostic.h"

namespace calconn::settings {

std::string Diagnostic::format() const {
    std::string out = file;
    if (line > 0) {
        out += ':' + std::to_string(line) + ':' + std::to_string(column);
    }
    out += severity == Severity::Error ? ": error: " : ": warning: ";
    if (!key_path.empty()) {
        out += key_path;
        out += ": ";
    }
    out += message;
    return out;
}

std::string formatDiagnostics(const std::vector<Diagnostic>& diagnostics) {
    std::string out;
    for (const auto& diagnostic : diagnostics) {
        out += diagnostic.format();
        out += '\n';
    }
    return out;
}

bool hasErrors(const std::vector<Diagnostic>& diagnostics) {
    for (const auto& diagnostic : diagnostics) {
        if (diagnostic.severity == Severity::Error) return true;
    }
    return false;
}

}  // namespace calconn::settings
