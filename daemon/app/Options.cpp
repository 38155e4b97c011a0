#include "app/Options.h"

#include "common/IsoTime.h"

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
        } else if (arg == "--test-clock") {
            if (i + 1 >= args.size()) {
                return common::makeError(common::ErrorCode::InvalidArgument,
                                         "option --test-clock needs a time");
            }
            options.test_clock = args[++i];
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
    if (!options.test_clock.empty() && !common::parseIsoUtc(options.test_clock)) {
        return common::makeError(common::ErrorCode::InvalidArgument,
                                 "--test-clock needs an ISO 8601 UTC time such as "
                                 "2026-03-02T09:55:00Z, not '" + options.test_clock + "'");
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
           "  --test-clock TIME  tests only: reminders and presence use a clock starting at\n"
           "                  TIME (UTC) that moves only through the control socket\n"
           "\n"
           "Signals: TERM/INT stop, HUP reloads the configuration, USR1 resyncs all mailboxes.\n"
           "Exit codes: 0 stopped, 1 fatal error, 64 usage error, 78 configuration error.\n";
}

}  // namespace calconn::app
