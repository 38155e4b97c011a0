#include "app/SettingsHolder.h"

namespace calconn::app {

std::shared_ptr<const settings::Settings> SettingsHolder::get() const {
    std::lock_guard lock(mutex_);
    return current_;
}

void SettingsHolder::set(std::shared_ptr<const settings::Settings> next) {
    std::lock_guard lock(mutex_);
    current_ = std::move(next);
}

}  // namespace calconn::app
