"""Time as a simulator sees it: real by default, fixed for recordings and tests.

Change feeds order records by when they changed, so ``stamp`` never answers the same
instant twice: two changes in one millisecond are a millisecond apart.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

TICK = timedelta(milliseconds=1)


class Clock:
    """The wall clock, in UTC."""

    def __init__(self) -> None:
        self._last: datetime | None = None

    def now(self) -> datetime:
        return datetime.now(UTC)

    def stamp(self) -> datetime:
        """Now, to the millisecond, and later than every earlier stamp."""
        now = self.now()
        now = now.replace(microsecond=now.microsecond // 1000 * 1000)
        if self._last is not None and now <= self._last:
            now = self._last + TICK
        self._last = now
        return now


class ManualClock(Clock):
    """A clock that stands still until moved: recordings and tests read the same times."""

    def __init__(self, start: datetime) -> None:
        super().__init__()
        if start.tzinfo is None:
            raise ValueError("the clock needs a timezone-aware start")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, seconds: float) -> None:
        self._now += timedelta(seconds=seconds)


BEIJING = timezone(timedelta(hours=8), "CST")
"""China Standard Time, in which department systems keep their records."""


def beijing_iso(moment: datetime) -> str:
    """ISO 8601 in Beijing time, to the second: 2026-09-15T08:31:07+08:00."""
    return moment.astimezone(BEIJING).isoformat(timespec="seconds")


def beijing_local(moment: datetime) -> str:
    """Beijing wall-clock time without a zone, as older systems write it: 2026-09-15 08:31:07."""
    return moment.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S")


def fhir_instant(moment: datetime) -> str:
    """A FHIR instant in UTC, to the millisecond: 2026-09-15T00:31:07.120Z."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
