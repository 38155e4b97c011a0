// Test PKI for graphsim: a throwaway CA and a server certificate for 127.0.0.1/localhost,
// generated with OpenSSL so tests and `make demo` need no checked-in keys.
#pragma once

#include <string>

#include "common/Result.h"

namespace calconn::graphsim {

struct TestPki {
    std::string ca_cert_file;      // DIR/ca.pem: what clients trust
    std::string ca_key_file;       // DIR/ca.key
    std::string server_cert_file;  // DIR/server.pem
    std::string server_key_file;   // DIR/server.key
};

// Writes the four PEM files into dir (created if missing); keys are P-256 for fast handshakes.
common::Result<TestPki> generateTestPki(const std::string& dir);

}  // namespace calconn::graphsim
