"""The working calendar: deadlines in hours, working hours and working days, holidays and
调休 workdays, and clear errors for a bad file or a year it does not have."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.bus.settings import TimerSettings
from hub.core.paths import CALENDAR_FILE
from hub.events import TimeUnit
from hub.events.payloads import TimeLimit
from hub.stats.measures import within_a_clock_day
from hub.timers.calendar import CalendarError, CalendarExhaustedError, WorkingCalendar
from hub.timers.schedule import Schedule

CALENDAR = WorkingCalendar.load(CALENDAR_FILE)
SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def limit(value: int, unit: TimeUnit) -> TimeLimit:
    return TimeLimit(value=value, unit=unit)


@pytest.mark.parametrize(
    ("start", "time_limit", "expected"),
    [
        # clock hours run through the night
        (local(2026, 11, 27, 17), limit(2, TimeUnit.HOURS), local(2026, 11, 27, 19)),
        # Friday 17:00 + 1 working hour: half an hour, then Monday
        (local(2026, 11, 27, 17), limit(1, TimeUnit.WORKING_HOURS), local(2026, 11, 30, 9)),
        # over the lunch break
        (local(2026, 11, 24, 11, 30), limit(1, TimeUnit.WORKING_HOURS), local(2026, 11, 24, 14)),
        # a report on Saturday night starts on Monday morning
        (local(2026, 11, 28, 22), limit(2, TimeUnit.WORKING_DAYS), local(2026, 12, 1, 17, 30)),
        # 国庆节: 1–7 October off
        (local(2026, 9, 30, 17), limit(1, TimeUnit.WORKING_HOURS), local(2026, 10, 8, 9)),
        # 调休: Saturday 10 October is worked
        (local(2026, 10, 9, 17), limit(1, TimeUnit.WORKING_HOURS), local(2026, 10, 10, 9)),
        # 春节: 15–23 February off, Saturday 14 February worked
        (local(2026, 2, 13, 17), limit(1, TimeUnit.WORKING_DAYS), local(2026, 2, 14, 17)),
        (local(2026, 2, 14, 17), limit(1, TimeUnit.WORKING_DAYS), local(2026, 2, 24, 17)),
    ],
)
def test_deadlines(start: datetime, time_limit: TimeLimit, expected: datetime) -> None:
    found = CALENDAR.deadline(start, time_limit)
    assert found == expected
    assert found.tzinfo == UTC


def test_a_share_of_the_limit_counts_working_time_too() -> None:
    start = local(2026, 11, 27, 16)  # Friday: 1.5 h left that day
    assert CALENDAR.deadline(start, limit(4, TimeUnit.WORKING_HOURS), 0.5) == local(2026, 11, 30, 9)


def test_past_the_last_year_is_an_error_naming_it() -> None:
    with pytest.raises(CalendarExhaustedError, match="2028"):
        CALENDAR.deadline(local(2027, 12, 31, 17), limit(1, TimeUnit.WORKING_DAYS))


def test_a_naive_start_is_refused() -> None:
    naive = datetime(2026, 11, 23, 9)  # noqa: DTZ001 - what is refused
    with pytest.raises(ValueError, match="aware"):
        CALENDAR.deadline(naive, limit(1, TimeUnit.WORKING_HOURS))


VALID: dict[str, Any] = {
    "timezone": "Asia/Shanghai",
    "hours": [["08:30", "12:00"], ["13:30", "17:30"]],
    "weekend": ["saturday", "sunday"],
    "years": {2026: {"holidays": [], "workdays": []}},
}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"timezone": "Mars/Olympus"}, "timezone: unknown zone"),
        ({"hours": [["12:00", "08:30"]]}, r"hours\[0\]: 12:00 is not before 08:30"),
        ({"hours": [["08:30", "12:00"], ["11:00", "17:30"]]}, r"hours\[1\]: overlaps"),
        ({"hours": [["8h", "12:00"]]}, r"hours\[0\]: '8h' is not a time"),
        ({"weekend": ["caturday"]}, "weekend: unknown day names"),
        ({"years": {}}, "years: expected at least one year"),
        ({"years": {2026: {"holidays": ["1 May"]}}}, r"years.2026.holidays: '1 May' is not a date"),
        (
            {"years": {2026: {"holidays": [date(2027, 1, 1)]}}},
            "years.2026.holidays: 2027-01-01 is in another year",
        ),
        (
            {
                "years": {
                    2026: {
                        "holidays": [date(2026, 5, 9)],
                        "workdays": [date(2026, 5, 9)],
                    }
                }
            },
            "both holiday and workday",
        ),
    ],
)
def test_a_bad_calendar_is_refused_saying_where(
    tmp_path: Path, change: dict[str, Any], message: str
) -> None:
    path = tmp_path / "calendar.yaml"
    path.write_text(yaml.safe_dump({**VALID, **change}), encoding="utf-8")
    with pytest.raises(CalendarError, match=message) as raised:
        WorkingCalendar.load(path)
    assert str(path) in str(raised.value)


# -- properties ------------------------------------------------------------------------

starts = st.datetimes(
    min_value=datetime(2026, 1, 1),  # noqa: DTZ001 - hypothesis wants naive bounds
    max_value=datetime(2027, 9, 30),  # noqa: DTZ001
    timezones=st.just(UTC),
)
limits = st.builds(
    TimeLimit, value=st.integers(min_value=1, max_value=40), unit=st.sampled_from(TimeUnit)
)


def working_moment(moment: datetime) -> bool:
    """On a working day, inside or at the edge of a working period."""
    here = moment.astimezone(SHANGHAI)
    return CALENDAR.is_working_day(here.date()) and any(
        begin <= here.time() <= end for begin, end in CALENDAR.periods
    )


@settings(max_examples=300, deadline=None)
@given(start=starts, time_limit=limits)
def test_a_deadline_is_the_limit_later_in_working_time(
    start: datetime, time_limit: TimeLimit
) -> None:
    deadline = CALENDAR.deadline(start, time_limit)
    assert deadline >= start
    if time_limit.unit is TimeUnit.HOURS:
        assert deadline - start == timedelta(hours=time_limit.value)
        return
    per = CALENDAR.day_length if time_limit.unit is TimeUnit.WORKING_DAYS else timedelta(hours=1)
    assert CALENDAR.working_time_between(start, deadline) == per * time_limit.value
    assert working_moment(deadline)  # never on a holiday, a weekend or at night


@settings(max_examples=300, deadline=None)
@given(first=starts, later=st.timedeltas(timedelta(0), timedelta(days=20)), time_limit=limits)
def test_a_later_start_never_has_an_earlier_deadline(
    first: datetime, later: timedelta, time_limit: TimeLimit
) -> None:
    assert CALENDAR.deadline(first, time_limit) <= CALENDAR.deadline(first + later, time_limit)


@settings(max_examples=200, deadline=None)
@given(start=starts, unit=st.sampled_from(TimeUnit), value=st.integers(1, 30))
def test_a_longer_limit_never_ends_sooner(start: datetime, unit: TimeUnit, value: int) -> None:
    assert CALENDAR.deadline(start, limit(value, unit)) <= CALENDAR.deadline(
        start, limit(value + 1, unit)
    )


def test_a_verification_is_timely_until_the_end_of_the_next_working_day() -> None:
    timely = Schedule.load(TimerSettings()).within_a_working_day
    resolved = local(2026, 11, 20, 16)  # a Friday afternoon: 1.5 working hours left
    assert timely(resolved, local(2026, 11, 23, 10))  # Monday morning: 66 clock hours on
    assert timely(resolved, local(2026, 11, 23, 16))  # 7.5 working hours: the last moment
    assert not timely(resolved, local(2026, 11, 23, 16, 1))
    assert not within_a_clock_day(resolved, local(2026, 11, 23, 10))  # what a clock would say
