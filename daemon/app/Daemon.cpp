#include "app/Daemon.h"

#include <iostream>

#include "common/Version.h"

namespace calconn::app {

int runDaemon(int /*argc*/, char** /*argv*/) {
    std::cout << "calconnd " << common::version() << "\n";
    return 0;
}

}  // namespace calconn::app
