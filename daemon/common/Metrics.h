// Process-wide counters and gauges, rendered as Prometheus text for the API's /metrics.
// Modules count where things happen (metrics().add(...)); values that are cheaper to read
// than to track (mailboxes by state) come from collectors run at scrape time.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace calconn::common {

using MetricLabels = std::vector<std::pair<std::string, std::string>>;

enum class MetricType { Counter, Gauge };

class MetricsRegistry {
public:
    using Collector = std::function<void(MetricsRegistry&)>;

    // Declares a family (HELP and TYPE lines). Using an undeclared name declares it untyped
    // as a counter with no help; declaring twice keeps the first.
    void describe(std::string_view name, MetricType type, std::string_view help);
    // Counter += delta for the label set (created at 0).
    void add(std::string_view name, const MetricLabels& labels = {}, double delta = 1);
    // Gauge = value for the label set.
    void set(std::string_view name, const MetricLabels& labels, double value);
    // Drops every sample of the family (a collector calls it before setting fresh gauges, so
    // a label set that vanished, e.g. a removed mailbox, does not linger).
    void clear(std::string_view name);
    // Runs before each render; it must not call render().
    void addCollector(Collector collector);

    // Prometheus text exposition format 0.0.4, families sorted by name.
    std::string render();
    // One sample's value (0 when absent); for tests.
    double value(std::string_view name, const MetricLabels& labels = {}) const;

private:
    struct Family {
        MetricType type = MetricType::Counter;
        std::string help;
        std::map<MetricLabels, double> samples;
    };
    Family& familyLocked(std::string_view name);

    mutable std::mutex mutex_;
    std::map<std::string, Family, std::less<>> families_;
    std::mutex collectors_mutex_;
    std::vector<Collector> collectors_;
};

// The daemon's registry.
MetricsRegistry& metrics();

}  // namespace calconn::common
