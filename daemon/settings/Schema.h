// The one table of every configuration key: type, default, range, whether it is required and
// whether a reload applies it. It drives validation, defaults, --dump-config, restart detection
// and the completeness test of calconnd.yaml(5).
#pragma once

#include <span>
#include <string_view>
#include <vector>

namespace calconn::settings {

enum class ValueType {
    Section,     // a mapping of the keys below it
    List,        // a sequence of mappings; element keys are "<path>[].<key>"
    Map,         // a mapping with free keys; the element is described by "<path>.*"
    String,      // non-empty text
    Path,        // absolute path; need not exist
    File,        // absolute path or $CREDENTIALS_DIRECTORY name of an existing file
    SecretFile,  // like File; warned when readable by others
    Duration,    // 90s, 5m, 72h, 30d, 1h30m
    Size,        // 512KiB, 5MiB
    Url,         // scheme://host[:port][/path]; range lists the allowed schemes
    Guid,        // 8-4-4-4-12 hex digits
    Email,       // local@domain.tld
    HostPort,    // host:port, [v6]:port
    Sha256,      // 64 hex digits, colons allowed
    Enum,        // one of range "a|b|c"
    Integer,     // range "min..max"
    Boolean,     // true|false
    StringList,  // sequence of strings
    EmailList,   // sequence of e-mail addresses
};

struct KeySpec {
    std::string_view path;  // pattern: "microsoft365.tenants[].tenant_id", "keywords.*"
    ValueType type;
    std::string_view default_value;  // canonical text; empty: no default
    std::string_view range;          // "1..256", "1s..1d", "https", "a|b|c"; empty: any
    bool required;
    bool reloadable;  // false: a change needs a restart
    std::string_view help;
};

// In schema order: sections before their keys, in the order of calconnd.yaml(5).
std::span<const KeySpec> schema();

// The spec of a pattern path, or nullptr.
const KeySpec* findKey(std::string_view pattern);

// Direct children of a pattern ("" is the root), in schema order.
std::vector<const KeySpec*> childKeys(std::string_view parent_pattern);

// Lower-case name used in diagnostics and the man page ("duration", "e-mail address", ...).
std::string_view typeName(ValueType type);

// True for types whose value is one scalar.
bool isScalarType(ValueType type);

}  // namespace calconn::settings
