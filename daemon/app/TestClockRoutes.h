// The settable clock of `calconnd --test-clock` on the control socket, so end-to-end tests and
// the demo can move reminders and presence through time without waiting:
//   GET  /v1/test/clock   {"now": "2026-03-02T09:55:00Z"}
//   POST /v1/test/clock   {"now": "..."} sets it, {"advance_seconds": N} moves it forward
// Registered only when calconnd runs with --test-clock.
#pragma once

#include <functional>

#include "api/Router.h"
#include "common/Clock.h"

namespace calconn::app {

// `moved` runs after each successful set (the REST API sends reminders due at the new time
// before the answer goes out, so a test knows they were sent).
void addTestClockRoutes(api::Router& router, common::FakeClock& clock,
                        std::function<void()> moved = {});

}  // namespace calconn::app
