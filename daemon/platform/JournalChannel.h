// A Poco::Channel that writes each log message to the systemd journal with sd_journal_send:
// MESSAGE, PRIORITY, SYSLOG_IDENTIFIER, the logger name, and the message's structured
// parameters (mailbox, device, error_code, ...) as upper-case fields (MAILBOX=, DEVICE=, ...).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <Poco/Channel.h>
#include <Poco/Message.h>

namespace calconn::platform {

// Parameter names that become journal fields (and key=value suffixes on stderr). Poco 1.11
// cannot enumerate a message's parameters, so the structured vocabulary is this fixed list;
// add a name here when a module starts logging a new kind of context.
const std::vector<std::string>& structuredLogFields();

// syslog priority (0..7) for a Poco priority.
int syslogPriority(Poco::Message::Priority priority);

// The "FIELD=value" strings sent for one message, in a stable order.
std::vector<std::string> journalFields(const Poco::Message& message, const std::string& identifier);

class JournalChannel : public Poco::Channel {
public:
    // Receives the fields of one entry; returns 0 or a negative errno (like sd_journal_sendv).
    using SendFunction = std::function<int(const std::vector<std::string>& fields)>;

    // Sends to the journal through sd_journal_sendv.
    explicit JournalChannel(std::string identifier);
    // Tests inject `send` to see the exact fields.
    JournalChannel(std::string identifier, SendFunction send);

    void log(const Poco::Message& message) override;

protected:
    ~JournalChannel() override = default;  // Poco channels are reference counted

private:
    std::string identifier_;
    SendFunction send_;
};

}  // namespace calconn::platform
