"""The ledger projection: applies ``grid.events`` to the ledger tables.

Idempotent on the CloudEvent id (an applied event is on the timeline, and is skipped
when it comes again) and ordered by version (each step adds one to its event's
version, and events of one grid arrive in order). A whole batch is one transaction.

Until the lifecycle state machine arrives (issue 5), the ledger keeps the furthest
state it has seen: a late ``accepted`` after ``resolved`` goes on the timeline but
does not move the status back.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.bus.cloudevent import CloudEvent
from hub.bus.message import Message
from hub.db.engine import Database
from hub.db.upsert import insert_missing
from hub.events import ledger
from hub.events.payloads import (
    LIFECYCLE_PAYLOADS,
    Accepted,
    Escalated,
    Lifecycle,
    Merged,
    Reported,
    Routed,
)
from hub.events.types import GridEventType, OrderRole
from hub.workorders import LifecycleStatus

log = logging.getLogger(__name__)
LIFECYCLE_TYPES = frozenset(t.value for t in GridEventType)
_DONE = {LifecycleStatus.RESOLVED, LifecycleStatus.VERIFIED, LifecycleStatus.CLOSED}
_EARLY = {LifecycleStatus.ROUTED, LifecycleStatus.ACCEPTED, LifecycleStatus.IN_PROGRESS}


def next_status(current: LifecycleStatus, step: Lifecycle) -> LifecycleStatus:
    if getattr(step, "role", OrderRole.LEAD) is OrderRole.CO:
        return current  # a co-handler's order does not move the event
    if step.status in _EARLY and current in _DONE:
        return current
    return step.status


class Projection:
    def __init__(self, database: Database) -> None:
        self.database = database

    async def handle(self, events: Sequence[CloudEvent]) -> list[Message]:
        await self.apply(events)
        return []

    async def apply(self, events: Sequence[CloudEvent]) -> int:
        """Apply the steps the ledger does not have yet; returns how many it had not."""
        steps = [e for e in events if e.type in LIFECYCLE_TYPES]
        if not steps:
            return 0
        applied = 0
        async with self.database.engine.begin() as connection:
            done = await ledger.known_ids(connection, [e.id for e in steps])
            for event in steps:
                if event.id not in done:
                    done.add(event.id)
                    applied += await apply(connection, event)
        return applied


async def apply(connection: AsyncConnection, event: CloudEvent) -> int:
    """Apply one step; 1 if it changed the ledger, else 0."""
    step_type = GridEventType(event.type)
    if step_type is GridEventType.REPORTED:
        return int(await ledger.insert_reported(connection, event, event.payload(Reported)))
    step = event.payload(LIFECYCLE_PAYLOADS[step_type])
    found = await connection.execute(
        select(ledger.EVENTS.c.status, ledger.EVENTS.c.version).where(
            ledger.EVENTS.c.id == step.event_id
        )
    )
    current = found.first()
    if current is None:
        # Its report is older than the ledger (a replay that started later): nothing to update.
        log.info(
            "step of an unknown event skipped", extra={"event": step.event_id, "type": event.type}
        )
        return 0
    status = next_status(LifecycleStatus(current.status), step)
    if isinstance(step, Accepted):
        await _record_order(connection, event, step)
    version = current.version + 1
    await connection.execute(
        ledger.EVENTS.update()
        .where(ledger.EVENTS.c.id == step.event_id)
        .values(status=status.value, version=version, updated_at=event.time, **_changes(step))
    )
    details = step.model_dump(
        mode="json", by_alias=True, exclude=ledger.SUMMARY_FIELDS | {"order"}, exclude_none=True
    )
    department = getattr(step, "department", None) or getattr(step, "lead", None)
    await ledger.insert_timeline(
        connection,
        event,
        event_id=step.event_id,
        version=version,
        status=status,
        department=department,
        details=details,
        note=step.note,
    )
    return 1


def _changes(step: Lifecycle) -> dict[str, Any]:
    if isinstance(step, Routed):
        return {
            "disposition": step.disposition.value,
            "lead_department": step.lead,
            "co_departments": step.co_handlers,
            "deadline": step.deadline,
        }
    if isinstance(step, Escalated):
        return {"level": step.level}
    if isinstance(step, Merged):
        return {"merged_into": step.into}
    return {}


async def _record_order(connection: AsyncConnection, event: CloudEvent, step: Accepted) -> None:
    row = {
        "event_id": step.event_id,
        "department": step.department,
        "role": step.role.value,
        "upstream_system": step.upstream.system,
        "upstream_id": step.upstream.id,
        "upstream_url": step.upstream.url,
        "accepted_at": event.time,
    }
    await insert_missing(connection, ledger.ORDERS, [row])
