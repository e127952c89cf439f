"""Reading and writing the ledger tables; every function takes the caller's connection."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import fields
from typing import Any, TypeVar, cast

from sqlalchemy import Row, Select, Table, func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from hub.bus import CloudEvent
from hub.core.jsonbody import decode_json
from hub.core.personal import Personal
from hub.core.workorders import LifecycleStatus
from hub.db.bus_models import GridEventRow, TimelineRow, WorkOrderRow
from hub.db.upsert import insert_missing
from hub.events.filters import EventFilter
from hub.events.ledger_rows import GridEventRecord, OrderRecord, TimelineEntry
from hub.events.payloads import Reported
from hub.events.types import Channel, Disposition, GridEventType, OrderRole, Severity

EVENTS = cast("Table", GridEventRow.__table__)
TIMELINE = cast("Table", TimelineRow.__table__)
# Built once: every report runs them, and a new statement object has its cache key
# worked out again before SQLAlchemy finds the compiled form.
INSERT_EVENTS = EVENTS.insert()
INSERT_TIMELINE = TIMELINE.insert()
ORDERS = cast("Table", WorkOrderRow.__table__)
Executor = AsyncConnection | AsyncSession
T = TypeVar("T")
SUMMARY_FIELDS = {"event_id", "status", "category", "severity", "departments", "note"}


# -- writes ----------------------------------------------------------------------------


def reported_record(event: CloudEvent, data: Reported) -> GridEventRecord:
    """The ledger's record of a newly reported event."""
    reporter = data.reporter
    return GridEventRecord(
        id=data.event_id,
        category=data.category,
        title=data.title,
        description=data.description,
        channel=data.channel,
        severity=data.severity,
        level=data.level,
        status=data.status,
        disposition=None,
        lead_department=None,
        co_departments=(),
        grid_code=event.gridid,
        micro_grid_code=data.micro_grid,
        lat=data.place.lat,
        lon=data.place.lon,
        address=_personal(data.place.address),
        reporter_name=_personal(reporter.name if reporter else None),
        reporter_phone=_personal(reporter.phone if reporter else None),
        photos=tuple(str(url) for url in data.photos),
        origin=data.origin.model_dump(mode="json", by_alias=True, exclude_none=True),
        time_limit=data.time_limit.model_dump(mode="json", by_alias=True),
        deadline=None,
        merged_into=None,
        reported_at=data.reported_at,
        updated_at=event.time,
        version=1,
    )


def _event_row(record: GridEventRecord) -> dict[str, Any]:
    row = {f.name: getattr(record, f.name) for f in fields(record)}
    row["co_departments"] = list(record.co_departments)
    row["photos"] = list(record.photos)
    return row


def _first_entry(event: CloudEvent, record: GridEventRecord) -> dict[str, Any]:
    return {
        "id": event.id,
        "event_id": record.id,
        "version": 1,
        "type": event.type,
        "status": record.status.value,
        "occurred_at": event.time,
        "source": event.source,
        "department": None,
        "note": None,
        "details": {"channel": record.channel.value, "origin": record.origin, **_actor(event)},
    }


def _actor(event: CloudEvent) -> dict[str, Any]:
    """Who reported it, if the report named its principal (the statistics credit them)."""
    actor = decode_json(event.data).get("actor")
    return {"actor": actor} if actor else {}


async def insert_reports(
    connection: AsyncConnection, reports: Sequence[tuple[CloudEvent, GridEventRecord]]
) -> None:
    """New events, a row and a first timeline entry each, in one statement per table."""
    await connection.execute(INSERT_EVENTS, [_event_row(r) for _, r in reports])
    await connection.execute(INSERT_TIMELINE, [_first_entry(e, r) for e, r in reports])


async def insert_reported(connection: AsyncConnection, event: CloudEvent, data: Reported) -> bool:
    """The event's row and its first timeline entry, unless it is there already."""
    record = reported_record(event, data)
    if not await insert_missing(connection, EVENTS, [_event_row(record)]):
        return False
    await connection.execute(INSERT_TIMELINE, [_first_entry(event, record)])
    return True


async def insert_reported_events(connection: AsyncConnection, events: Sequence[CloudEvent]) -> int:
    """Rows for ``reported`` events the ledger lacks (a replay, a report a feed read);
    how many were new."""
    applied = 0
    for event in events:
        applied += await insert_reported(connection, event, event.payload(Reported))
    return applied


async def known_ids(connection: AsyncConnection, ids: Collection[str]) -> set[str]:
    """Which of these CloudEvents the ledger has applied already."""
    if not ids:
        return set()
    found = await connection.execute(select(TIMELINE.c.id).where(TIMELINE.c.id.in_(ids)))
    return set(found.scalars())


# -- reads -----------------------------------------------------------------------------


async def events(connection: Executor, ids: Collection[str]) -> dict[str, GridEventRecord]:
    rows = await connection.execute(select(EVENTS).where(EVENTS.c.id.in_(ids)))
    return {row.id: event_record(row) for row in rows}


