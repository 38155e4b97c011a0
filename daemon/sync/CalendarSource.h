// The sync engine's port to Graph: a calendarView delta round with a per-page callback, and
// single-event reads for series masters. GraphCalendarSource adapts graph::GraphClient; tests
// may substitute a fake.
#pragma once

#include <functional>
#include <string>

#include "common/Result.h"
#include "graph/GraphClient.h"
#include "graph/GraphTypes.h"

namespace calconn::sync {

class CalendarSource {
public:
    using PageHandler = std::function<common::Status(const graph::DeltaPage& page)>;
    virtual ~CalendarSource() = default;
    // Runs one round to its deltaLink and returns it; errors as graph::toError makes them.
    virtual common::Result<std::string> deltaRound(const graph::DeltaRoundRequest& request,
                                                   const PageHandler& on_page) = 0;
    virtual common::Result<graph::Event> getEvent(const std::string& mailbox,
                                                  const std::string& event_id) = 0;
};

class GraphCalendarSource final : public CalendarSource {
public:
    explicit GraphCalendarSource(graph::GraphClient& client) : client_(client) {}
    common::Result<std::string> deltaRound(const graph::DeltaRoundRequest& request,
                                           const PageHandler& on_page) override {
        auto result = client_.deltaRound(request, on_page);
        if (!result) return result.error();
        return std::move(result->delta_link);
    }
    common::Result<graph::Event> getEvent(const std::string& mailbox,
                                          const std::string& event_id) override {
        return client_.getSeriesMaster(mailbox, event_id);
    }

private:
    graph::GraphClient& client_;
};

}  // namespace calconn::sync
