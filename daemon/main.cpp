// calconnd: everything lives in calconn::app so that tests can link it.
#include "app/Daemon.h"

int main(int argc, char** argv) { return calconn::app::runDaemon(argc, argv); }
