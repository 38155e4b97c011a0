#include "platform/JournalChannel.h"

#include <sys/uio.h>
#include <systemd/sd-journal.h>

#include <cctype>

namespace calconn::platform {

namespace {

std::string upper(const std::string& name) {
    std::string out = name;
    for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
}

int sendToJournal(const std::vector<std::string>& fields) {
    std::vector<iovec> iov;
    iov.reserve(fields.size());
    for (const std::string& field : fields) {
        iov.push_back(iovec{const_cast<char*>(field.data()), field.size()});
    }
    return sd_journal_sendv(iov.data(), static_cast<int>(iov.size()));
}

}  // namespace

const std::vector<std::string>& structuredLogFields() {
    static const std::vector<std::string> kFields = {
        "mailbox", "device", "room", "tenant", "error_code", "request_id", "path", "signal",
    };
    return kFields;
}

int syslogPriority(Poco::Message::Priority priority) {
    switch (priority) {
        case Poco::Message::PRIO_FATAL: return 2;        // LOG_CRIT
        case Poco::Message::PRIO_CRITICAL: return 2;     // LOG_CRIT
        case Poco::Message::PRIO_ERROR: return 3;        // LOG_ERR
        case Poco::Message::PRIO_WARNING: return 4;      // LOG_WARNING
        case Poco::Message::PRIO_NOTICE: return 5;       // LOG_NOTICE
        case Poco::Message::PRIO_INFORMATION: return 6;  // LOG_INFO
        case Poco::Message::PRIO_DEBUG: return 7;        // LOG_DEBUG
        case Poco::Message::PRIO_TRACE: return 7;        // LOG_DEBUG
    }
    return 6;
}

std::vector<std::string> journalFields(const Poco::Message& message, const std::string& identifier) {
    std::vector<std::string> fields;
    fields.push_back("MESSAGE=" + message.getText());
    fields.push_back("PRIORITY=" + std::to_string(syslogPriority(message.getPriority())));
    fields.push_back("SYSLOG_IDENTIFIER=" + identifier);
    if (!message.getSource().empty()) fields.push_back("CALCONN_LOGGER=" + message.getSource());
    for (const std::string& name : structuredLogFields()) {
        if (message.has(name)) fields.push_back(upper(name) + "=" + message.get(name));
    }
    return fields;
}

JournalChannel::JournalChannel(std::string identifier)
    : JournalChannel(std::move(identifier), sendToJournal) {}

JournalChannel::JournalChannel(std::string identifier, SendFunction send)
    : identifier_(std::move(identifier)), send_(std::move(send)) {}

void JournalChannel::log(const Poco::Message& message) {
    // A full or missing journal must not stop the daemon; nothing useful can be done with the
    // error here (logging it would recurse), so it is dropped on purpose.
    (void)send_(journalFields(message, identifier_));
}

}  // namespace calconn::platform
