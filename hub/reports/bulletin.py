"""A periodic report (日汇总、周研判、月通报、季分析) of a region, as data: its headline
figures beside the period before, the trend, top categories, hot spots, what is overdue,
the patrols, and (monthly and quarterly) the workers' points."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import cast

from sqlalchemy import Table, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.assessment import Assessment, Assessments, Ranked, combined, rank
from hub.core.codes import RegionLevel
from hub.core.personal import mask_name
from hub.db.bus_models import GridEventRow
from hub.db.types import under
from hub.events import Taxonomy
from hub.patrols import Patrols, PatrolStatus
from hub.registry.service import Registry
from hub.security.keys import ApiKeyStore
from hub.stats import Figures, GroupBy, Period, StatsRequest, report
from hub.stats.overdue import UNRESOLVED
from hub.stats.people import People, people
from hub.stats.periods import CST, next_start, period_start, starts

TOP = 10
EVENTS = cast("Table", GridEventRow.__table__)
TITLES = {
    Period.DAY: "日汇总",
    Period.WEEK: "周研判",
    Period.MONTH: "月通报",
    Period.QUARTER: "季分析",
}


@dataclass(frozen=True, slots=True)
class Ranking:
    name: str
    code: str
    reported: int
    closed: int
    overdue: int


@dataclass(frozen=True, slots=True)
class OverdueEvent:
    id: str
    title: str
    grid: str
    department: str | None
    level: int
    deadline: datetime


@dataclass(frozen=True, slots=True)
class WorkerRow:
    rank: int
    worker: str  # the principal id
    name: str  # a key's name, or a registry worker's, masked
    grids: tuple[str, ...]
    points: float


@dataclass(frozen=True, slots=True)
class Bulletin:
    kind: Period
    scope: str
    scope_name: str
    first: date
    last: date
    generated_at: datetime
    sources: tuple[str, ...]  # the data it was built from
    figures: Figures  # the period's totals
    before: Figures  # the period before's
    trend: tuple[Figures, ...]  # per day (per week in a quarter); empty for a day
    categories: tuple[Ranking, ...]
    hot_spots: tuple[Ranking, ...]
    overdue: tuple[OverdueEvent, ...]
    overdue_total: int
    patrols: dict[str, Counter[str]]  # routine → status → count
    workers: tuple[WorkerRow, ...]

    @property
    def title(self) -> str:
        return f"{self.scope_name}{TITLES[self.kind]}"

    @property
    def period_label(self) -> str:
        if self.kind is Period.DAY:
            return f"{self.first:%Y年%m月%d日}"
        if self.kind is Period.MONTH:
            return f"{self.first:%Y年%m月}"
        if self.kind is Period.QUARTER:
            return f"{self.first.year}年第{(self.first.month - 1) // 3 + 1}季度"
        return f"{self.first:%Y年%m月%d日}至{self.last:%m月%d日}"


@dataclass(frozen=True, slots=True)
class Sources:
    """What a bulletin is built from."""

    registry: Registry
    taxonomy: Taxonomy
    patrols: Patrols
    assessments: Assessments
    keys: ApiKeyStore


async def bulletin(
    connection: AsyncConnection,
    sources: Sources,
    kind: Period,
    scope: str,
    day: date,
    now: datetime,
) -> Bulletin:
    """The ``kind`` report of ``scope`` for the period holding ``day``, as of ``now``."""
    first = period_start(kind, day)
    last = next_start(kind, first) - timedelta(days=1)
    previous = period_start(kind, first - timedelta(days=1))
    totals = await _totals(connection, kind, previous, last, scope, now)
    grids = _grids(sources.registry, scope)

    def one(group_by: GroupBy) -> StatsRequest:
        return StatsRequest(kind, first, first, group_by, (scope,), now)

    overdue, overdue_total = await _overdue(
        connection, scope, min(now, _moment(last + timedelta(1)))
    )
    return Bulletin(
        kind=kind,
        scope=scope,
        scope_name=_name(sources.registry, scope),
        first=first,
        last=last,
        generated_at=now.astimezone(CST),
        sources=_sources(sources),
        figures=totals[-1],
        before=totals[0],
        trend=await _trend(connection, kind, first, last, scope, now),
        categories=await _top(connection, one(GroupBy.CATEGORY), sources),
        hot_spots=await _top(connection, one(GroupBy.GRID), sources),
        overdue=overdue,
        overdue_total=overdue_total,
        patrols=await _patrols(sources.patrols, grids, first, last),
        workers=await _workers(sources, grids, kind, first, last),
    )


def _moment(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=CST)


def _name(registry: Registry, scope: str) -> str:
    region = registry.region(scope)
    return region.name if region else scope


def _grids(registry: Registry, scope: str) -> list[str]:
    codes = registry.snapshot.codes_by_level.get(RegionLevel.GRID, [])
    return [code for code in codes if code.startswith(scope) or scope.startswith(code)]


async def _totals(
    connection: AsyncConnection, kind: Period, first: date, last: date, scope: str, now: datetime
) -> list[Figures]:
    request = StatsRequest(kind, first, last, GroupBy.GRID, (scope,), now)
    return (await report(connection, request)).totals


async def _trend(
    connection: AsyncConnection, kind: Period, first: date, last: date, scope: str, now: datetime
) -> tuple[Figures, ...]:
    step = {Period.WEEK: Period.DAY, Period.MONTH: Period.DAY, Period.QUARTER: Period.WEEK}
    if kind not in step:
        return ()
    request = StatsRequest(step[kind], first, last, GroupBy.GRID, (scope,), now)
    today = now.astimezone(CST).date()
    return tuple(f for f in (await report(connection, request)).totals if first <= f.start <= today)


async def _top(
    connection: AsyncConnection, request: StatsRequest, sources: Sources
) -> tuple[Ranking, ...]:
    group_by = request.group_by
    rows = sorted(
        (await report(connection, request)).rows, key=lambda f: (-f.reported, f.group or "")
    )
    return tuple(
        Ranking(
            _label(sources, group_by, f.group or ""), f.group or "", f.reported, f.closed, f.overdue
        )
        for f in rows[:TOP]
        if f.reported
    )


def _label(sources: Sources, group_by: GroupBy, code: str) -> str:
    if group_by is GroupBy.CATEGORY:
        category = sources.taxonomy.get(code)
        return category.name if category else code
    return _name(sources.registry, code)


async def _overdue(
    connection: AsyncConnection, scope: str, at: datetime
) -> tuple[tuple[OverdueEvent, ...], int]:
    """Unresolved events past their deadline at ``at``: the longest overdue, and how many."""
    events = EVENTS.c
    late = [
        under(events.grid_code, [scope]),
        events.status.in_([s.value for s in UNRESOLVED]),
        events.deadline < at,
        events.reported_at < at,
    ]
    total = await connection.scalar(select(func.count()).where(*late)) or 0
    query = select(EVENTS).where(*late).order_by(events.deadline).limit(TOP * 2)
    rows = (await connection.execute(query)).all()
    found = tuple(
        OverdueEvent(r.id, r.title, r.grid_code, r.lead_department, r.level, r.deadline)
        for r in rows
    )
    return found, int(total)


async def _patrols(
    patrols: Patrols, grids: Sequence[str], first: date, last: date
) -> dict[str, Counter[str]]:
    covered = await patrols.coverage_between(grids, _moment(first), _moment(last + timedelta(1)))
    found: dict[str, Counter[str]] = {r.code.value: Counter() for r in patrols.routines}
    now, end = patrols.clock.now(), _moment(last + timedelta(1))
    for period in covered:
        if period.window.end <= end and period.window.start <= now:  # begun, inside the report
            found[period.window.routine.value][period.status.value] += 1
    for counts in found.values():
        for status in PatrolStatus:
            counts.setdefault(status.value, 0)
    return found


async def _workers(
    sources: Sources, grids: Sequence[str], kind: Period, first: date, last: date
) -> tuple[WorkerRow, ...]:
    """Monthly and quarterly reports rank the workers on the months' points, summed."""
    if kind not in (Period.MONTH, Period.QUARTER) or not grids:
        return ()
    months = [await sources.assessments.month(grids, m) for m in starts(Period.MONTH, first, last)]
    ranked = list(rank(_summed([a for m in months for a in m]), RegionLevel.DISTRICT))
    top = [r for r in ranked if r.rank <= TOP]
    known = await people(
        {r.assessment.worker for r in top}, sources.keys, sources.registry.snapshot
    )
    return tuple(_row(r, known) for r in top)


def _row(ranked: Ranked, known: People) -> WorkerRow:
    worker = ranked.assessment.worker
    person = known.registry_workers.get(worker)
    name = mask_name(person.name) if person else known.key_names.get(worker, worker)
    return WorkerRow(ranked.rank, worker, name, ranked.assessment.grids, ranked.assessment.points)


def _summed(assessments: Sequence[Assessment]) -> list[Assessment]:
    by_worker: dict[str, list[Assessment]] = {}
    for assessment in assessments:
        by_worker.setdefault(assessment.worker, []).append(assessment)
    return [combined(found) for found in by_worker.values()]


def _sources(sources: Sources) -> tuple[str, ...]:
    return (
        "统计汇总 (hub.stats: 按日、周、月、季的网格汇总，随事件台账逐步更新)",
        "事件台账: 超期未办结事件为生成时的状态",
        f"网格台账版本 {sources.registry.revision}",
        "巡查记录 (三查) 与积分规则 (contracts/patrols, contracts/assessment)",
    )
