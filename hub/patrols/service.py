"""Patrols (三查): a worker starts a patrol of one of their grids, checks in at points
along it, reports what they find, and ends it; supervisors read each grid's coverage;
a routine a grid missed is announced once, to the command centre and the grid's
workers (a notice on ``dept.command.dispatch``, keyed by the grid)."""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from hub.bus import CloudEvent, Message, Topics, derived_id, enqueue, new_id, stable_id
from hub.core.clock import Clock
from hub.core.errors import (
    BadUserInputError,
    ForbiddenError,
    NotFoundError,
    OutsideGridsError,
)
from hub.db.engine import Database
from hub.events import DispatchType
from hub.events.payloads import NoticeIssued
from hub.events.steps import Actor
from hub.patrols import store
from hub.patrols.coverage import CheckIn, Coverage, Patrol, PatrolStatus, coverage
from hub.patrols.plans import Plan, PlanEntry, plans
from hub.patrols.routines import Routine, RoutineCode, Routines, Window
from hub.registry.service import Registry
from hub.routing import COMMAND
from hub.security.principal import GridScope

log = logging.getLogger(__name__)
SOURCE = "/hub/patrols"

LOOKBACK_PERIODS = 3  # ended periods of each routine looked at for misses
LOOKBACK = 50  # misses written before the newest seen that are read again
CLOCK_SKEW = timedelta(minutes=5)  # a phone's clock may run this far ahead of the hub's


