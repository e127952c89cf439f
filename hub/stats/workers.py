"""Grid-worker performance (网格员考核): reports made, how many were real cases, and how
soon verifications followed the resolution they checked — per period and worker."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncConnection

from hub.stats import store
from hub.stats.measures import WorkerMeasure
from hub.stats.periods import Period, starts
from hub.stats.report import HOUR, last_day, ratio
from hub.stats.rollup import Tally


@dataclass(frozen=True, slots=True)
class WorkerFigures:
    start: date
    end: date
    worker: str  # the principal id the steps carried as their actor
    grids: tuple[str, ...]  # where the figures come from
    reports: int
    valid_reports: int
    duplicate_reports: int
    invalid_reports: int
    valid_rate: float | None  # valid / reports; reports not yet routed count as not valid
    verifications: int
    verifications_in_time: int
    timely_rate: float | None  # of the verifications whose resolution is known
    mean_verification_hours: float | None
    good_ratings: int  # ratings of 4–5 of the events they reported
    poor_ratings: int  # ratings of 1–2

    @classmethod
    def of(
        cls, start: date, end: date, worker: str, grids: tuple[str, ...], tally: Tally
    ) -> WorkerFigures:
        v = tally.values
        timed = v[WorkerMeasure.VERIFICATIONS_TIMED]
        return cls(
            start=start,
            end=end,
            worker=worker,
            grids=grids,
            reports=v[WorkerMeasure.REPORTS],
            valid_reports=v[WorkerMeasure.VALID],
            duplicate_reports=v[WorkerMeasure.DUPLICATES],
            invalid_reports=v[WorkerMeasure.INVALID],
            valid_rate=ratio(v[WorkerMeasure.VALID], v[WorkerMeasure.REPORTS]),
            verifications=v[WorkerMeasure.VERIFICATIONS],
            verifications_in_time=v[WorkerMeasure.VERIFIED_IN_TIME],
            timely_rate=ratio(v[WorkerMeasure.VERIFIED_IN_TIME], timed),
            mean_verification_hours=ratio(v[WorkerMeasure.VERIFICATION_SECONDS], timed * HOUR),
            good_ratings=v[WorkerMeasure.GOOD_RATINGS],
            poor_ratings=v[WorkerMeasure.POOR_RATINGS],
        )


async def worker_report(
    connection: AsyncConnection, period: Period, first: date, last: date, within: tuple[str, ...]
) -> list[WorkerFigures]:
    """Each worker's figures per period, summed over the grids ``within`` covers."""
    periods = starts(period, first, last)
    if not within:
        return []
    layout = store.WORKERS
    column = layout.table.c
    conditions = [
        column.period == period,
        store.starting_between(layout, periods[0], periods[-1]),
        layout.within(within),
    ]
    tallies: dict[tuple[date, str], Tally] = defaultdict(lambda: Tally(len(WorkerMeasure)))
    grids: dict[tuple[date, str], set[str]] = defaultdict(set)
    for row in await store.cells_between(connection, layout, conditions):
        tallies[row.start, row.worker].merge(layout.tally_of(row))
        grids[row.start, row.worker].add(row.grid_code)
    return [
        WorkerFigures.of(start, last_day(period, start), worker, tuple(sorted(grids[key])), tally)
        for key, tally in sorted(tallies.items())
        for start, worker in (key,)
    ]
