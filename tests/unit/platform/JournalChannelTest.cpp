#include "platform/JournalChannel.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <Poco/AutoPtr.h>

namespace calconn::platform {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::Not;

TEST(JournalChannel, SendsMessagePriorityIdentifierAndStructuredFields) {
    std::vector<std::vector<std::string>> sent;
    Poco::AutoPtr<JournalChannel> channel(new JournalChannel(
        "calconnd", [&sent](const std::vector<std::string>& fields) {
            sent.push_back(fields);
            return 0;
        }));
    Poco::Message message("calconn.sync", "delta sync failed", Poco::Message::PRIO_WARNING);
    message.set("mailbox", "room-4b@contoso.com");
    message.set("device", "roomos-1");
    message.set("error_code", "throttled");
    channel->log(message);

    ASSERT_EQ(sent.size(), 1u);
    EXPECT_THAT(sent[0], ElementsAre("MESSAGE=delta sync failed", "PRIORITY=4",
                                     "SYSLOG_IDENTIFIER=calconnd", "CALCONN_LOGGER=calconn.sync",
                                     "MAILBOX=room-4b@contoso.com", "DEVICE=roomos-1",
                                     "ERROR_CODE=throttled"));
}

TEST(JournalChannel, LeavesOutFieldsTheMessageDoesNotHave) {
    Poco::Message message("calconn.app", "ready", Poco::Message::PRIO_INFORMATION);
    const auto fields = journalFields(message, "calconnd");
    EXPECT_THAT(fields, Contains("PRIORITY=6"));
    EXPECT_THAT(fields, Not(Contains(::testing::StartsWith("MAILBOX="))));
}

TEST(JournalChannel, IgnoresUnknownParameters) {
    Poco::Message message("calconn.app", "x", Poco::Message::PRIO_INFORMATION);
    message.set("secret", "hunter2");
    const auto fields = journalFields(message, "calconnd");
    for (const std::string& field : fields) EXPECT_EQ(field.find("hunter2"), std::string::npos);
}

TEST(JournalChannel, MapsPocoPrioritiesToSyslog) {
    EXPECT_EQ(syslogPriority(Poco::Message::PRIO_FATAL), 2);
    EXPECT_EQ(syslogPriority(Poco::Message::PRIO_CRITICAL), 2);
    EXPECT_EQ(syslogPriority(Poco::Message::PRIO_ERROR), 3);
    EXPECT_EQ(syslogPriority(Poco::Message::PRIO_WARNING), 4);
    EXPECT_EQ(syslogPriority(Poco::Message::PRIO_NOTICE), 5);
    EXPECT_EQ(syslogPriority(Poco::Message::PRIO_INFORMATION), 6);
    EXPECT_EQ(syslogPriority(Poco::Message::PRIO_DEBUG), 7);
    EXPECT_EQ(syslogPriority(Poco::Message::PRIO_TRACE), 7);
}

}  // namespace
}  // namespace calconn::platform
