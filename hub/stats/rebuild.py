"""Rebuilding the statistics from the ledger: every event's timeline, folded again.

The ledger's timeline holds every step the projection applied, with the step's data
(less the summary fields, which the event row has), so the facts come out as the
incremental path made them. One transaction: readers see the old figures or the new.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Mapping
from typing import Any

from sqlalchemy import Row, delete, select
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.core.workorders import LifecycleStatus
from hub.db.engine import Database
from hub.events import GridEventType, ledger
from hub.stats import store
from hub.stats.facts import Step
from hub.stats.measures import Timely, within_a_clock_day
from hub.stats.recorder import fold
from hub.stats.rollup import Delta

CHUNK = 2000  # events read at a time


async def rebuild(
    database: Database, timely: Timely = within_a_clock_day, time_scale: float = 1.0
) -> int:
    """Replace every fact and cell by those the ledger gives; returns the events read."""
    async with database.engine.begin() as connection:
        return await record_all(connection, _chunks_of_steps(connection), timely, time_scale)


async def record_all(
    connection: AsyncConnection,
    chunks: AsyncIterable[list[Step]],
    timely: Timely = within_a_clock_day,
    time_scale: float = 1.0,
) -> int:
    """Replace every fact and cell by those folded from ``chunks`` of steps, each event's
    steps all in one chunk; returns the events folded."""
    for layout in (store.STATS, store.WORKERS):
        await connection.execute(delete(layout.table))
    await connection.execute(delete(store.EVENTS))
    delta, count = Delta(timely, time_scale), 0
    async for steps in chunks:
        facts = fold({}, steps)
        for found in facts.values():
            delta.add(found, 1)
        await store.save_facts(connection, facts.values())
        count += len(facts)
    await store.insert_cells(connection, store.STATS, delta.cells())
    await store.insert_cells(connection, store.WORKERS, delta.worker_cells())
    return count


async def _chunks_of_steps(connection: AsyncConnection) -> AsyncIterator[list[Step]]:
    after = ""
    events = ledger.EVENTS
    while True:
        statement = (
            select(events.c.id, events.c.grid_code, events.c.category, events.c.channel)
            .add_columns(events.c.reported_at)
            .where(events.c.id > after)
            .order_by(events.c.id)
            .limit(CHUNK)
        )
        rows = {row.id: row for row in await connection.execute(statement)}
        if not rows:
            return
        yield await _steps(connection, rows)
        after = max(rows)


async def _steps(connection: AsyncConnection, events: dict[str, Row[Any]]) -> list[Step]:
    timeline = ledger.TIMELINE
    statement = (
        select(timeline)
        .where(timeline.c.event_id.in_(list(events)))
        .order_by(timeline.c.event_id, timeline.c.version)
    )
    return [
        ledger_step(entry._mapping, events[entry.event_id]._mapping)
        for entry in await connection.execute(statement)
    ]


def ledger_step(entry: Mapping[Any, Any], event: Mapping[Any, Any]) -> Step:
    """A timeline entry of the ledger as the step the projection applied (``event``: the
    entry's grid event's row)."""
    data: dict[str, Any] = {**(entry["details"] or {}), "eventId": entry["event_id"]}
    if entry["type"] == GridEventType.REPORTED:
        data.update(
            category=event["category"],
            channel=event["channel"],
            reportedAt=event["reported_at"].isoformat(),
        )
    return Step(
        id=entry["id"],
        event_id=entry["event_id"],
        type=GridEventType(entry["type"]),
        status=LifecycleStatus(entry["status"]),
        at=entry["occurred_at"],
        grid=event["grid_code"],
        data=data,
    )
