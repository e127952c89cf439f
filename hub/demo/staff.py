"""The people of ``hub demo``'s department systems: they work the orders the hub sent them.

Each order gets a pace when first seen, drawn from the order's own id so a restart keeps
it: a share of its time limit by which the department starts work (IN_PROGRESS) and by
which it resolves the matter (RESOLVED); now and then a department returns an order as
not its business (退单), and some resolve late. Time is the event's own: the deadline
the hub set on its clock, so a demo running 240× faster works 240× faster too.

The staff act in the department's system, through the simulator's ``/_admin/advance``
control (the buttons its own staff would press); the hub learns of each step the way it
learns of real ones, from the system's change feed.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
from sqlalchemy import select

from connectors.sdk import Connector
from connectors.sdk.connector import load_statuses
from connectors.sdk.simulation import DEFAULT_ADMIN_TOKEN
from hub.core.tls import client_tls
from hub.core.workorders import LifecycleStatus
from hub.db.bus_models import GridEventRow, WorkOrderRow
from hub.db.engine import Database

log = logging.getLogger(__name__)
OPEN = (LifecycleStatus.ROUTED.value, LifecycleStatus.ACCEPTED.value)
STARTED = (LifecycleStatus.IN_PROGRESS.value,)
STEPS = (LifecycleStatus.IN_PROGRESS, LifecycleStatus.RESOLVED, LifecycleStatus.RETURNED)


@dataclass(frozen=True, slots=True)
class Pace:
    """How a department works: shares of an order's time limit, and how often it returns."""

    start: float = 0.1  # work starts after this share of the time limit
    late: float = 0.15  # the share of orders resolved after the deadline
    returned: float = 0.04  # orders sent back as not the department's business
    # In time, most orders are settled well before the limit and a few near its end: the
    # share of the limit an order in time takes is drawn from Beta(a, b), mean a/(a+b).
    early: tuple[float, float] = (1.3, 3.0)


@dataclass(frozen=True, slots=True)
class Order:
    """An open work order as the staff see it."""

    system: str
    upstream_id: str
    accepted_at: datetime
    deadline: datetime | None
    status: str  # the event's lifecycle status


@dataclass(frozen=True, slots=True)
class Plan:
    """When an order's department starts it and settles it, and how."""

    start_at: datetime
    settle_at: datetime
    settle: LifecycleStatus  # RESOLVED or RETURNED


def plan(order: Order, pace: Pace) -> Plan | None:
    """The order's plan, the same every time for the same order; None without a deadline."""
    if order.deadline is None:
        return None
    rng = random.Random(f"{order.system}:{order.upstream_id}")
    limit = order.deadline - order.accepted_at
    if rng.random() < pace.returned:
        back = order.accepted_at + limit * pace.start
        return Plan(back, back, LifecycleStatus.RETURNED)
    late = rng.random() < pace.late
    in_time = pace.start + 0.05 + rng.betavariate(*pace.early) * (0.95 - pace.start - 0.05)
    share = rng.uniform(1.05, 1.6) if late else in_time
    start = order.accepted_at + limit * pace.start
    return Plan(start, order.accepted_at + limit * share, LifecycleStatus.RESOLVED)


def next_step(order: Order, planned: Plan, now: datetime) -> LifecycleStatus | None:
    """What the department does with the order now, if anything."""
    if now >= planned.settle_at:
        return planned.settle
    if now >= planned.start_at and order.status in OPEN:
        return LifecycleStatus.IN_PROGRESS
    return None


class DepartmentStaff:
    """Works the hub's orders in every demo simulator, a round every ``every`` seconds."""

    def __init__(
        self,
        database: Database,
        urls: Mapping[str, str],
        connectors: Mapping[str, type[Connector]],
        paces: Mapping[str, Pace] | None = None,
        every: float = 2.0,
        token: str = DEFAULT_ADMIN_TOKEN,
    ) -> None:
        self.database = database
        self.urls = dict(urls)
        self.targets = {name: _targets(c) for name, c in connectors.items() if name in urls}
        self.paces = dict(paces or {})
        self.every = every
        self.token = token

    async def run(self) -> None:
        async with httpx.AsyncClient(
            headers={"X-Admin-Token": self.token}, verify=client_tls()
        ) as client:
            while True:
                try:
                    await self.round(client, datetime.now(UTC))
                except Exception:
                    log.exception("a round of the demo's department staff failed; trying again")
                await asyncio.sleep(self.every)

    async def round(self, client: httpx.AsyncClient, now: datetime) -> int:
        """One look at the open orders; returns how many steps the departments took."""
        taken = 0
        for order in await self._open_orders():
            planned = plan(order, self.paces.get(order.system, Pace()))
            step = next_step(order, planned, now) if planned else None
            if step is not None:
                taken += await self._advance(client, order, step)
        return taken

    async def _open_orders(self) -> list[Order]:
        orders, events = WorkOrderRow, GridEventRow
        statement = (
            select(
                orders.upstream_system,
                orders.upstream_id,
                orders.accepted_at,
                events.deadline,
                events.status,
            )
            .join(events, events.id == orders.event_id)
            .where(
                events.status.in_(OPEN + STARTED),
                orders.upstream_system.in_(self.targets),
                # The lead's order: one the department returned, or a co-handler's, is
                # not the event's to settle; working it again would loop it round.
                orders.department == events.lead_department,
            )
        )
        async with self.database.engine.connect() as connection:
            rows = await connection.execute(statement)
            return [Order(*row) for row in rows]

    async def _advance(self, client: httpx.AsyncClient, order: Order, step: LifecycleStatus) -> int:
        target = self.targets[order.system].get(step)
        if target is None:
            return 0
        url = f"{self.urls[order.system]}/_admin/advance/{order.upstream_id}"
        response = await client.post(url, json={"status": target, "note": NOTES[step]})
        return int(response.status_code == httpx.codes.OK)  # 409: already there or past it


NOTES = {
    LifecycleStatus.IN_PROGRESS: "已派人处置",
    LifecycleStatus.RESOLVED: "已处置完毕",
    LifecycleStatus.RETURNED: "非本部门职责，退回",
}


def _targets(connector: type[Connector]) -> dict[LifecycleStatus, str]:
    """The system's own status for each step: the first its statuses map to it."""
    if connector.statuses_file is None:
        return {}
    statuses = load_statuses(connector.statuses_file)
    found: dict[LifecycleStatus, str] = {}
    for status in statuses.statuses:
        lifecycle = statuses.lifecycle(status)
        if lifecycle in STEPS and lifecycle not in found:
            found[lifecycle] = status
    return found