class Patrols:
    def __init__(
        self,
        database: Database,
        registry: Registry,
        topics: Topics,
        routines: Routines,
        clock: Clock,
        overrides: Sequence[PlanEntry] = (),
    ) -> None:
        self.database = database
        self.registry = registry
        self.topics = topics
        self.routines = routines
        self.clock = clock
        self.overrides = list(overrides)
        self._plans: tuple[int, dict[tuple[str, RoutineCode], Plan]] | None = None

    def plans(self) -> dict[tuple[str, RoutineCode], Plan]:
        """Every grid's plans, built again when the registry changes."""
        snapshot = self.registry.snapshot
        if self._plans is None or self._plans[0] != snapshot.revision:
            self._plans = (snapshot.revision, plans(snapshot, self.routines, self.overrides))
        return self._plans[1]

    def plan(self, grid: str, routine: RoutineCode) -> Plan:
        found = self.plans().get((grid, routine))
        if found is None:
            raise NotFoundError(f"{grid} is not a grid", argument="grid")
        return found

    # -- a worker's patrol -------------------------------------------------------------

    async def start(self, grid: str, routine: RoutineCode, actor: Actor) -> Patrol:
        plan = self.plan(grid, routine)
        if not actor.grids.contains(grid) or not plan.lets(actor.id):
            raise ForbiddenError(f"{actor.name} does not patrol {grid}", grid=grid)
        patrol = Patrol(
            id=new_id(),
            grid=grid,
            routine=routine.value,
            worker=actor.id or actor.name,
            worker_name=actor.name,
            started_at=self.clock.now(),
            ended_at=None,
        )
        async with self.database.engine.begin() as connection:
            await store.add(connection, patrol)
        return patrol

    async def check_in(
        self, patrol_id: str, lat: float, lon: float, at: datetime | None, actor: Actor
    ) -> Patrol:
        """打卡 at a point: placed in its micro-grid, refused outside the worker's grids."""
        patrol = await self.open_patrol(patrol_id, actor)
        now = self.clock.now()
        at = at or now
        if at > now + CLOCK_SKEW or at < patrol.started_at:
            raise BadUserInputError("a check-in's time lies outside its patrol", argument="at")
        placement = self.registry.locate(lat, lon)
        if placement is None:
            raise OutsideGridsError(f"({lat}, {lon}) lies outside every grid", "location")
        if not actor.grids.contains(placement.grid):
            raise ForbiddenError(
                f"({lat}, {lon}) lies in {placement.grid}, outside the grids of {actor.name}",
                grid=placement.grid,
            )
        async with self.database.engine.begin() as connection:
            await store.add_check_in(
                connection, patrol_id, CheckIn(at, lat, lon, placement.micro_grid)
            )
        return await self._read(patrol_id)

    async def record_event(self, patrol_id: str, event_id: str) -> None:
        """An event the worker reported on the patrol (checked open with ``open_patrol``)."""
        async with self.database.engine.begin() as connection:
            await store.add_event(connection, patrol_id, event_id)

    async def end(self, patrol_id: str, actor: Actor) -> Patrol:
        await self.open_patrol(patrol_id, actor)
        async with self.database.engine.begin() as connection:
            await store.end(connection, patrol_id, self.clock.now())
        return await self._read(patrol_id)

    async def check(self, patrol_id: str, actor: Actor) -> Patrol:
        """A patrol the actor may see (one of their grids')."""
        patrol = await self._read(patrol_id)
        if not actor.grids.contains(patrol.grid):
            raise NotFoundError(f"no patrol {patrol_id}", argument="id")
        return patrol

    async def open_patrol(self, patrol_id: str, actor: Actor) -> Patrol:
        patrol = await self.check(patrol_id, actor)
        if patrol.worker != (actor.id or actor.name):
            raise ForbiddenError(f"patrol {patrol_id} is {patrol.worker_name}'s")
        if patrol.ended_at is not None:
            raise BadUserInputError(f"patrol {patrol_id} has ended", argument="patrolId")
        return patrol

    async def _read(self, patrol_id: str) -> Patrol:
        async with self.database.engine.connect() as connection:
            patrol = await store.one(connection, patrol_id)
        if patrol is None:
            raise NotFoundError(f"no patrol {patrol_id}", argument="id")
        return patrol

    # -- coverage ----------------------------------------------------------------------

    async def coverage(
        self, grids: Sequence[str], routines: Sequence[RoutineCode], moment: datetime
    ) -> list[Coverage]:
        """Each grid's coverage for each routine, in the period holding ``moment``."""
        return await self._covered(grids, [self.routines[code].window(moment) for code in routines])

    async def coverage_between(
        self, grids: Sequence[str], since: datetime, until: datetime
    ) -> list[Coverage]:
        """Each grid's coverage in every period of every routine that starts in
        [since, until) and is owed (it ends after the first patrol recorded)."""
        async with self.database.engine.connect() as connection:
            first = await store.first_started(connection)
        windows = [
            window
            for routine in self.routines
            for window in _windows(routine, since, until)
            if first is not None and window.end > first
        ]
        return await self._covered(grids, windows)

    async def _covered(self, grids: Sequence[str], windows: Sequence[Window]) -> list[Coverage]:
        if not windows or not grids:
            return []
        since, until = min(w.start for w in windows), max(w.end for w in windows)
        async with self.database.engine.connect() as connection:
            found = await store.started(connection, grids, since, until)
        now, by_period = self.clock.now(), _by_period(found, windows)
        return [
            coverage(self.plan(g, w.routine), w, by_period.get((g, w.routine, w.start), []), now)
            for g in grids
            for w in windows
        ]

    # -- missed routines ---------------------------------------------------------------

    async def raise_missed(self) -> int:
        """Announce each grid's routine missed in its last few ended periods (a hub that
        was down across a period's end still finds it); once per miss.

        Routines are owed from the period of the first patrol recorded on: a hub whose
        office has not begun patrolling with it owes nothing."""
        now = self.clock.now()
        async with self.database.engine.connect() as connection:
            first = await store.first_started(connection)
        if first is None:
            return 0  # nobody patrols with the hub yet: nothing is owed
        windows = [w for r in self.routines for w in _ended(r, now) if w.end > first]
        grids = sorted({grid for grid, _ in self.plans()})
        missed = [c for c in await self._covered(grids, windows) if c.status is PatrolStatus.MISSED]
        async with self.database.engine.connect() as connection:
            known = await store.announced(connection, [w.start for w in windows])
        return sum(
            [
                await self._announce(c, now)
                for c in missed
                if (c.plan.grid, c.window.routine.value, c.window.start) not in known
            ]
        )

    async def _announce(self, missed: Coverage, now: datetime) -> int:
        window, grid = missed.window, missed.plan.grid
        miss_id = stable_id(window.start, f"patrol-missed:{grid}:{window.routine}")
        row = {
            "grid_code": grid,
            "routine": window.routine.value,
            "period_start": window.start,
            "id": miss_id,
            "found_at": now,
        }
        async with self.database.engine.begin() as connection:
            if not await store.add_miss(connection, row):
                return 0
            await enqueue(connection, [self._notice(missed, miss_id)])
        return 1

    def _notice(self, missed: Coverage, miss_id: str) -> Message:
        window, grid = missed.window, missed.plan.grid
        routine = self.routines[window.routine]
        region = self.registry.region(grid)
        notice = NoticeIssued(
            department=COMMAND,
            title=f"{region.name if region else grid} {routine.title}未完成",
            message=f"{_period(window)} 无巡查记录 (应于 {window.due:%m-%d %H:%M} 前完成)",
            caused_by=miss_id,
            rule=f"patrol.{window.routine.lower()}",
        )
        event = CloudEvent.of(
            DispatchType.NOTICE, SOURCE, grid, notice, id_=derived_id(miss_id, "notice")
        )
        return event.message(self.topics.dispatch(COMMAND))

    async def missed(self, region: str, scope: GridScope, every: float) -> AsyncIterator[Miss]:
        """Each routine missed under ``region`` (within ``scope``) from now on, as it is
        announced; the table is read every ``every`` seconds. A few writes back are read
        again each time: two finders' transactions may commit out of ``seq`` order."""
        async with self.database.engine.connect() as connection:
            last = start = await store.last_miss(connection)
        seen: set[str] = set()
        while True:
            async with self.database.engine.connect() as connection:
                rows = await store.misses_after(connection, max(start, last - LOOKBACK), region)
            for row in rows:
                last = max(last, row["seq"])
                if row["id"] not in seen and scope.contains(row["grid_code"]):
                    seen.add(row["id"])
                    yield self._miss(row)
            await asyncio.sleep(every)

    def _miss(self, row: dict[str, Any]) -> Miss:
        window = self.routines[RoutineCode(row["routine"])].window(row["period_start"])
        return Miss(row["id"], row["grid_code"], window, row["found_at"])

    async def run(self, every: float) -> None:
        """Look for missed routines every ``every`` seconds, until cancelled."""
        while True:
            try:
                raised = await self.raise_missed()
                if raised:
                    log.info("patrol routines missed", extra={"count": raised})
            except Exception:
                log.exception("looking for missed patrols failed; trying again")
            await asyncio.sleep(every)


