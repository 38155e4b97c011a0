#include "settings/Settings.h"

namespace calconn::settings {

bool Settings::operator==(const Settings& other) const {
    return daemon == other.daemon && microsoft365 == other.microsoft365 && sync == other.sync &&
           mailboxes == other.mailboxes && devices == other.devices && keywords == other.keywords &&
           webex == other.webex && joindetails == other.joindetails &&
           presence == other.presence && api == other.api &&
           kms == other.kms && tls == other.tls && logging == other.logging &&
           detect == other.detect;
}

}  // namespace calconn::settings
