#include "common/Metrics.h"

#include <gtest/gtest.h>

namespace calconn::common {
namespace {

TEST(Metrics, RendersHelpTypeAndLabelledSamplesSortedByName) {
    MetricsRegistry registry;
    registry.describe("calconn_sync_rounds_total", MetricType::Counter, "Delta rounds run");
    registry.describe("calconn_mailboxes", MetricType::Gauge, "Mailboxes by state");
    registry.add("calconn_sync_rounds_total", {{"result", "ok"}});
    registry.add("calconn_sync_rounds_total", {{"result", "ok"}}, 2);
    registry.set("calconn_mailboxes", {{"state", "active"}}, 7);
    EXPECT_EQ(registry.render(),
              "# HELP calconn_mailboxes Mailboxes by state\n"
              "# TYPE calconn_mailboxes gauge\n"
              "calconn_mailboxes{state=\"active\"} 7\n"
              "# HELP calconn_sync_rounds_total Delta rounds run\n"
              "# TYPE calconn_sync_rounds_total counter\n"
              "calconn_sync_rounds_total{result=\"ok\"} 3\n");
    EXPECT_EQ(registry.value("calconn_sync_rounds_total", {{"result", "ok"}}), 3);
}

TEST(Metrics, EscapesLabelValuesAndFormatsFractions) {
    MetricsRegistry registry;
    registry.set("lag_seconds", {{"who", "a\"b\\c\nd"}}, 0.25);
    EXPECT_NE(registry.render().find("lag_seconds{who=\"a\\\"b\\\\c\\nd\"} 0.25\n"),
              std::string::npos);
}

TEST(Metrics, CollectorsRefreshGaugesAtRenderAndClearDropsStaleLabels) {
    MetricsRegistry registry;
    int calls = 0;
    registry.addCollector([&calls](MetricsRegistry& r) {
        r.clear("calconn_mailboxes");
        r.set("calconn_mailboxes", {{"state", calls++ == 0 ? "pending" : "active"}}, 1);
    });
    EXPECT_NE(registry.render().find("state=\"pending\""), std::string::npos);
    const std::string second = registry.render();
    EXPECT_EQ(second.find("state=\"pending\""), std::string::npos);
    EXPECT_NE(second.find("state=\"active\""), std::string::npos);
}

}  // namespace
}  // namespace calconn::common
