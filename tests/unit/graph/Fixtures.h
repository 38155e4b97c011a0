#pragma once

#include <fstream>
#include <sstream>
#include <string>

namespace calconn::graph::testing {

inline std::string fixture(const std::string& name) {
    std::ifstream in(std::string(CALCONN_FIXTURES_DIR) + "/graph/" + name, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

inline std::string certFile(const std::string& name) {
    return std::string(CALCONN_FIXTURES_DIR) + "/certs/" + name;
}

}  // namespace calconn::graph::testing
