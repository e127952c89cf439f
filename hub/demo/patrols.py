"""The grid workers of ``hub demo`` on patrol (三查), on the demo's clock.

Each grid's routines get a fate per period, drawn from the grid, routine and period so a
restart keeps it: most patrols end before they are due, some after, a few not at all.
A patrol walks its plan's micro-grids, checking in at each (now and then passing one
by), reports what it finds now and then, and ends; through the same ``Patrols`` as the
worker's app, so the hub places, refuses and counts them as it would a phone's.
"""

from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from hub.demo.reports import FINDINGS, report_at
from hub.events import Channel, Intake
from hub.events.steps import Actor
from hub.patrols import Patrol, Patrols, Plan, Window
from hub.security.principal import GridScope
from hub.stats.people import registry_worker_id

log = logging.getLogger(__name__)
PATROL_FINDINGS = tuple(f for f in FINDINGS if f.channel is Channel.PATROL)


@dataclass(frozen=True, slots=True)
class Diligence:
    """How grid workers keep their routines."""

    on_time: float = 0.75  # ended by the time it was due
    late: float = 0.17  # ended after, inside the period; the rest are missed
    passed_by: float = 0.1  # a micro-grid the walk does not check in at
    finds: float = 0.15  # a patrol reports something it found
    minutes_per_point: float = 12.0  # demo minutes from one check-in to the next


@dataclass
class Walk:
    """A patrol planned (``patrol`` None until it sets out at ``next_at``) or under way."""

    plan: Plan
    actor: Actor
    next_at: datetime
    patrol: Patrol | None = None
    points: list[str] = field(default_factory=list)
    finding_at: str | None = None


@dataclass
class DemoPatrols:
    patrols: Patrols
    intake: Intake
    diligence: Diligence = field(default_factory=Diligence)
    every: float = 2.0  # wall seconds between rounds
    planned: dict[tuple[str, str, datetime], datetime | None] = field(default_factory=dict)
    walks: list[Walk] = field(default_factory=list)

    async def run(self) -> None:
        while True:
            try:
                await self.round()
            except Exception:
                log.exception("a round of the demo's patrols failed; trying again")
            await asyncio.sleep(self.every)

    async def round(self) -> None:
        now = self.patrols.clock.now()
        for plan in self.patrols.plans().values():
            window = self.patrols.routines[plan.routine].window(now)
            key = (plan.grid, plan.routine.value, window.start)
            if key not in self.planned:
                self.planned[key] = start = self._start_time(plan, window, now)
                if start is not None:
                    self.walks.append(Walk(plan, self._worker(plan), start))
        for walk in list(self.walks):
            await self._walk_on(walk, now)

    def _start_time(self, plan: Plan, window: Window, now: datetime) -> datetime | None:
        """When this period's patrol sets out; None when it is missed."""
        rng = random.Random(f"{plan.grid}/{plan.routine}/{window.start.isoformat()}")
        fate, share = rng.random(), rng.random()
        length = self._length(plan)
        if fate < self.diligence.on_time:  # from 08:00 on its first day, ending by the due time
            earliest, latest = window.start + timedelta(hours=8), window.due - length
        elif fate < self.diligence.on_time + self.diligence.late:  # ending after it
            earliest, latest = window.due - length / 2, window.end - length - timedelta(hours=1)
        else:
            return None
        earliest = max(earliest, now)
        return earliest + max(latest - earliest, timedelta(0)) * share

    def _length(self, plan: Plan) -> timedelta:
        return timedelta(minutes=self.diligence.minutes_per_point * (len(plan.checkpoints) + 1))

    def _worker(self, plan: Plan) -> Actor:
        workers = self.patrols.registry.snapshot.workers.get(plan.grid) or []
        rng = random.Random(f"{plan.grid}/worker")
        index = rng.randrange(len(workers)) if workers else 0
        name = workers[index].name if workers else "网格员"
        worker = registry_worker_id(plan.grid, index)
        return Actor(f"网格员 {name}", grids=GridScope((plan.grid,)), id=worker)

    async def _walk_on(self, walk: Walk, now: datetime) -> None:
        """Every step whose time has come: set out, check in at the next point, or end."""
        step = timedelta(minutes=self.diligence.minutes_per_point)
        while now >= walk.next_at:
            if walk.patrol is None:
                walk.patrol = await self._begin(walk)
            elif walk.points:
                await self._check_in(walk, walk.patrol, walk.points.pop(0))
            else:
                await self.patrols.end(walk.patrol.id, walk.actor)
                self.walks.remove(walk)
                return
            walk.next_at += step

    async def _begin(self, walk: Walk) -> Patrol:
        plan = walk.plan
        patrol = await self.patrols.start(plan.grid, plan.routine, walk.actor)
        rng = random.Random(f"{plan.grid}/{plan.routine}/{patrol.started_at.isoformat()}")
        # Checked in where it sets out, then at most of the rest.
        kept = [p for p in plan.checkpoints[1:] if rng.random() >= self.diligence.passed_by]
        walk.points = [*plan.checkpoints[:1], *kept]
        if walk.points and rng.random() < self.diligence.finds:
            walk.finding_at = rng.choice(walk.points)
        return patrol

    async def _check_in(self, walk: Walk, patrol: Patrol, code: str) -> None:
        place = self.patrols.registry.region(code)
        if place is None:
            return
        at = self.patrols.clock.now()
        lat, lon = place.centroid_lat, place.centroid_lon
        await self.patrols.check_in(patrol.id, lat, lon, at, walk.actor)
        if code == walk.finding_at:
            rng = random.Random(f"{patrol.id}/finding")
            found = report_at(rng, rng.choice(PATROL_FINDINGS), place)
            record = await self.intake.report(replace(found, actor=walk.actor.id))
            await self.patrols.record_event(patrol.id, record.id)
