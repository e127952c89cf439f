"""The people of ``hub demo``'s closed loop: grid workers settle small matters in their
grids and verify what departments resolved; callers rate what was verified (回访).

Each round looks at the newest events waiting for one of them and takes some of the
steps, through the same ``Steps`` as the mutations. Most verifications pass and most
ratings are good; now and then one fails and the event goes back to its department.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable
from dataclasses import dataclass

from connectors.sdk.simulation import names
from hub.core.errors import InvalidTransitionError, SeparationOfDutiesError
from hub.core.workorders import LifecycleStatus
from hub.db.engine import Database
from hub.events import Disposition, EventFilter, GridEventRecord, ledger
from hub.events.steps import Actor, Steps
from hub.registry.service import Registry
from hub.stats.people import registry_worker_id

log = logging.getLogger(__name__)
SCORES = (1, 2, 3, 4, 5)
COMMAND_CENTRE = Actor("综治中心 核查员", id="demo:command")
SCORE_WEIGHTS = (3, 4, 10, 33, 50)
BATCH = 20


@dataclass(frozen=True, slots=True)
class Habits:
    """How likely each step is, per event seen waiting, in one round."""

    settle: float = 0.3  # a grid worker settles an in-grid event
    verify: float = 0.4  # a grid worker goes to check a resolved event
    passes: float = 0.9  # the check finds it done
    rate: float = 0.4  # the follow-up call reaches the caller
    unresolved: float = 0.6  # a caller giving 1–2 says it is not solved


class LoopPeople:
    def __init__(
        self,
        database: Database,
        steps: Steps,
        habits: Habits | None = None,
        seed: int = 5,
        every: float = 5.0,
        registry: Registry | None = None,
    ) -> None:
        self.database = database
        self.steps = steps
        self.registry = registry  # whose grid workers settle and verify
        self.habits = habits or Habits()
        self.rng = random.Random(seed)
        self.every = every

    async def run(self) -> None:
        while True:
            try:
                await self.round()
            except Exception:
                log.exception("a round of the demo's loop failed; trying again")
            await asyncio.sleep(self.every)

    async def round(self) -> int:
        """One look at what waits; returns how many steps were taken."""
        waiting = await self._waiting()
        taken = 0
        for record in waiting[LifecycleStatus.ROUTED] + waiting[LifecycleStatus.ACCEPTED]:
            if record.disposition is Disposition.IN_GRID and self._chance(self.habits.settle):
                taken += await self._take(self._settle(record))
        for record in waiting[LifecycleStatus.RESOLVED]:
            if self._chance(self.habits.verify):
                taken += await self._take(self._verify(record))
        for record in waiting[LifecycleStatus.VERIFIED]:
            if self._chance(self.habits.rate):
                taken += await self._take(self._rate(record))
        return taken

    async def _waiting(self) -> dict[LifecycleStatus, list[GridEventRecord]]:
        statuses = (
            LifecycleStatus.ROUTED,
            LifecycleStatus.ACCEPTED,
            LifecycleStatus.RESOLVED,
            LifecycleStatus.VERIFIED,
        )
        async with self.database.engine.connect() as connection:
            return {
                s: await ledger.page(connection, EventFilter(statuses=(s,)), None, BATCH)
                for s in statuses
            }

    def _chance(self, probability: float) -> bool:
        return self.rng.random() < probability

    def _worker(self, record: GridEventRecord) -> Actor:
        """One of the event's grid's own workers, credited in the statistics."""
        workers = self.registry.snapshot.workers.get(record.grid_code) if self.registry else None
        if not workers:
            return Actor(f"网格员 {names.person_name(self.rng)}", id=f"demo:{record.grid_code}")
        index = self.rng.randrange(len(workers))
        worker_id = registry_worker_id(record.grid_code, index)
        return Actor(f"网格员 {workers[index].name}", id=worker_id)

    def _settle(self, record: GridEventRecord) -> Awaitable[GridEventRecord]:
        return self.steps.resolve_in_grid(record.id, "网格员现场处置完毕", self._worker(record))

    async def _verify(self, record: GridEventRecord) -> GridEventRecord:
        passed = self._chance(self.habits.passes)
        note = "现场核查，已处置到位" if passed else "现场核查，问题仍然存在"
        try:
            return await self.steps.verify(record.id, passed, note, [], self._worker(record))
        except SeparationOfDutiesError:  # the worker who settled it: the centre checks
            return await self.steps.verify(record.id, passed, note, [], COMMAND_CENTRE)

    def _rate(self, record: GridEventRecord) -> Awaitable[GridEventRecord]:
        score = self.rng.choices(SCORES, SCORE_WEIGHTS)[0]
        unresolved = score <= 2 and self._chance(self.habits.unresolved)
        comment = "问题没有解决" if unresolved else "处理及时，满意"
        caller = Actor("12345 回访")
        return self.steps.rate(record.id, score, comment, unresolved, caller)

    async def _take(self, step: Awaitable[GridEventRecord]) -> int:
        try:
            await step
        except InvalidTransitionError:
            return 0  # someone else moved it first
        return 1
