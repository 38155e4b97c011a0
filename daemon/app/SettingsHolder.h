// The running configuration, swapped whole on reload. Readers take a shared_ptr snapshot and
// keep using it while a reload installs the next one; nobody ever sees a half-applied config.
#pragma once

#include <memory>
#include <mutex>

#include "settings/Settings.h"

namespace calconn::app {

class SettingsHolder {
public:
    explicit SettingsHolder(std::shared_ptr<const settings::Settings> initial)
        : current_(std::move(initial)) {}

    std::shared_ptr<const settings::Settings> get() const;
    void set(std::shared_ptr<const settings::Settings> next);

private:
    mutable std::mutex mutex_;
    std::shared_ptr<const settings::Settings> current_;
};

}  // namespace calconn::app
