// mailboxes.users_file: one user mailbox (e-mail address) per line; blank lines and lines whose
// first non-blank character is '#' are skipped. The loader checks it with the configuration; the
// daemon reads it again on every (re)load through the same function.
#pragma once

#include <string>
#include <vector>

#include "settings/Diagnostic.h"

namespace calconn::settings {

struct UsersFile {
    std::vector<std::string> users;       // in file order, duplicates removed (case-insensitive)
    std::vector<Diagnostic> diagnostics;  // "FILE:LINE:COL: error: ..."; users is partial then
    bool ok() const { return !hasErrors(diagnostics); }
};

UsersFile readUsersFile(const std::string& path);

}  // namespace calconn::settings
