#include "platform/Logging.h"

#include <sys/stat.h>

#include <cstdlib>
#include <cstdio>

#include <Poco/AutoPtr.h>
#include <Poco/ConsoleChannel.h>
#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/FormattingChannel.h>

#include "platform/JournalChannel.h"

namespace calconn::platform {

namespace {

std::string_view levelName(Poco::Message::Priority priority) {
    switch (priority) {
        case Poco::Message::PRIO_FATAL: return "fatal";
        case Poco::Message::PRIO_CRITICAL: return "critical";
        case Poco::Message::PRIO_ERROR: return "error";
        case Poco::Message::PRIO_WARNING: return "warning";
        case Poco::Message::PRIO_NOTICE: return "notice";
        case Poco::Message::PRIO_INFORMATION: return "info";
        case Poco::Message::PRIO_DEBUG: return "debug";
        case Poco::Message::PRIO_TRACE: return "trace";
    }
    return "info";
}

}  // namespace

std::optional<Poco::Message::Priority> parseLogLevel(std::string_view level) {
    if (level == "error") return Poco::Message::PRIO_ERROR;
    if (level == "warning") return Poco::Message::PRIO_WARNING;
    if (level == "info") return Poco::Message::PRIO_INFORMATION;
    if (level == "debug") return Poco::Message::PRIO_DEBUG;
    if (level == "trace") return Poco::Message::PRIO_TRACE;
    return std::nullopt;
}

bool stderrIsJournal() {
    const char* value = std::getenv("JOURNAL_STREAM");
    if (value == nullptr) return false;
    unsigned long long dev = 0;
    unsigned long long ino = 0;
    if (std::sscanf(value, "%llu:%llu", &dev, &ino) != 2) return false;
    struct stat st{};
    if (fstat(2, &st) != 0) return false;
    return static_cast<unsigned long long>(st.st_dev) == dev &&
           static_cast<unsigned long long>(st.st_ino) == ino;
}

LogTarget chooseLogTarget(std::string_view target) {
    if (target == "journal") return LogTarget::Journal;
    if (target == "stderr") return LogTarget::Stderr;
    return stderrIsJournal() ? LogTarget::Journal : LogTarget::Stderr;
}

common::Status setupLogging(std::string_view level, LogTarget target, const std::string& identifier) {
    const auto priority = parseLogLevel(level);
    if (!priority) {
        return common::makeError(common::ErrorCode::InvalidArgument, "unknown log level",
                                 std::string(level));
    }
    Poco::AutoPtr<Poco::Channel> channel;
    if (target == LogTarget::Journal) {
        channel = new JournalChannel(identifier);
    } else {
        // journald adds its own timestamps; only a terminal or a file needs ours.
        channel = new Poco::FormattingChannel(new TextFormatter(true), new Poco::ConsoleChannel);
    }
    Poco::Logger::root().setChannel(channel);
    Poco::Logger::setChannel("", channel);
    Poco::Logger::root().setLevel(*priority);
    Poco::Logger::setLevel("", *priority);
    return {};
}

common::Status setLogLevel(std::string_view level) {
    const auto priority = parseLogLevel(level);
    if (!priority) {
        return common::makeError(common::ErrorCode::InvalidArgument, "unknown log level",
                                 std::string(level));
    }
    Poco::Logger::root().setLevel(*priority);
    Poco::Logger::setLevel("", *priority);
    return {};
}

Poco::Logger& moduleLogger(std::string_view module) {
    return Poco::Logger::get("calconn." + std::string(module));
}

void logWithFields(Poco::Logger& logger, Poco::Message::Priority priority, const std::string& text,
                   std::initializer_list<std::pair<std::string, std::string>> fields) {
    if (!logger.is(priority)) return;
    Poco::Message message(logger.name(), text, priority);
    for (const auto& [name, value] : fields) message.set(name, value);
    logger.log(message);
}

void TextFormatter::format(const Poco::Message& message, std::string& text) {
    if (timestamps_) {
        text += Poco::DateTimeFormatter::format(message.getTime(), "%Y-%m-%dT%H:%M:%S.%iZ");
        text += ' ';
    }
    text += levelName(message.getPriority());
    text += ' ';
    if (!message.getSource().empty()) {
        text += message.getSource();
        text += ": ";
    }
    text += message.getText();
    for (const std::string& name : structuredLogFields()) {
        if (message.has(name)) {
            text += ' ';
            text += name;
            text += '=';
            text += message.get(name);
        }
    }
}

}  // namespace calconn::platform