def _ended(routine: Routine, now: datetime) -> list[Window]:
    """The last ``LOOKBACK_PERIODS`` periods of ``routine`` that have ended by ``now``."""
    found = [routine.window(now).previous(routine)]
    while len(found) < LOOKBACK_PERIODS:
        found.append(found[-1].previous(routine))
    return found


def _windows(routine: Routine, since: datetime, until: datetime) -> Iterator[Window]:
    window = routine.window(since)
    if window.start < since:
        window = routine.window(window.end)
    while window.start < until:
        yield window
        window = routine.window(window.end)


@dataclass(frozen=True, slots=True)
class Miss:
    """A routine a grid missed in one period, as announced."""

    id: str
    grid: str
    window: Window
    found_at: datetime


def _by_period(
    patrols: Sequence[Patrol], windows: Sequence[Window]
) -> dict[tuple[str, RoutineCode, datetime], list[Patrol]]:
    """Each patrol under its grid, routine and the start of the window it started in."""
    starts: dict[RoutineCode, list[Window]] = defaultdict(list)
    for window in windows:
        starts[window.routine].append(window)
    found: dict[tuple[str, RoutineCode, datetime], list[Patrol]] = defaultdict(list)
    for patrol in patrols:
        routine = RoutineCode(patrol.routine)
        for window in starts.get(routine, ()):
            if window.start <= patrol.started_at < window.end:
                found[(patrol.grid, routine, window.start)].append(patrol)
    return found


def _period(window: Window) -> str:
    last = window.end - timedelta(days=1)
    return (
        f"{window.day:%Y-%m-%d}"
        if last.date() == window.day
        else f"{window.day} 至 {last:%Y-%m-%d}"
    )
