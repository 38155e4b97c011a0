#include "core/Meeting.h"

namespace calconn::core {

bool countsAsInstance(const Meeting& meeting) { return meeting.type != MeetingType::SeriesMaster; }

// calendarView semantics: an event is listed when it ends after the window starts and starts
// before the window ends. A zero-length event exactly at `from` is listed too.
bool overlaps(const Meeting& meeting, UtcSeconds from, UtcSeconds to) {
    if (meeting.start >= to) return false;
    return meeting.end > from || (meeting.end == meeting.start && meeting.start >= from);
}

}  // namespace calconn::core
