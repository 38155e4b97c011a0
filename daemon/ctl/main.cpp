// calconnctl: everything lives in calconn::ctl so that tests can link it.
#include "ctl/Ctl.h"

int main(int argc, char** argv) { return calconn::ctl::runCtl(argc, argv); }
