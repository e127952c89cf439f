"""Driving grid events round the closed loop in tests: report one in a chosen grid, and
put a department's steps on the bus the way its change feed would."""

from __future__ import annotations

from typing import Any

from hub.bus import CloudEvent, enqueue
from hub.core.workorders import LifecycleStatus
from hub.events import (
    Channel,
    GridEventRecord,
    GridEventType,
    OrderRole,
    Report,
    TimelineEntry,
    ledger,
)
from hub.events.payloads import Upstream
from hub.registry import store
from hub.services import Services
from hub.services.bus import EventBus
from tests.support.events import eventually, lifecycle_step

S = LifecycleStatus


async def report_in(
    services: Services,
    grid: str,
    category: str = "municipal.manhole_cover",
    channel: Channel = Channel.PATROL,
    phone: str | None = None,
) -> GridEventRecord:
    """A report at the centre of ``grid``, once the router has routed it."""
    async with services.database.session() as session:
        region = (await store.regions(session, [grid]))[grid]
    record = await services.bus.intake.report(
        Report(
            category=category,
            description="巡查发现问题",
            lat=region.centroid_lat,
            lon=region.centroid_lon,
            channel=channel,
            reporter_name="王秀英" if phone else None,
            reporter_phone=phone,
        )
    )
    return await reaching(services, record.id, S.ROUTED)


async def current(services: Services, event_id: str) -> GridEventRecord:
    async with services.database.engine.connect() as connection:
        return (await ledger.events(connection, [event_id]))[event_id]


async def timeline(services: Services, event_id: str) -> list[TimelineEntry]:
    async with services.database.engine.connect() as connection:
        return (await ledger.timelines(connection, [event_id]))[event_id]


async def reaching(
    services: Services, event_id: str, status: LifecycleStatus, version: int | None = None
) -> GridEventRecord:
    """The event once the ledger has it in ``status`` (and at ``version``, if given)."""

    async def there() -> bool:
        record = await current(services, event_id)
        return record.status is status and (version is None or record.version >= version)

    await eventually(there, within=20)
    return await current(services, event_id)


async def publish(bus: EventBus, events: list[CloudEvent]) -> None:
    """Onto ``grid.events`` through the outbox, as a department's change feed does."""
    async with bus.intake.database.engine.begin() as connection:
        await enqueue(connection, [e.message(bus.topics.grid_events) for e in events])
    bus.intake.written.fire()


def department_step(
    record: GridEventRecord, status: LifecycleStatus, salt: str = "", **fields: Any
) -> CloudEvent:
    """What the lead department's feed reports: accepted, progressed or resolved."""
    lead = record.lead_department or "citymgmt"
    if status is S.ACCEPTED:
        upstream = Upstream(system=f"{lead}-sys", id=f"U-{record.id[-6:]}")
        return lifecycle_step(
            GridEventType.ACCEPTED,
            record,
            status,
            salt=f"accepted{salt}",
            department=lead,
            role=OrderRole.LEAD,
            upstream=upstream,
            **fields,
        )
    kind = GridEventType.RESOLVED if status is S.RESOLVED else GridEventType.PROGRESSED
    return lifecycle_step(
        kind, record, status, salt=f"{status.value}{salt}", department=lead, **fields
    )


async def handled(
    services: Services, record: GridEventRecord, *statuses: LifecycleStatus, salt: str = ""
) -> GridEventRecord:
    """The department takes these steps; returns the event once the ledger has them."""
    await publish(services.bus, [department_step(record, s, salt) for s in statuses])
    return await reaching(services, record.id, statuses[-1], record.version + len(statuses))
