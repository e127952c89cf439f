"""In-memory department systems and a ready bus, for the event tests.

The fakes implement ``hub.core.workorders`` the way a connector must: orders idempotent on
the event id, changes since a cursor.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from hub.bus import Backend, BusSettings, CloudEvent, Record, Role, Topics, derived_id
from hub.core.clock import Clock
from hub.core.workorders import (
    LifecycleStatus,
    UpstreamChange,
    UpstreamRef,
    WorkOrder,
    WorkOrderRefusedError,
)
from hub.db.bus_models import OutboxRow
from hub.db.engine import Database
from hub.events import Channel, Disposition, GridEventRecord, GridEventType, Report, TimeUnit
from hub.events.payloads import LIFECYCLE_PAYLOADS, TimeLimit
from hub.observability.metrics import Metrics
from hub.registry.service import Registry
from hub.services.bus import EventBus
from tests.support.built_in import built_in_contributions

# A point inside the demo town (grid 330199001006005) and one far outside it.
INSIDE = (30.312, 120.053)
OUTSIDE = (31.5, 121.5)


class FakeSink:
    """A department system: one order per event id, however often it is asked."""

    def __init__(self, department: str, *, refuse: bool = False, failures: int = 0) -> None:
        self.department = department
        self.refuse = refuse
        self.failures = failures  # transient errors before it starts answering
        self.orders: dict[str, WorkOrder] = {}
        self.calls = 0

    async def create_work_order(self, order: WorkOrder) -> UpstreamRef:
        self.calls += 1
        if self.failures > 0:
            self.failures -= 1
            raise ConnectionError("department system unreachable")
        if self.refuse:
            raise WorkOrderRefusedError("不属于本部门职责")
        self.orders.setdefault(order.event_id, order)
        number = list(self.orders).index(order.event_id) + 1
        return UpstreamRef(
            system=f"{self.department}-fake", id=f"{self.department.upper()}-{number}"
        )


@dataclass
class FakeFeed:
    """Changes in order; the cursor is the index of the next one."""

    name: str
    log: list[UpstreamChange] = field(default_factory=list)
    page: int = 100

    async def changes(self, cursor: str | None) -> tuple[list[UpstreamChange], str | None]:
        start = int(cursor or 0)
        found = self.log[start : start + self.page]
        return found, str(start + len(found))


def change(upstream_id: str, status: str, **fields: Any) -> UpstreamChange:
    return UpstreamChange(
        system=fields.pop("system", "fake"),
        upstream_id=upstream_id,
        status=status,
        occurred_at=fields.pop("occurred_at", datetime.now(UTC)),
        **fields,
    )


def report(category: str = "municipal.manhole_cover", **fields: Any) -> Report:
    lat, lon = fields.pop("at", INSIDE)
    return Report(
        category=category,
        description=fields.pop("description", "井盖缺失，行人易踩空"),
        lat=lat,
        lon=lon,
        channel=fields.pop("channel", Channel.PATROL),
        reporter_name=fields.pop("reporter_name", "张三"),
        reporter_phone=fields.pop("reporter_phone", "13800000000"),
        **fields,
    )


def bus_settings(topics: Topics, **overrides: Any) -> BusSettings:
    values: dict[str, Any] = {
        "namespace": topics.namespace,
        "instance_id": "test",
        "poll_interval_seconds": 0.02,
        "feed_poll_seconds": 0.1,
        "batch_size": 200,
        **overrides,
    }
    return BusSettings(**values)


def make_bus(
    database: Database,
    backend: Backend,
    topics: Topics,
    registry: Registry,
    clock: Clock | None = None,
) -> EventBus:
    return EventBus(
        bus_settings(topics),
        database,
        registry,
        built_in_contributions(),
        Metrics(),
        backend,
        clock=clock,
    )


@asynccontextmanager
async def running(bus: EventBus, roles: set[Role] | None = None) -> AsyncIterator[EventBus]:
    await bus.start(roles if roles is not None else set(Role))
    try:
        yield bus
    finally:
        await bus.stop()


async def collect(
    backend: Backend,
    topic: str,
    until: Callable[[list[Record]], bool],
    within: float = 30,
) -> list[Record]:
    """Read ``topic`` from its start until ``until(records)`` holds; after ``within``
    seconds, fail saying what was read (a bare timeout leaves nothing to go on)."""
    tail = backend.tail([topic], since=datetime(2000, 1, 1, tzinfo=UTC))
    await tail.start()
    found: list[Record] = []
    try:
        async with asyncio.timeout(within):
            while not until(found):
                found += await tail.fetch(1000, max_wait=0.2)
    except TimeoutError:
        read = [(r.partition, r.offset, r.header("ce_type"), r.value[:80]) for r in found]
        pytest.fail(f"{topic}: not there after {within:g} s; read {len(found)}: {read}")
    finally:
        await tail.stop()
    return found


def types_of(records: Sequence[Record]) -> list[str]:
    return [r.header("ce_type") or "" for r in records]


async def cancel(task: asyncio.Task[None]) -> None:
    """Cancel and wait: a task left running would outlive the database it reads."""
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def outbox_events(database: Database) -> list[CloudEvent]:
    """What waits in the outbox, oldest first, as CloudEvents."""
    async with database.engine.connect() as connection:
        rows = (await connection.execute(select(OutboxRow).order_by(OutboxRow.id))).all()
    return [
        CloudEvent.from_record(
            Record(
                row.topic,
                0,
                0,
                row.key,
                row.value,
                tuple((n, v.encode()) for n, v in row.headers),
                0,
            )
        )
        for row in rows
    ]


async def eventually(
    check: Callable[[], bool | Awaitable[bool]], within: float = 30, every: float = 0.05
) -> None:
    """Wait until ``check()`` holds; TimeoutError after ``within`` seconds."""
    async with asyncio.timeout(within):
        while True:
            result = check()
            if await result if inspect.isawaitable(result) else result:
                return
            await asyncio.sleep(every)


def lifecycle_step(
    kind: GridEventType,
    record: GridEventRecord,
    status: LifecycleStatus,
    salt: str | None = None,
    **fields: Any,
) -> CloudEvent:
    """A step of ``record`` as a department or the router would put it on the bus."""
    model = LIFECYCLE_PAYLOADS[kind]
    data = model(
        event_id=record.id,
        status=status,
        category=record.category,
        severity=record.severity,
        **fields,
    )
    salt = salt or f"{kind.step}:{status.value}"
    return CloudEvent.of(
        kind, "/test", record.grid_code, data, subject=record.id, id_=derived_id(record.id, salt)
    )


def routed_step(
    record: GridEventRecord, lead: str = "citymgmt", deadline: datetime | None = None
) -> CloudEvent:
    return lifecycle_step(
        GridEventType.ROUTED,
        record,
        LifecycleStatus.ROUTED,
        disposition=Disposition.SINGLE,
        lead=lead,
        time_limit=TimeLimit(value=2, unit=TimeUnit.HOURS),
        deadline=deadline,
    )
