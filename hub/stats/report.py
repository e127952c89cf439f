"""Reports from the rollups: per period and group, counts, rates and handling times.

Flows (reported, closed, merged, escalations, verifications, ratings) are read from
the cells of the asked period. ``open`` is a stock, the events open at the end of
each period: the flows before the first period (read from the coarsest cells that
fit: quarters, then months, then days) plus a running sum. A row is given for every
period and group with a flow in the period or events still open at its end; the
totals give every period once, all groups together.

``overdue`` is the other stock: events not yet resolved whose deadline had passed by
the end of the period (or by now, for a period not over). It is read from the ledger
as it stands, so a period's figure settles when its late events are done (they then
count as late closures in the period that closes them). The on-time rate counts
them: closures resolved by their deadline ÷ (closures with a deadline + overdue).
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from itertools import accumulate
from typing import Any

from sqlalchemy import ColumnElement, and_, or_
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.stats import store
from hub.stats.histogram import quantile
from hub.stats.measures import Measure
from hub.stats.overdue import overdue_events
from hub.stats.periods import CST, Period, next_start, period_start, starts
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
    now: datetime  # the moment of asking: overdue counts deadlines passed by then, no later


@dataclass(frozen=True, slots=True)
class Figures:
    start: date
    end: date  # the period's last day
    group: str | None  # None in the totals
    reported: int
    closed: int
    merged: int
    open: int
    overdue: int
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
    def of(
        cls, start: date, end: date, group: str | None, tally: Tally, open_: int, overdue: int
    ) -> Figures:
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
            overdue=overdue,
            closed_with_deadline=v[Measure.CLOSED_DUE],
            on_time_rate=ratio(v[Measure.CLOSED_ON_TIME], v[Measure.CLOSED_DUE] + overdue),
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
    late = await _overdue(connection, request, periods)
    opening_stock = {g: r - c - m for g, (r, c, m) in opening.items()}
    return _assemble(request, periods, cells, opening_stock, late)


Overdue = dict[str | None, list[int]]  # per group (None: all), a count per period


async def _overdue(
    connection: AsyncConnection, request: StatsRequest, periods: list[date]
) -> Overdue:
    """Per group and period, the events open past their deadline at the period's end."""
    ends = [min(_moment(next_start(request.period, p)), request.now) for p in periods]
    # An event is overdue at the end of every period from the first that ends past both
    # its deadline and its report on: counted where that run starts, then summed along.
    starting: Overdue = defaultdict(lambda: [0] * len(periods))
    late = await overdue_events(connection, request.within, request.group_by, ends[-1])
    for group, deadline, reported_at in late:
        first = bisect_right(ends, max(deadline, reported_at))
        if first < len(periods):
            starting[group][first] += 1
            starting[None][first] += 1
    found: Overdue = defaultdict(lambda: [0] * len(periods))
    found.update({group: list(accumulate(counts)) for group, counts in starting.items()})
    return found


def _moment(day: date) -> datetime:
    """The start of a CST day, as a moment."""
    return datetime.combine(day, time(), tzinfo=CST)


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
    request: StatsRequest,
    periods: list[date],
    cells: list[Any],
    opening: dict[str, int],
    overdue: Overdue,
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
    stocks = _Stocks(opening, overdue)
    for group in sorted(by_group.keys() | {g for g, n in opening.items() if n}):
        rows += _running(request.period, periods, group, by_group.get(group, {}), stocks)
    total_rows = _running(request.period, periods, None, totals, stocks, every=True)
    rows.sort(key=lambda f: f.start)
    return StatsReport(request, periods, rows, total_rows)


@dataclass(frozen=True, slots=True)
class _Stocks:
    opening: dict[str, int]  # open before the first period, per group
    overdue: Overdue

    def open_before(self, group: str | None) -> int:
        return self.opening.get(group, 0) if group is not None else sum(self.opening.values())

    def overdue_at(self, group: str | None, index: int) -> int:
        counts = self.overdue.get(group)
        return counts[index] if counts else 0


def _running(
    period: Period,
    periods: list[date],
    group: str | None,
    tallies: dict[date, Tally],
    stocks: _Stocks,
    *,
    every: bool = False,
) -> list[Figures]:
    open_ = stocks.open_before(group)
    found = []
    for index, start in enumerate(periods):
        tally = tallies.get(start)
        if tally is not None:
            v = tally.values
            open_ += v[Measure.REPORTED] - v[Measure.CLOSED] - v[Measure.MERGED]
        if tally is not None or open_ or every:
            tally = tally or Tally(len(Measure))
            late = stocks.overdue_at(group, index)
            found.append(Figures.of(start, last_day(period, start), group, tally, open_, late))
    return found


def _empty(request: StatsRequest, start: date) -> Figures:
    return Figures.of(start, last_day(request.period, start), None, Tally(len(Measure)), 0, 0)
