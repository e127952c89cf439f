"""What a month's points count, per worker, from the statistics (reports, verifications,
the ratings of what they reported) and the patrols: the counts each rule's source names."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time

from sqlalchemy.ext.asyncio import AsyncConnection

from hub.assessment.rules import Source
from hub.patrols import Coverage, Patrol, Patrols, PatrolStatus
from hub.stats import Period, worker_report
from hub.stats.people import registry_worker_id
from hub.stats.periods import CST, next_start

HOUR = 3600


@dataclass
class WorkerMonth:
    grids: set[str] = field(default_factory=set)
    counts: defaultdict[Source, float] = field(default_factory=lambda: defaultdict(float))


Months = defaultdict[str, WorkerMonth]


async def month_counts(
    connection: AsyncConnection, patrols: Patrols, month: date, grids: Sequence[str]
) -> dict[str, WorkerMonth]:
    """Each worker's counts in ``month`` (its first day) over ``grids``."""
    found: Months = defaultdict(WorkerMonth)
    last = next_start(Period.MONTH, month)
    await _reports_and_checks(connection, month, tuple(grids), found)
    since, until = _moment(month), _moment(last)
    covered = await patrols.coverage_between(grids, since, until)
    _kept_routines(covered, patrols, found)
    _hours(covered, found)
    return dict(found)


def _moment(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=CST)


async def _reports_and_checks(
    connection: AsyncConnection, month: date, grids: tuple[str, ...], found: Months
) -> None:
    for figures in await worker_report(connection, Period.MONTH, month, month, grids):
        worker = found[figures.worker]
        worker.grids.update(figures.grids)
        counted = {
            Source.VALID_REPORTS: figures.valid_reports,
            Source.DUPLICATE_REPORTS: figures.duplicate_reports,
            Source.INVALID_REPORTS: figures.invalid_reports,
            Source.VERIFICATIONS_IN_TIME: figures.verifications_in_time,
            Source.VERIFICATIONS_LATE: figures.verifications - figures.verifications_in_time,
            Source.GOOD_RATINGS: figures.good_ratings,
            Source.POOR_RATINGS: figures.poor_ratings,
        }
        for source, count in counted.items():
            worker.counts[source] += count


def _kept_routines(covered: Iterable[Coverage], patrols: Patrols, found: Months) -> None:
    """A kept routine is credited to whoever ended the period's first patrol; a missed
    one is charged to the workers planned for the grid."""
    kept = {PatrolStatus.DONE: Source.PATROLS_DONE, PatrolStatus.LATE: Source.PATROLS_LATE}
    for period in covered:
        if period.status in kept:
            first = min((p for p in period.patrols if p.ended_at), key=_ended_at)
            found[first.worker].counts[kept[period.status]] += 1
            found[first.worker].grids.add(period.plan.grid)
        elif period.status is PatrolStatus.MISSED:
            for worker in _planned(patrols, period.plan.grid, period.plan.workers):
                found[worker].counts[Source.PATROLS_MISSED] += 1
                found[worker].grids.add(period.plan.grid)


def _ended_at(patrol: Patrol) -> datetime:
    assert patrol.ended_at is not None  # the caller kept only ended patrols
    return patrol.ended_at


def _planned(patrols: Patrols, grid: str, named: tuple[str, ...]) -> tuple[str, ...]:
    """The plan's workers, or else the registry's workers of the grid."""
    if named:
        return named
    workers = patrols.registry.snapshot.workers.get(grid, [])
    return tuple(registry_worker_id(grid, index) for index in range(len(workers)))


def _hours(covered: Iterable[Coverage], found: Months) -> None:
    for patrol in {p.id: p for period in covered for p in period.patrols}.values():
        if patrol.ended_at is not None:
            hours = (patrol.ended_at - patrol.started_at).total_seconds() / HOUR
            found[patrol.worker].counts[Source.PATROL_HOURS] += round(hours, 2)
