// Logging set-up: named Poco loggers per module ("calconn.<module>"), sent to the journal when
// stderr is connected to it (or logging.target says so) and as text lines to stderr otherwise.
// The level comes from logging.level and can change at run time (reload).
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <Poco/Formatter.h>
#include <Poco/Logger.h>
#include <Poco/Message.h>

#include "common/Result.h"

namespace calconn::platform {

enum class LogTarget { Journal, Stderr };

// "error" | "warning" | "info" | "debug" | "trace" -> Poco priority; nullopt for anything else.
std::optional<Poco::Message::Priority> parseLogLevel(std::string_view level);

// True when $JOURNAL_STREAM names the device:inode of our stderr (systemd connected it).
bool stderrIsJournal();

// logging.target: "journal" and "stderr" are taken as they are; "auto" (and anything else)
// means journal when stderrIsJournal(), stderr otherwise.
LogTarget chooseLogTarget(std::string_view target);

// Installs the channel for `target` on every logger and sets `level`. `identifier` becomes
// SYSLOG_IDENTIFIER in the journal and the line prefix on stderr.
common::Status setupLogging(std::string_view level, LogTarget target,
                            const std::string& identifier = "calconnd");

// Changes the level of every logger, existing and future.
common::Status setLogLevel(std::string_view level);

// The logger of one module: moduleLogger("app") is "calconn.app".
Poco::Logger& moduleLogger(std::string_view module);

// Logs `text` with structured fields (names from structuredLogFields(), e.g. {"mailbox", upn}).
void logWithFields(Poco::Logger& logger, Poco::Message::Priority priority, const std::string& text,
                   std::initializer_list<std::pair<std::string, std::string>> fields);

// Text lines for stderr: "2026-01-02T03:04:05.678Z warning calconn.app: text mailbox=x".
class TextFormatter : public Poco::Formatter {
public:
    explicit TextFormatter(bool timestamps) : timestamps_(timestamps) {}
    void format(const Poco::Message& message, std::string& text) override;

private:
    bool timestamps_;
};

}  // namespace calconn::platform
