// Control-socket routes of the sync engine, behind calconnctl's mailbox verbs:
//   GET    /v1/mailboxes               list with state, events cached, last sync, last error
//   POST   /v1/mailboxes/{upn}         add a mailbox (synced from now on)
//   DELETE /v1/mailboxes/{upn}         remove a mailbox and its cached meetings
//   POST   /v1/mailboxes/{upn}/resync  full resync of one mailbox
//   POST   /v1/resync                  full resync of every mailbox (as SIGUSR1)
//   GET    /v1/mailboxes/{upn}/meetings  debug dump of the decrypted cache (admins only: the
//                                      socket's file mode guards it like the database)
#pragma once

#include <vector>

#include "api/Router.h"
#include "api/StatusRoute.h"
#include "sync/SyncService.h"

namespace calconn::app {

std::vector<api::MailboxStatusRow> mailboxRows(sync::SyncService& service);

// {"upn": ..., "meetings": [{"id", "type", "series_master_id", "start", "end", "is_all_day",
//  "is_cancelled", "subject", "change_key"}, ...]} ordered by id; times ISO 8601 UTC.
std::string meetingsToJson(const std::string& upn, const std::vector<core::Meeting>& meetings);

// `service` may be null (sync not configured): the routes then answer 503 with a reason.
void addMailboxRoutes(api::Router& router, sync::SyncService* service);

}  // namespace calconn::app
