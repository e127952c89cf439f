"""Working time: the clock time limits in government work are counted in.

Working hours are 09:00–12:00 and 13:00–18:00, Monday to Friday, Beijing time; a
working day is eight working hours. Public holidays are not modelled.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from connectors.sdk.simulation.clock import BEIJING

PERIODS = ((time(9), time(12)), (time(13), time(18)))
HOURS_PER_DAY = 8


def add_working_hours(start: datetime, hours: float) -> datetime:
    """The moment ``hours`` working hours after ``start``."""
    remaining = timedelta(hours=hours)
    moment = start.astimezone(BEIJING)
    while True:
        for begin, end in _periods_from(moment):
            available = end - max(begin, moment)
            if remaining <= available:
                return (max(begin, moment) + remaining).astimezone(UTC)
            remaining -= available
        moment = _next_morning(moment)


def add_working_days(start: datetime, days: int) -> datetime:
    return add_working_hours(start, days * HOURS_PER_DAY)


def _periods_from(moment: datetime) -> list[tuple[datetime, datetime]]:
    """The rest of today's working periods, from ``moment`` on."""
    if moment.weekday() >= 5:
        return []
    day = moment.date()
    periods = [
        (datetime.combine(day, begin, BEIJING), datetime.combine(day, end, BEIJING))
        for begin, end in PERIODS
    ]
    return [(begin, end) for begin, end in periods if end > moment]


def _next_morning(moment: datetime) -> datetime:
    return datetime.combine(moment.date() + timedelta(days=1), time(0), BEIJING)
