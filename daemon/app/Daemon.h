// Composition root of calconnd: command line, settings, signal loop, reload and shutdown.
#pragma once

namespace calconn::app {

// Runs calconnd with the given command line; returns the process exit code
// (0 normal stop, 78 configuration error, 1 other fatal error).
int runDaemon(int argc, char** argv);

}  // namespace calconn::app
