"""When a routed event is due what: its deadline, its warning, each escalation.

Every moment is a share of the event's time limit counted on the working calendar
from the start: the warning at ``warning_share``, the first escalation at the
deadline (share 1), each further one ``escalation_share`` later. ``time_scale``
compresses all of it for a demo.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from hub.bus.settings import TimerSettings
from hub.events import TimeUnit
from hub.events.payloads import TimeLimit
from hub.timers.calendar import CalendarExhaustedError, WorkingCalendar

log = logging.getLogger(__name__)
TOP_LEVEL = 4  # 1 grid, 2 community, 3 street, 4 district
LEVEL_NAMES = {1: "网格", 2: "社区", 3: "街道", 4: "区"}
ONE_WORKING_DAY = TimeLimit(value=1, unit=TimeUnit.WORKING_DAYS)


class Schedule:
    def __init__(self, calendar: WorkingCalendar, settings: TimerSettings) -> None:
        self.calendar = calendar
        self.settings = settings

    @classmethod
    def load(cls, settings: TimerSettings) -> Schedule:
        return cls(WorkingCalendar.load(settings.calendar_file), settings)

    def deadline(self, start: datetime, limit: TimeLimit) -> datetime | None:
        """None only when the calendar does not reach that far (logged: add the year)."""
        try:
            return self._at(start, limit, 1.0)
        except CalendarExhaustedError as error:
            log.error("no deadline", extra={"error": str(error)})
            return None

    def within_a_working_day(self, resolved: datetime, verified: datetime) -> bool:
        """Whether a verification came by the end of the working day after the resolution
        (a grid worker's timeliness, 网格员考核); a clock day past the calendar's end."""
        deadline = self.deadline(resolved, ONE_WORKING_DAY) or resolved + timedelta(days=1)
        return verified <= deadline

    def due(self, start: datetime, limit: TimeLimit, deadline: datetime, stage: int) -> datetime:
        """Stage 0 is the warning; stage n ≥ 1 the n-th escalation, the first at the deadline."""
        if stage == 1:
            return deadline
        if stage == 0:
            return self._at(start, limit, self.settings.warning_share)
        return self._at(start, limit, 1 + (stage - 1) * self.settings.escalation_share)

    def _at(self, start: datetime, limit: TimeLimit, share: float) -> datetime:
        span = self.calendar.deadline(start, limit, share) - start
        return start + span / self.settings.time_scale