async def locked_events(
    connection: AsyncConnection, ids: Sequence[str]
) -> dict[str, GridEventRecord]:
    """The events, their rows locked until the transaction ends.

    PostgreSQL locks them with ``FOR UPDATE`` in id order (the projection locks in the
    same order, so the two never wait on each other in a circle); SQLite, see
    ``lock_on_sqlite``.
    """
    statement = select(EVENTS).where(EVENTS.c.id.in_(ids)).order_by(EVENTS.c.id)
    await lock_on_sqlite(connection, ids)
    rows = await connection.execute(statement.with_for_update())
    return {row.id: event_record(row) for row in rows}


async def lock_on_sqlite(connection: AsyncConnection, ids: Iterable[str]) -> None:
    """Before reading events to change them on SQLite, which has no row locks (and
    ignores ``FOR UPDATE``): a write that changes nothing starts the write transaction
    before the read. A plain read would run outside it, and another writer could
    change the rows between the read and the write."""
    if connection.dialect.name == "sqlite":
        touch = EVENTS.update().where(EVENTS.c.id.in_(ids)).values(version=EVENTS.c.version)
        await connection.execute(touch)


async def duplicates(
    connection: Executor, primaries: Collection[str]
) -> dict[str, list[GridEventRecord]]:
    """The events merged into each of these."""
    statement = select(EVENTS).where(EVENTS.c.merged_into.in_(primaries)).order_by(EVENTS.c.id)
    return await _by_primary(connection, statement) if primaries else {}


async def _by_primary(
    connection: Executor, statement: Select[Any]
) -> dict[str, list[GridEventRecord]]:
    grouped: dict[str, list[GridEventRecord]] = defaultdict(list)
    for row in await connection.execute(statement):
        grouped[row.merged_into].append(event_record(row))
    return grouped


async def timelines(connection: Executor, ids: Collection[str]) -> dict[str, list[TimelineEntry]]:
    statement = select(TIMELINE).where(TIMELINE.c.event_id.in_(ids))
    return await _by_event(connection, statement.order_by(TIMELINE.c.version), _entry)


async def orders(connection: Executor, ids: Collection[str]) -> dict[str, list[OrderRecord]]:
    statement = select(ORDERS).where(ORDERS.c.event_id.in_(ids)).order_by(ORDERS.c.id)
    return await _by_event(connection, statement, _order)


async def _by_event(
    connection: Executor, statement: Select[Any], record: Callable[[Row[Any]], T]
) -> dict[str, list[T]]:
    grouped: dict[str, list[T]] = defaultdict(list)
    for row in await connection.execute(statement):
        grouped[row.event_id].append(record(row))
    return grouped


async def event_of_order(connection: Executor, system: str, upstream_id: str) -> str | None:
    """The grid event a department's order belongs to."""
    statement = select(ORDERS.c.event_id).where(
        ORDERS.c.upstream_system == system, ORDERS.c.upstream_id == upstream_id
    )
    return cast("str | None", await connection.scalar(statement.limit(1)))


async def page(
    connection: Executor, where: EventFilter, before: str | None, limit: int
) -> list[GridEventRecord]:
    """Matching events, newest first (ids are ULIDs), starting below ``before``."""
    statement = select(EVENTS).where(*where.conditions())
    if before is not None:
        statement = statement.where(EVENTS.c.id < before)
    rows = await connection.execute(statement.order_by(EVENTS.c.id.desc()).limit(limit))
    return [event_record(row) for row in rows]


async def count(connection: Executor, where: EventFilter) -> int:
    statement = select(func.count()).select_from(EVENTS).where(*where.conditions())
    return int(await connection.scalar(statement) or 0)


def event_record(row: Row[Any]) -> GridEventRecord:
    return GridEventRecord(
        id=row.id,
        category=row.category,
        title=row.title,
        description=row.description,
        channel=Channel(row.channel),
        severity=Severity(row.severity),
        level=row.level,
        status=LifecycleStatus(row.status),
        disposition=Disposition(row.disposition) if row.disposition else None,
        lead_department=row.lead_department,
        co_departments=tuple(row.co_departments),
        grid_code=row.grid_code,
        micro_grid_code=row.micro_grid_code,
        lat=row.lat,
        lon=row.lon,
        address=_personal(row.address),
        reporter_name=_personal(row.reporter_name),
        reporter_phone=_personal(row.reporter_phone),
        photos=tuple(row.photos),
        origin=row.origin,
        time_limit=row.time_limit,
        deadline=row.deadline,
        merged_into=row.merged_into,
        reported_at=row.reported_at,
        updated_at=row.updated_at,
        version=row.version,
    )


def _personal(value: str | None) -> Personal | None:
    return Personal(value) if value is not None else None


def _entry(row: Row[Any]) -> TimelineEntry:
    return TimelineEntry(
        id=row.id,
        event_id=row.event_id,
        version=row.version,
        type=GridEventType(row.type),
        status=LifecycleStatus(row.status),
        occurred_at=row.occurred_at,
        source=row.source,
        department=row.department,
        note=row.note,
        details=row.details,
    )


def _order(row: Row[Any]) -> OrderRecord:
    return OrderRecord(
        event_id=row.event_id,
        department=row.department,
        role=OrderRole(row.role),
        upstream_system=row.upstream_system,
        upstream_id=row.upstream_id,
        upstream_url=row.upstream_url,
        accepted_at=row.accepted_at,
    )
