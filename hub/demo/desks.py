"""The demo's departments without a system: people at their desks work the events their
department leads through the workbench, on each event's own deadline, at the same pace
as the departments with systems (``hub.demo.staff``).

A desk claims a routed event at its next look (认领), starts work and settles it (办结),
or now and then returns it (退单); a reopened event is taken up again and settled anew.
A co-handler's desk (协办) claims its part of an event and reports it done at its own
plan's time; the event's status stays the lead's. Events the grid settles itself
(IN_GRID) are left to its grid workers.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Mapping
from dataclasses import replace
from datetime import UTC, datetime

from hub.core.departments import load_departments
from hub.core.errors import HubError
from hub.core.workorders import LifecycleStatus
from hub.db.engine import Database
from hub.demo.staff import NOTES, Order, Pace, next_step, plan
from hub.dispatch.workbench import Desk, Workbench
from hub.events import Disposition, EventFilter, GridEventRecord, ledger
from hub.events.steps import Actor
from hub.routing import COMMAND

log = logging.getLogger(__name__)
WAITING = (
    LifecycleStatus.ROUTED,
    LifecycleStatus.ACCEPTED,
    LifecycleStatus.IN_PROGRESS,
    LifecycleStatus.REOPENED,
)
LOOK_AT = 500  # the newest waiting events each round
CO_DONE = "协办部分已完成"


class DemoDesks:
    def __init__(
        self,
        database: Database,
        workbench: Workbench,
        paces: Mapping[str, Pace] | None = None,
        every: float = 2.0,
    ) -> None:
        self.database = database
        self.workbench = workbench
        self.paces = dict(paces or {})
        self.every = every
        self.names = {d.code: d.name for d in load_departments()}
        self.co_claimed: set[tuple[str, str]] = set()  # (event, department) 协办 taken up
        self.co_done: set[tuple[str, str]] = set()

    async def run(self) -> None:
        while True:
            try:
                await self.round(datetime.now(UTC))
            except Exception:
                log.exception("a round of the demo's desks failed; trying again")
            await asyncio.sleep(self.every)

    async def round(self, now: datetime) -> int:
        """One look at the desks' events; returns how many steps they took."""
        taken = 0
        for record in await self._waiting():
            lead = self._step(record, now) if self._at_a_desk(record) else None
            co = [self._co_step(record, d, now) for d in self._co_desks(record)]
            for step in (lead, *co):
                if step is not None:
                    taken += await _taken(step)
        return taken

    async def _waiting(self) -> list[GridEventRecord]:
        async with self.database.engine.connect() as connection:
            found = await ledger.page(connection, EventFilter(statuses=WAITING), None, LOOK_AT)
        return [r for r in found if self._at_a_desk(r) or self._co_desks(r)]

    def _at_a_desk(self, record: GridEventRecord) -> bool:
        lead = record.lead_department
        in_grid = record.disposition is Disposition.IN_GRID
        return lead is not None and not in_grid and lead not in self.workbench.links.sinks

    def _co_desks(self, record: GridEventRecord) -> list[str]:
        """The co-handlers of the event that have no system: they work at desks."""
        return [d for d in record.co_departments if d not in self.workbench.links.sinks]

    def _desk(self, department: str) -> Desk:
        name = f"{self.names.get(department, department)} 办理人"
        return Desk(department, Actor(name, id=f"demo:desk:{department}"))

    def _co_step(
        self, record: GridEventRecord, department: str, now: datetime
    ) -> Awaitable[object] | None:
        """协办: claim the part at the next look, report it done when its plan says."""
        key = (record.id, department)
        if key not in self.co_claimed:
            self.co_claimed.add(key)
            return self.workbench.accept(record.id, self._desk(department))
        order = _order(record)
        planned = plan(replace(order, system=department), pace_of(COMMAND))  # never returns
        if key in self.co_done or planned is None or now < planned.settle_at:
            return None
        self.co_done.add(key)
        return self.workbench.resolve(record.id, CO_DONE, [], self._desk(department))

    def _step(self, record: GridEventRecord, now: datetime) -> Awaitable[object] | None:
        lead = record.lead_department or ""
        desk = self._desk(lead)
        if record.status is LifecycleStatus.ROUTED:
            return self.workbench.accept(record.id, desk)
        order = _order(record)
        planned = plan(order, self.paces.get(lead, pace_of(lead)))
        step = next_step(order, planned, now) if planned else None
        if step is LifecycleStatus.IN_PROGRESS:
            return self.workbench.progress(record.id, NOTES[step], desk)
        if step is LifecycleStatus.RESOLVED:
            return self.workbench.resolve(record.id, NOTES[step], [], desk)
        if step is LifecycleStatus.RETURNED:
            return self.workbench.return_order(record.id, NOTES[step], desk)
        return None


def pace_of(department: str) -> Pace:
    """The command centre takes what nobody else will (改派 ends there): it never returns."""
    return Pace(returned=0) if department == COMMAND else Pace()


def _order(record: GridEventRecord) -> Order:
    """The event as a desk's order: a reopened one is planned afresh from its reopening."""
    reopened = record.status is LifecycleStatus.REOPENED
    started = record.status is LifecycleStatus.IN_PROGRESS
    status = LifecycleStatus.IN_PROGRESS if started else LifecycleStatus.ACCEPTED
    since = record.updated_at if reopened else record.reported_at
    return Order(record.lead_department or "", record.id, since, record.deadline, status.value)


async def _taken(step: Awaitable[object]) -> int:
    try:
        await step
    except HubError as error:  # someone moved it first, or it is no longer the desk's
        log.debug("a desk's step was refused", extra={"reason": str(error)})
        return 0
    return 1
