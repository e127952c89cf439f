"""Reporting periods in China Standard Time: days, weeks from Monday, months, quarters.

China has kept UTC+8 without daylight saving since 1991, so a fixed offset is exact
for every date the hub stores, and needs no time-zone database.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from enum import StrEnum
from functools import lru_cache

CST = timezone(timedelta(hours=8), "CST")
QUARTER = re.compile(r"^(\d{4})-?Q([1-4])$", re.IGNORECASE)


class Period(StrEnum):
    DAY = "DAY"  # 日汇总
    WEEK = "WEEK"  # 周分析, Monday to Sunday
    MONTH = "MONTH"  # 月报告
    QUARTER = "QUARTER"  # 季讲评


def local_day(moment: datetime) -> date:
    """The CST calendar day of an aware moment."""
    return moment.astimezone(CST).date()


@lru_cache(maxsize=4096)
def period_start(period: Period, day: date) -> date:
    """The first day of the period that holds ``day``."""
    if period is Period.DAY:
        return day
    if period is Period.WEEK:
        return day - timedelta(days=day.weekday())
    if period is Period.MONTH:
        return day.replace(day=1)
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def next_start(period: Period, start: date) -> date:
    """The first day of the period after the one starting on ``start``."""
    if period is Period.DAY:
        return start + timedelta(days=1)
    if period is Period.WEEK:
        return start + timedelta(days=7)
    months = 1 if period is Period.MONTH else 3
    month = start.month - 1 + months
    return date(start.year + month // 12, month % 12 + 1, 1)


def starts(period: Period, first: date, last: date) -> list[date]:
    """The starts of every period holding a day from ``first`` to ``last``, in order."""
    found, start = [], period_start(period, first)
    while start <= last:
        found.append(start)
        start = next_start(period, start)
    return found


def count_between(period: Period, first: date, last: date) -> int:
    """How many periods ``starts`` would return, without building them."""
    if period is Period.DAY:
        return (last - first).days + 1
    if period is Period.WEEK:
        return (period_start(period, last) - period_start(period, first)).days // 7 + 1
    months = (last.year - first.year) * 12 + last.month - first.month
    if period is Period.MONTH:
        return months + 1
    return (last.year * 4 + (last.month - 1) // 3) - (first.year * 4 + (first.month - 1) // 3) + 1


def named_day(period: Period, text: str) -> date:
    """A day of the period ``text`` names: 2026-12-03 (a day, or any day of a week),
    2026-12 (a month) or 2026-Q4 (a quarter); ValueError for anything else."""
    if period is Period.MONTH:
        return date.fromisoformat(f"{text}-01")
    if period is Period.QUARTER:
        found = QUARTER.match(text)
        if found is None:
            raise ValueError(f"{text!r} is not a quarter")
        return date(int(found[1]), 3 * int(found[2]) - 2, 1)
    return date.fromisoformat(text)
