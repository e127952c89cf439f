"""Reports from the rollups: per period and group, counts, rates and handling times.

Flows (reported, closed, merged, escalations, verifications, ratings) are read from
the cells of the asked period. ``open`` is a stock, the events open at the end of
each period: the flows before the first period (read from the coarsest cells that
fit: quarters, then months, then days) plus a running sum. A row is given for every
period and group with a flow in the period or events still open at its end; the
totals give every period once, all groups together.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, and_, or_
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.stats import store
from hub.stats.histogram import quantile
from hub.stats.measures import Measure
from hub.stats.periods import Period, next_start, period_start, starts
from hub.stats.rollup import Dimension, Tally

HOUR = 3600.0


class GroupBy(StrEnum):
    GRID = "GRID"
    DEPARTMENT = "DEPARTMENT"
    CATEGORY = "CATEGORY"

    @property
    def dimension(self) -> Dimension:
        return Dimension.ALL if self is GroupBy.GRID else Dimension(self.value)

    @property
    def column(self) -> str:
        return "grid_code" if self is GroupBy.GRID else "key"


@dataclass(frozen=True, slots=True)
class StatsRequest:
    period: Period
    first: date
    last: date
    group_by: GroupBy
    within: tuple[str, ...]  # region codes whose grids count (the scope, cut to what one may see)


@dataclass(frozen=True, slots=True)
class Figures:
    start: date
    end: date  # the period's last day
    group: str | None  # None in the totals
    reported: int
    closed: int
    merged: int
    open: int
    closed_with_deadline: int
    on_time_rate: float | None
    mean_handling_hours: float | None
    p90_handling_hours: float | None
    escalations: int
    verifications: int
    verification_pass_rate: float | None
    ratings: int
    mean_satisfaction: float | None
    in_grid_share: float | None

    @classmethod
    def of(cls, start: date, end: date, group: str | None, tally: Tally, open_: int) -> Figures:
        v = tally.values
        closed = v[Measure.CLOSED]
        p90 = quantile(tally.buckets, 0.9)
        return cls(
            start=start,
            end=end,
            group=group,
            reported=v[Measure.REPORTED],
            closed=closed,
            merged=v[Measure.MERGED],
            open=open_,
            closed_with_deadline=v[Measure.CLOSED_DUE],
            on_time_rate=ratio(v[Measure.CLOSED_ON_TIME], v[Measure.CLOSED_DUE]),
            mean_handling_hours=ratio(v[Measure.HANDLING_SECONDS], closed * HOUR),
            p90_handling_hours=p90 / HOUR if p90 is not None else None,
            escalations=v[Measure.ESCALATIONS],
            verifications=v[Measure.VERIFIED],
            verification_pass_rate=ratio(v[Measure.VERIFIED_PASSED], v[Measure.VERIFIED]),
            ratings=v[Measure.RATED],
            mean_satisfaction=ratio(v[Measure.RATING_SUM], v[Measure.RATED]),
            in_grid_share=ratio(v[Measure.CLOSED_IN_GRID], closed),
        )


@dataclass(frozen=True, slots=True)
class StatsReport:
    request: StatsRequest
    starts: list[date]
    rows: list[Figures]
    totals: list[Figures]


def ratio(part: float, whole: float) -> float | None:
    return part / whole if whole else None


def visible_within(scope: str, roots: Iterable[str] | None) -> tuple[str, ...]:
    """The part of ``scope`` one may see: all of it, or the grid subtrees inside it
    (a root below the scope), or the scope itself when a root holds it."""
    if roots is None:
        return (scope,)
    found = {scope if scope.startswith(root) else root for root in roots}
    return tuple(sorted(code for code in found if code.startswith(scope)))


def last_day(period: Period, start: date) -> date:
    return next_start(period, start) - timedelta(days=1)


async def report(connection: AsyncConnection, request: StatsRequest) -> StatsReport:
    periods = starts(request.period, request.first, request.last)
    layout = store.STATS
    column = layout.table.c
    if not request.within:
        return StatsReport(request, periods, [], [_empty(request, p) for p in periods])
    common = [column.dimension == request.group_by.dimension, layout.within(request.within)]
    in_range = store.starting_between(layout, periods[0], periods[-1])
    cells = await store.cells_between(
        connection, layout, [column.period == request.period, in_range, *common]
    )
    opening = await store.sums_by(
        connection,
        layout,
        request.group_by.column,
        ("reported", "closed", "merged"),
        [_before(periods[0]), *common],
    )
    return _assemble(request, periods, cells, {g: r - c - m for g, (r, c, m) in opening.items()})


def _before(day: date) -> ColumnElement[bool]:
    """Cells that together cover every day before ``day``, each day once."""
    column = store.STATS.table.c
    quarter, month = period_start(Period.QUARTER, day), period_start(Period.MONTH, day)
    return or_(
        and_(column.period == Period.QUARTER, column.start < quarter),
        and_(column.period == Period.MONTH, column.start >= quarter, column.start < month),
        and_(column.period == Period.DAY, column.start >= month, column.start < day),
    )


def _assemble(
    request: StatsRequest, periods: list[date], cells: list[Any], opening: dict[str, int]
) -> StatsReport:
    layout = store.STATS
    by_group: dict[str, dict[date, Tally]] = defaultdict(dict)
    totals: dict[date, Tally] = {p: Tally(len(Measure)) for p in periods}
    for row in cells:
        tally = layout.tally_of(row)
        group = getattr(row, request.group_by.column)
        found = by_group[group].get(row.start)
        if found is None:
            by_group[group][row.start] = tally
        else:
            found.merge(tally)
        totals[row.start].merge(tally)
    rows: list[Figures] = []
    for group in sorted(by_group.keys() | {g for g, n in opening.items() if n}):
        rows += _running(request.period, periods, group, by_group.get(group, {}), opening)
    total_rows = _running(request.period, periods, None, totals, opening, every=True)
    rows.sort(key=lambda f: f.start)
    return StatsReport(request, periods, rows, total_rows)


def _running(
    period: Period,
    periods: list[date],
    group: str | None,
    tallies: dict[date, Tally],
    opening: dict[str, int],
    *,
    every: bool = False,
) -> list[Figures]:
    open_ = opening.get(group, 0) if group is not None else sum(opening.values())
    found = []
    for start in periods:
        tally = tallies.get(start)
        if tally is not None:
            v = tally.values
            open_ += v[Measure.REPORTED] - v[Measure.CLOSED] - v[Measure.MERGED]
        if tally is not None or open_ or every:
            tally = tally or Tally(len(Measure))
            found.append(Figures.of(start, last_day(period, start), group, tally, open_))
    return found


def _empty(request: StatsRequest, start: date) -> Figures:
    return Figures.of(start, last_day(request.period, start), None, Tally(len(Measure)), 0)
