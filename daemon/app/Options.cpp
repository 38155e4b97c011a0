#include "app/Options.h"

namespace calconn::app {

common::Result<Options> parseArguments(const std::vector<std::string>& args) {
    Options options;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        if (arg == "--config" || arg == "-c") {
            if (i + 1 >= args.size()) {
                return common::makeError(common::ErrorCode::InvalidArgument,
                                         "option " + arg + " needs a file");
            }
            options.config_file = args[++i];
        } else if (arg.rfind("--config=", 0) == 0) {
            options.config_file = arg.substr(9);
        } else if (arg == "--check-config") {
            options.check_config = true;
        } else if (arg == "--dump-config") {
            options.dump_config = true;
        } else if (arg == "--version") {
            options.version = true;
        } else if (arg == "--help" || arg == "-h") {
            options.help = true;
        } else {
            return common::makeError(common::ErrorCode::InvalidArgument,
                                     "unknown argument '" + arg + "'");
        }
    }
    if (options.config_file.empty()) {
        return common::makeError(common::ErrorCode::InvalidArgument, "empty --config file name");
    }
    if (options.check_config && options.dump_config) {
        return common::makeError(common::ErrorCode::InvalidArgument,
                                 "--check-config and --dump-config exclude each other");
    }
    return options;
}

std::string usageText() {
    return "Usage: calconnd [--config FILE] [--check-config] [--dump-config] [--version] [--help]\n"
           "\n"
           "Hybrid calendar connector daemon; runs in the foreground under systemd.\n"
           "\n"
           "  --config FILE   configuration file (default: /etc/calconn/calconnd.yaml,\n"
           "                  plus conf.d/*.yaml beside it)\n"
           "  --check-config  validate the configuration, print every problem, exit 0 or 78\n"
           "  --dump-config   print the effective configuration (secrets redacted)\n"
           "  --version       print the version and exit\n"
           "  --help          show this help\n"
           "\n"
           "Signals: TERM/INT stop, HUP reloads the configuration, USR1 resyncs all mailboxes.\n"
           "Exit codes: 0 stopped, 1 fatal error, 64 usage error, 78 configuration error.\n";
}

}  // namespace calconn::app
