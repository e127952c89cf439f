"""Rollup cells and the change a batch of events makes to them.

A cell is (period, dimension, period start, grid, key): the grid is always in the key,
so a region's figures are a prefix range of grid codes and a grid worker's are their
own grids; the dimension is ALL (key ""), CATEGORY (the category code) or DEPARTMENT
(the lead department, "" until routed). Every period is kept — DAY, WEEK, MONTH,
QUARTER — so a report reads one cell per (period, grid, key) instead of summing days.

A ``Delta`` adds events' contributions a day at a time first (per grid, category and
department), then spreads each day over the three dimensions, and rolls the DAY cells
up into weeks and months and the months into quarters, so a batch does the spreading
once per day it touches, not once per event.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from enum import StrEnum
from operator import add
from typing import TypeVar

from hub.stats.facts import EventFacts
from hub.stats.measures import Measure, Timely, WorkerMeasure, flows, worker_flows
from hub.stats.periods import Period, local_day, period_start


class Dimension(StrEnum):
    ALL = "ALL"
    CATEGORY = "CATEGORY"
    DEPARTMENT = "DEPARTMENT"


StatsKey = tuple[Period, Dimension, date, str, str]  # period, dimension, start, grid, key
WorkerKey = tuple[Period, date, str, str]  # period, start, grid, worker
K = TypeVar("K")


class Tally:
    """Counters by position, and the handling-time histogram (bucket → count)."""

    __slots__ = ("buckets", "values")

    def __init__(
        self, size: int, values: Iterable[int] = (), buckets: dict[int, int] | None = None
    ) -> None:
        self.values = list(values) or [0] * size
        self.buckets = buckets if buckets is not None else {}

    def add(self, counters: dict[int, int], bucket: int | None, sign: int) -> None:
        for index, value in counters.items():
            self.values[index] += sign * value
        if bucket is not None:
            self.buckets[bucket] = self.buckets.get(bucket, 0) + sign

    def merge(self, other: Tally) -> None:
        self.values = list(map(add, self.values, other.values))
        buckets = self.buckets
        for bucket, count in other.buckets.items():
            buckets[bucket] = buckets.get(bucket, 0) + count

    def copy(self) -> Tally:
        return Tally(len(self.values), list(self.values), dict(self.buckets))

    def prune(self) -> Tally:
        """Without empty buckets; the same tally."""
        self.buckets = {b: c for b, c in self.buckets.items() if c}
        return self

    @property
    def zero(self) -> bool:
        return not any(self.values) and not any(self.buckets.values())


class Delta:
    def __init__(self, timely: Timely, time_scale: float = 1.0) -> None:
        self.timely = timely  # of a verification after its resolution
        self.time_scale = time_scale  # hub-clock seconds a wall-clock second
        self._days: dict[tuple[date, str, str, str], Tally] = {}
        self._worker_days: dict[tuple[date, str, str], Tally] = {}

    def add(self, facts: EventFacts | None, sign: int) -> None:
        """Add (sign 1) or take away (sign -1) everything the facts contribute."""
        if facts is None:
            return
        size = len(Measure)
        for at, counters, bucket in flows(facts, self.time_scale):
            key = (local_day(at), facts.grid, facts.category, facts.department)
            _tally(self._days, key, size).add(counters, bucket, sign)
        size = len(WorkerMeasure)
        for at, worker, counters in worker_flows(facts, self.timely, self.time_scale):
            worker_key = (local_day(at), facts.grid, worker)
            _tally(self._worker_days, worker_key, size).add(counters, None, sign)

    def change(self, before: EventFacts | None, after: EventFacts) -> None:
        self.add(before, -1)
        self.add(after, 1)

    def cells(self) -> dict[StatsKey, Tally]:
        """Days into DAY cells, those into WEEK and MONTH cells, months into QUARTERs."""
        days: dict[StatsKey, Tally] = {}
        for (day, grid, category, department), tally in self._days.items():
            if tally.prune().zero:
                continue
            _add_into(days, (Period.DAY, Dimension.ALL, day, grid, ""), tally)
            _add_into(days, (Period.DAY, Dimension.CATEGORY, day, grid, category), tally)
            _add_into(days, (Period.DAY, Dimension.DEPARTMENT, day, grid, department), tally)
        cells, months = dict(days), dict[StatsKey, Tally]()
        for (_, dimension, day, grid, key), tally in days.items():
            week = period_start(Period.WEEK, day)
            _add_into(cells, (Period.WEEK, dimension, week, grid, key), tally)
            month = period_start(Period.MONTH, day)
            _add_into(months, (Period.MONTH, dimension, month, grid, key), tally)
        cells.update(months)
        for (_, dimension, month, grid, key), tally in months.items():
            quarter = period_start(Period.QUARTER, month)
            _add_into(cells, (Period.QUARTER, dimension, quarter, grid, key), tally)
        return _changed(cells)

    def worker_cells(self) -> dict[WorkerKey, Tally]:
        cells: dict[WorkerKey, Tally] = defaultdict(lambda: Tally(len(WorkerMeasure)))
        for (day, grid, worker), tally in self._worker_days.items():
            if tally.zero:
                continue
            for period in Period:
                cells[period, period_start(period, day), grid, worker].merge(tally)
        return _changed(cells)


def _add_into(cells: dict[StatsKey, Tally], key: StatsKey, tally: Tally) -> None:
    found = cells.get(key)
    if found is None:
        cells[key] = tally.copy()
    else:
        found.merge(tally)


def _changed(cells: dict[K, Tally]) -> dict[K, Tally]:
    """Without the cells whose changes cancel out (an event moved within them)."""
    return {key: tally for key, tally in cells.items() if not tally.prune().zero}


def _tally(tallies: dict[K, Tally], key: K, size: int) -> Tally:
    found = tallies.get(key)
    if found is None:
        found = tallies[key] = Tally(size)
    return found
