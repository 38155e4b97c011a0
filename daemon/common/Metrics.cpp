#include "common/Metrics.h"

#include <cmath>
#include <cstdio>

namespace calconn::common {

namespace {

// Label values escape backslash, double quote and newline; HELP escapes backslash and newline.
std::string escape(std::string_view text, bool quote) {
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '\n') {
            out += "\\n";
        } else if (quote && c == '"') {
            out += "\\\"";
        } else {
            out += c;
        }
    }
    return out;
}

std::string formatValue(double value) {
    if (std::isnan(value)) return "NaN";
    if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
    if (value == std::floor(value) && std::fabs(value) < 1e15) {
        return std::to_string(static_cast<long long>(value));
    }
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.9g", value);
    return buffer;
}

}  // namespace

MetricsRegistry::Family& MetricsRegistry::familyLocked(std::string_view name) {
    auto it = families_.find(name);
    if (it == families_.end()) it = families_.emplace(std::string(name), Family{}).first;
    return it->second;
}

void MetricsRegistry::describe(std::string_view name, MetricType type, std::string_view help) {
    std::lock_guard lock(mutex_);
    auto it = families_.find(name);
    if (it != families_.end() && !it->second.help.empty()) return;
    Family& family = familyLocked(name);
    family.type = type;
    family.help = std::string(help);
}

void MetricsRegistry::add(std::string_view name, const MetricLabels& labels, double delta) {
    std::lock_guard lock(mutex_);
    familyLocked(name).samples[labels] += delta;
}

void MetricsRegistry::set(std::string_view name, const MetricLabels& labels, double value) {
    std::lock_guard lock(mutex_);
    familyLocked(name).samples[labels] = value;
}

void MetricsRegistry::clear(std::string_view name) {
    std::lock_guard lock(mutex_);
    auto it = families_.find(name);
    if (it != families_.end()) it->second.samples.clear();
}

void MetricsRegistry::addCollector(Collector collector) {
    std::lock_guard lock(collectors_mutex_);
    collectors_.push_back(std::move(collector));
}

std::string MetricsRegistry::render() {
    {
        std::lock_guard lock(collectors_mutex_);
        for (const Collector& collector : collectors_) collector(*this);
    }
    std::lock_guard lock(mutex_);
    std::string out;
    for (const auto& [name, family] : families_) {
        if (!family.help.empty()) out += "# HELP " + name + " " + escape(family.help, false) + "\n";
        out += "# TYPE " + name + (family.type == MetricType::Counter ? " counter\n" : " gauge\n");
        for (const auto& [labels, value] : family.samples) {
            out += name;
            if (!labels.empty()) {
                out += '{';
                for (std::size_t i = 0; i < labels.size(); ++i) {
                    if (i) out += ',';
                    out += labels[i].first + "=\"" + escape(labels[i].second, true) + "\"";
                }
                out += '}';
            }
            out += ' ' + formatValue(value) + '\n';
        }
    }
    return out;
}

double MetricsRegistry::value(std::string_view name, const MetricLabels& labels) const {
    std::lock_guard lock(mutex_);
    auto it = families_.find(name);
    if (it == families_.end()) return 0;
    auto sample = it->second.samples.find(labels);
    return sample == it->second.samples.end() ? 0 : sample->second;
}

MetricsRegistry& metrics() {
    static MetricsRegistry registry;
    return registry;
}

}  // namespace calconn::common
