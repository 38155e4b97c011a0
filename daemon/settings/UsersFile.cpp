#include "settings/UsersFile.h"

#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>

#include "settings/Values.h"

namespace calconn::settings {

UsersFile readUsersFile(const std::string& path) {
    UsersFile result;
    std::ifstream in(path);
    if (!in) {
        result.diagnostics.push_back(
            {path, 0, 0, "", std::string("cannot open: ") + std::strerror(errno), Severity::Error});
        return result;
    }
    std::set<std::string> seen;
    std::string line;
    for (int number = 1; std::getline(in, line); ++number) {
        const auto begin = line.find_first_not_of(" \t\r");
        if (begin == std::string::npos || line[begin] == '#') continue;
        const auto end = line.find_last_not_of(" \t\r");
        const std::string address = line.substr(begin, end - begin + 1);
        if (auto status = checkEmail(address); !status) {
            result.diagnostics.push_back({path, number, static_cast<int>(begin) + 1, "",
                                          status.error().message, Severity::Error});
            continue;
        }
        std::string key = address;
        for (auto& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (!seen.insert(key).second) {
            result.diagnostics.push_back({path, number, static_cast<int>(begin) + 1, "",
                                          "duplicate user '" + address + "'", Severity::Warning});
            continue;
        }
        result.users.push_back(address);
    }
    return result;
}

}  // namespace calconn::settings
