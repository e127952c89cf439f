"""The time the hub runs on, injected wherever "now" decides something (deadlines shown,
timers due), so tests move it forward instead of sleeping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """An aware datetime in UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """Stands still until told to move: for tests and replays."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("the clock needs an aware datetime")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, by: timedelta) -> datetime:
        if by < timedelta(0):
            raise ValueError("a clock does not go back")
        self._now += by
        return self._now

    def set(self, to: datetime) -> datetime:
        return self.advance(to.astimezone(UTC) - self._now)


class ScaledClock:
    """Runs ``scale`` times faster than ``base`` from ``anchor`` on: the demo's clock, on
    which a day of patrols passes in minutes. One process's: each has its own anchor."""

    def __init__(self, base: Clock, scale: float, anchor: datetime | None = None) -> None:
        self.base = base
        self.scale = scale
        self.anchor = anchor or base.now()

    def now(self) -> datetime:
        return self.anchor + (self.base.now() - self.anchor) * self.scale
