"""Patrols (三查) in the graph: the grid worker's app starts a patrol, checks in and ends
it (``patrols:patrol``, in the worker's own grids); supervisors read each grid's
coverage (``patrols:read``; a grid-scoped principal's covers their grids only)."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Sequence
from datetime import date, datetime, time
from enum import Enum
from typing import Annotated

import strawberry

from hub.core.codes import InvalidCodeError, RegionLevel, level_of
from hub.core.errors import BadUserInputError
from hub.patrols import CheckIn, Coverage, Miss, Patrol, Patrols, PatrolStatus, RoutineCode
from hub.stats.people import People, people
from hub.stats.periods import CST
from schema.context import Info
from schema.people import GridWorker
from schema.security import grid_scope
from schema.steps import actor_of, taken

PATROL = [["patrols:patrol"]]
MISS_POLL_SECONDS = 5.0  # misses come at most a few a day per grid
READ = [["patrols:read"]]


class PatrolRoutine(Enum):
    DAILY = RoutineCode.DAILY
    WEEKLY = RoutineCode.WEEKLY
    MONTHLY = RoutineCode.MONTHLY


strawberry.enum(
    PatrolRoutine, description="三查: 每日一巡 (DAILY), 每周一排查 (WEEKLY), 每月一检查 (MONTHLY)."
)


class PatrolCoverageStatus(Enum):
    DONE = PatrolStatus.DONE
    LATE = PatrolStatus.LATE
    MISSED = PatrolStatus.MISSED
    DUE = PatrolStatus.DUE


strawberry.enum(
    PatrolCoverageStatus,
    description="DONE: a patrol ended by the time it was due; LATE: after, inside the "
    "period; MISSED: the period ended without one; DUE: the period runs, none ended yet.",
)


@strawberry.type(description="打卡: where and when a patrolling worker was.")
class PatrolCheckIn:
    at: datetime
    lat: float
    lon: float
    micro_grid: str | None = strawberry.field(description="The micro-grid it lies in.")

    @classmethod
    def of(cls, check_in: CheckIn) -> PatrolCheckIn:
        return cls(
            at=check_in.at, lat=check_in.lat, lon=check_in.lon, micro_grid=check_in.micro_grid
        )


@strawberry.type(description="A worker's patrol of one grid for one routine.")
class GridPatrol:
    id: strawberry.ID
    grid: str = strawberry.field(description="The grid's code.")
    routine: PatrolRoutine
    worker: str = strawberry.field(
        description="Who patrols: the principal id (key:<id>, worker:<grid>:<n>, or a token's)."
    )
    key_name: str | None = strawberry.field(
        description="For an API key, the name the key was made out under."
    )
    grid_worker: GridWorker | None = strawberry.field(
        description="For a registry worker, who they are (name and phone masked as on the grid)."
    )
    started_at: datetime
    ended_at: datetime | None
    check_ins: list[PatrolCheckIn]
    events: list[strawberry.ID] = strawberry.field(description="Events reported on it.")

    @classmethod
    def of(cls, patrol: Patrol, known: People) -> GridPatrol:
        person = known.registry_workers.get(patrol.worker)
        return cls(
            id=strawberry.ID(patrol.id),
            grid=patrol.grid,
            routine=PatrolRoutine(RoutineCode(patrol.routine)),
            worker=patrol.worker,
            key_name=known.key_names.get(patrol.worker),
            grid_worker=GridWorker.of(person) if person else None,
            started_at=patrol.started_at,
            ended_at=patrol.ended_at,
            check_ins=[PatrolCheckIn.of(c) for c in patrol.check_ins],
            events=[strawberry.ID(e) for e in patrol.events],
        )


@strawberry.type(description="One grid's routine in one period: due, done, late or missed.")
class PatrolCoverage:
    grid: str
    routine: PatrolRoutine
    period_start: datetime
    period_end: datetime = strawberry.field(description="Exclusive.")
    due: datetime
    status: PatrolCoverageStatus
    patrols: list[GridPatrol]
    unreached: list[str] = strawberry.field(
        description="Micro-grids of the plan no patrol of the period checked in at."
    )

    @classmethod
    def of(cls, found: Coverage, known: People) -> PatrolCoverage:
        window = found.window
        return cls(
            grid=found.plan.grid,
            routine=PatrolRoutine(window.routine),
            period_start=window.start,
            period_end=window.end,
            due=window.due,
            status=PatrolCoverageStatus(found.status),
            patrols=[GridPatrol.of(p, known) for p in found.patrols],
            unreached=list(found.unreached),
        )


@strawberry.type(description="A routine a grid missed in one period, as it was announced.")
class PatrolMiss:
    id: strawberry.ID
    grid: str
    routine: PatrolRoutine
    period_start: datetime
    period_end: datetime
    due: datetime
    found_at: datetime

    @classmethod
    def of(cls, miss: Miss) -> PatrolMiss:
        window = miss.window
        return cls(
            id=strawberry.ID(miss.id),
            grid=miss.grid,
            routine=PatrolRoutine(window.routine),
            period_start=window.start,
            period_end=window.end,
            due=window.due,
            found_at=miss.found_at,
        )


async def _people(info: Info, patrols: Sequence[Patrol]) -> People:
    services = info.context.services
    workers = {p.worker for p in patrols}
    return await people(workers, services.security.keys, services.registry.snapshot)


async def _shown(info: Info, patrol: Patrol) -> GridPatrol:
    return GridPatrol.of(patrol, await _people(info, [patrol]))


def _patrols(info: Info) -> Patrols:
    return info.context.services.patrols


def grids_under(info: Info, region: str) -> list[str]:
    """The grids under ``region`` (any level) the principal may see."""
    try:
        level = level_of(region)
    except InvalidCodeError as error:
        raise BadUserInputError(str(error), argument="region") from error
    scope = grid_scope(info)
    if level is RegionLevel.MICRO_GRID:
        region = region[: RegionLevel.GRID.code_length]
    grids = {grid for grid, _ in _patrols(info).plans() if grid.startswith(region)}
    return sorted(g for g in grids if scope.contains(g))


@strawberry.type
class PatrolQuery:
    @strawberry.federation.field(
        name="patrolCoverage",
        requires_scopes=READ,
        description="Each grid under a region, per routine: its period holding `date` (today "
        "if absent), whether the patrol was done, late, missed or is still due, and which "
        "micro-grids no patrol reached.",
    )
    async def patrol_coverage(
        self,
        info: Info,
        region: Annotated[str, strawberry.argument(description="A region code, any level.")],
        routine: PatrolRoutine | None = None,
        date: date | None = None,
    ) -> list[PatrolCoverage]:
        patrols = _patrols(info)
        moment = datetime.combine(date, time(12), tzinfo=CST) if date else patrols.clock.now()
        routines = [routine.value] if routine else [r.code for r in patrols.routines]
        found = await patrols.coverage(grids_under(info, region), routines, moment)
        known = await _people(info, [p for c in found for p in c.patrols])
        return [PatrolCoverage.of(c, known) for c in found]

    @strawberry.federation.field(requires_scopes=READ, description="One patrol.")
    async def patrol(self, info: Info, id: strawberry.ID) -> GridPatrol:
        return await _shown(
            info, await taken(lambda: _patrols(info).check(str(id), actor_of(info)))
        )


@strawberry.type
class PatrolMutation:
    @strawberry.federation.field(
        name="startPatrol",
        requires_scopes=PATROL,
        description="A worker starts a patrol of one of their grids for a routine.",
    )
    async def start_patrol(self, info: Info, grid: str, routine: PatrolRoutine) -> GridPatrol:
        patrols = _patrols(info)
        return await _shown(info, await patrols.start(grid, routine.value, actor_of(info)))

    @strawberry.federation.field(
        name="checkIn",
        requires_scopes=PATROL,
        description="打卡: the worker is at a point (and time, from the phone); placed in its "
        "micro-grid, refused outside the worker's grids.",
    )
    async def check_in(
        self,
        info: Info,
        patrol_id: strawberry.ID,
        lat: float,
        lon: float,
        at: Annotated[datetime | None, strawberry.argument(description="Now if absent.")] = None,
    ) -> GridPatrol:
        patrols = _patrols(info)
        found = await patrols.check_in(str(patrol_id), lat, lon, at, actor_of(info))
        return await _shown(info, found)

    @strawberry.federation.field(
        name="endPatrol", requires_scopes=PATROL, description="The worker ends the patrol."
    )
    async def end_patrol(self, info: Info, patrol_id: strawberry.ID) -> GridPatrol:
        return await _shown(info, await _patrols(info).end(str(patrol_id), actor_of(info)))


@strawberry.type
class PatrolSubscription:
    @strawberry.federation.field(
        name="patrolMissed",
        is_subscription=True,
        requires_scopes=READ,
        description="Each routine a grid under `region` misses, as it is announced (once, "
        "after its period ends; looked for every few seconds).",
    )
    async def patrol_missed(
        self,
        info: Info,
        region: Annotated[str, strawberry.argument(description="A region code, any level.")],
    ) -> AsyncGenerator[PatrolMiss, None]:
        grids_under(info, region)  # refuses a code that is not one
        patrols = _patrols(info)
        async for miss in patrols.missed(region, grid_scope(info), MISS_POLL_SECONDS):
            yield PatrolMiss.of(miss)
