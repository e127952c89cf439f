"""Periods in China Standard Time: ISO weeks from Monday, calendar quarters."""

from __future__ import annotations

from datetime import UTC, date, datetime
from itertools import pairwise

import pytest

from hub.stats import Period
from hub.stats.periods import count_between, local_day, next_start, period_start, starts


def test_a_day_is_the_local_day_in_china() -> None:
    assert local_day(datetime(2026, 11, 1, 15, 59, tzinfo=UTC)) == date(2026, 11, 1)
    assert local_day(datetime(2026, 11, 1, 16, 0, tzinfo=UTC)) == date(2026, 11, 2)


@pytest.mark.parametrize(
    ("period", "day", "start"),
    [
        (Period.DAY, date(2026, 11, 4), date(2026, 11, 4)),
        (Period.WEEK, date(2026, 11, 8), date(2026, 11, 2)),  # Sunday → its Monday
        (Period.WEEK, date(2026, 11, 2), date(2026, 11, 2)),
        (Period.WEEK, date(2027, 1, 1), date(2026, 12, 28)),  # across the year
        (Period.MONTH, date(2026, 2, 28), date(2026, 2, 1)),
        (Period.QUARTER, date(2026, 3, 31), date(2026, 1, 1)),
        (Period.QUARTER, date(2026, 4, 1), date(2026, 4, 1)),
        (Period.QUARTER, date(2026, 12, 31), date(2026, 10, 1)),
    ],
)
def test_the_period_holding_a_day_starts_on(period: Period, day: date, start: date) -> None:
    assert period_start(period, day) == start
    assert period_start(period, next_start(period, start)) == next_start(period, start)
    assert next_start(period, start) > day


def test_quarters_roll_into_the_next_year() -> None:
    assert next_start(Period.QUARTER, date(2026, 10, 1)) == date(2027, 1, 1)
    assert next_start(Period.MONTH, date(2026, 12, 1)) == date(2027, 1, 1)


@pytest.mark.parametrize("period", list(Period))
@pytest.mark.parametrize(
    ("first", "last"),
    [
        (date(2026, 1, 1), date(2026, 12, 31)),
        (date(2026, 11, 8), date(2026, 11, 9)),
        (date(2025, 12, 30), date(2026, 2, 2)),
    ],
)
def test_starts_cover_the_range_and_count_between_agrees(
    period: Period, first: date, last: date
) -> None:
    found = starts(period, first, last)
    assert found[0] <= first < next_start(period, found[0])
    assert found[-1] <= last < next_start(period, found[-1])
    assert all(next_start(period, a) == b for a, b in pairwise(found))
    assert count_between(period, first, last) == len(found)
