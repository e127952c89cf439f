"""The working calendar: working hours, weekends, public holidays and 调休 workdays, read
from ``contracts/calendar/working-calendar.yaml``; and deadlines computed on it.

A WORKING_HOURS limit runs only in working periods; a WORKING_DAYS limit is that many
full working days of working time. Either starts counting at the next working moment,
so a report made on Saturday night starts on Monday morning. HOURS run on the clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from hub.events import TimeUnit
from hub.events.payloads import TimeLimit

ONE_DAY, ONE_HOUR, NO_TIME = timedelta(days=1), timedelta(hours=1), timedelta()
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class CalendarError(ValueError):
    """The calendar file is malformed; the message names the place."""


class CalendarExhaustedError(LookupError):
    """A deadline reaches past the last year the calendar lists."""


@dataclass(frozen=True, slots=True)
class WorkingCalendar:
    zone: ZoneInfo
    periods: tuple[tuple[time, time], ...]
    weekend: frozenset[int]  # date.weekday() numbers
    holidays: frozenset[date]
    workdays: frozenset[date]
    years: frozenset[int]
    # Each day's working periods as moments, once worked out: a deadline walks them.
    _windows: dict[date, tuple[tuple[datetime, datetime], ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    @classmethod
    def load(cls, path: Path) -> WorkingCalendar:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as error:
            raise CalendarError(f"{path}: {error}") from error
        try:
            return cls.parse(data)
        except CalendarError as error:
            raise CalendarError(f"{path}: {error}") from error

    @classmethod
    def parse(cls, data: Any) -> WorkingCalendar:
        if not isinstance(data, dict):
            raise CalendarError("expected a mapping at the top")
        years = data.get("years")
        if not isinstance(years, dict) or not years:
            raise CalendarError("years: expected at least one year")
        holidays: set[date] = set()
        workdays: set[date] = set()
        for year, spec in years.items():
            days_off, days_on = _year(year, spec)
            holidays |= days_off
            workdays |= days_on
        return cls(
            zone=_zone(data.get("timezone")),
            periods=_periods(data.get("hours")),
            weekend=_weekend(data.get("weekend", [])),
            holidays=frozenset(holidays),
            workdays=frozenset(workdays),
            years=frozenset(int(y) for y in years),
        )

    @property
    def day_length(self) -> timedelta:
        return sum((_span(start, end) for start, end in self.periods), timedelta())

    def is_working_day(self, day: date) -> bool:
        if day.year not in self.years:
            raise CalendarExhaustedError(
                f"the working calendar has no year {day.year}; add it to the calendar file"
            )
        if day in self.workdays:
            return True
        return day not in self.holidays and day.weekday() not in self.weekend

    def deadline(self, start: datetime, limit: TimeLimit, share: float = 1.0) -> datetime:
        """When ``share`` of the time limit has run, counted from ``start``."""
        if limit.unit is TimeUnit.HOURS:
            return (start + timedelta(hours=limit.value) * share).astimezone(UTC)
        hours = self.day_length if limit.unit is TimeUnit.WORKING_DAYS else ONE_HOUR
        return self.add_working_time(start, hours * limit.value * share)

    def add_working_time(self, start: datetime, amount: timedelta) -> datetime:
        """The moment ``amount`` of working time after ``start``."""
        if start.tzinfo is None:
            raise ValueError("start must be an aware datetime")
        day, moment, left = start.astimezone(self.zone).date(), start.astimezone(UTC), amount
        while True:
            for opens, closes in self.working_periods(day):
                since = max(opens, moment)
                if since >= closes:
                    continue
                if left <= closes - since:
                    return since + left
                left -= closes - since
            day += ONE_DAY

    def working_time_between(self, start: datetime, end: datetime) -> timedelta:
        """How much working time lies between two moments (for checks and reports)."""
        total = NO_TIME
        day = start.astimezone(self.zone).date()
        while day <= end.astimezone(self.zone).date():
            for opens, closes in self.working_periods(day):
                total += max(min(closes, end) - max(opens, start), NO_TIME)
            day += ONE_DAY
        return total

    def working_periods(self, day: date) -> tuple[tuple[datetime, datetime], ...]:
        """When the day's working periods open and close, in UTC; none on a day off.
        (Aware moments in one zone compare without asking the zone their offsets.)"""
        periods = self._windows.get(day)
        if periods is None:
            periods = self._windows[day] = (
                tuple(
                    (self._moment(day, begin), self._moment(day, end))
                    for begin, end in self.periods
                )
                if self.is_working_day(day)
                else ()
            )
        return periods

    def _moment(self, day: date, clock: time) -> datetime:
        return datetime.combine(day, clock, self.zone).astimezone(UTC)


def _span(start: time, end: time) -> timedelta:
    return datetime.combine(date.min, end) - datetime.combine(date.min, start)


def _zone(name: Any) -> ZoneInfo:
    if not isinstance(name, str):
        raise CalendarError("timezone: expected a name such as Asia/Shanghai")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise CalendarError(f"timezone: unknown zone {name!r}") from error


def _periods(value: Any) -> tuple[tuple[time, time], ...]:
    if not isinstance(value, list) or not value:
        raise CalendarError("hours: expected a list of [start, end] periods")
    periods: list[tuple[time, time]] = []
    for index, period in enumerate(value):
        where = f"hours[{index}]"
        if not isinstance(period, list) or len(period) != 2:
            raise CalendarError(f"{where}: expected [start, end], e.g. ['08:30', '12:00']")
        start, end = (_time(part, where) for part in period)
        if start >= end:
            raise CalendarError(f"{where}: {start:%H:%M} is not before {end:%H:%M}")
        if periods and start < periods[-1][1]:
            raise CalendarError(f"{where}: overlaps or precedes the period before it")
        periods.append((start, end))
    return tuple(periods)


def _time(value: Any, where: str) -> time:
    try:
        return time.fromisoformat(str(value))
    except ValueError as error:
        raise CalendarError(f"{where}: {value!r} is not a time like 08:30") from error


def _weekend(value: Any) -> frozenset[int]:
    if not isinstance(value, list):
        raise CalendarError("weekend: expected a list of day names")
    unknown = [d for d in value if d not in WEEKDAYS]
    if unknown:
        raise CalendarError(f"weekend: unknown day names {unknown}; use {list(WEEKDAYS)}")
    return frozenset(WEEKDAYS.index(d) for d in value)


def _year(year: Any, spec: Any) -> tuple[set[date], set[date]]:
    if not isinstance(year, int):
        raise CalendarError(f"years: {year!r} is not a year")
    if not isinstance(spec, dict):
        raise CalendarError(f"years.{year}: expected holidays and workdays")
    days = {key: _dates(year, key, spec.get(key) or []) for key in ("holidays", "workdays")}
    both = days["holidays"] & days["workdays"]
    if both:
        raise CalendarError(f"years.{year}: both holiday and workday: {sorted(both)}")
    return days["holidays"], days["workdays"]


def _dates(year: int, key: str, value: Any) -> set[date]:
    if not isinstance(value, list):
        raise CalendarError(f"years.{year}.{key}: expected a list of dates")
    found: set[date] = set()
    for item in value:
        if not isinstance(item, date) or isinstance(item, datetime):
            raise CalendarError(f"years.{year}.{key}: {item!r} is not a date (YYYY-MM-DD)")
        if item.year != year:
            raise CalendarError(f"years.{year}.{key}: {item} is in another year")
        found.add(item)
    return found
