"""The ledger projection: applies ``grid.events`` to the ledger tables.

Idempotent on the CloudEvent id (an applied event is on the timeline, and is skipped
when it comes again) and ordered by version (each step adds one to its event's
version, and events of one grid arrive in order). A batch is one transaction of a
few statements: the steps are applied in memory first, in order, then written.

The status follows the lifecycle machine (``hub.events.lifecycle``): a step the
machine does not allow from the current status (out of order, or illegal) still goes
on the timeline, with the status it claimed under ``details.unapplied``, but the
status stays. Co-handlers' orders and escalations never move it. Rows are read under
a row lock (PostgreSQL), so a mutation writing the same event waits its turn.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.bus import CloudEvent, Message, Topics
from hub.core import telemetry
from hub.core.workorders import LifecycleStatus
from hub.db.engine import Database
from hub.db.upsert import insert_missing
from hub.events import ledger, lifecycle
from hub.events.feedback import feedback_owed
from hub.events.follow import followers
from hub.events.hooks import AppliedStep, BatchRecorder, StepFollower
from hub.events.payloads import (
    LIFECYCLE_PAYLOADS,
    Accepted,
    Escalated,
    Lifecycle,
    Merged,
    Routed,
)
from hub.events.types import GridEventType, OrderRole

log = logging.getLogger(__name__)
LIFECYCLE_TYPES = frozenset(t.value for t in GridEventType)
# Steps after which a primary may have resolved or closed (ratings and feeds close too).
_ENDING = frozenset(
    t.value
    for t in (
        GridEventType.RESOLVED,
        GridEventType.VERIFIED,
        GridEventType.CLOSED,
        GridEventType.RATED,
        GridEventType.PROGRESSED,
    )
)
_STATE = (
    "status",
    "version",
    "updated_at",
    "disposition",
    "lead_department",
    "co_departments",
    "deadline",
    "level",
    "merged_into",
)


def next_status(current: LifecycleStatus, event_type: str, step: Lifecycle) -> LifecycleStatus:
    role = getattr(step, "role", None) or OrderRole.LEAD  # a step of no order is the lead's
    return lifecycle.after(current, GridEventType(event_type), step.status, role)


def _refused(current: LifecycleStatus, event_type: str, step: Lifecycle) -> bool:
    """A step meant to move the status that the machine did not let through."""
    moves = event_type not in lifecycle.STILL and getattr(step, "role", None) is not OrderRole.CO
    return moves and not lifecycle.allowed(current, step.status)


class Projection:
    def __init__(
        self,
        database: Database,
        topics: Topics | None = None,
        timers: StepFollower | None = None,
        statistics: BatchRecorder | None = None,
        replies_by: str | None = None,
    ) -> None:
        self.database = database
        self.topics = topics  # where duplicates' follow-up steps go; None: nowhere
        self.timers = timers  # starts and stops each event's deadline timers
        self.statistics = statistics  # folds every step into the rollups
        # The department whose system calls reporters back; None: no replies are sent.
        self.replies_by = replies_by

    async def handle(self, events: Sequence[CloudEvent]) -> list[Message]:
        with telemetry.each_joined("ledger project", (e.traceparent for e in events)):
            await self.apply(events)
        if self.topics is None:
            return []
        return await self.consequences(events, self.topics)

    async def consequences(self, events: Sequence[CloudEvent], topics: Topics) -> list[Message]:
        """What the batch leads to, from the ledger as it now is: duplicates' steps
        after their primary's, and replies owed to reporters."""
        ending = [e for e in events if e.type in _ENDING]
        if not ending:
            return []
        primaries = {e.subject or e.payload(Lifecycle).event_id for e in ending}
        async with self.database.engine.connect() as connection:
            following = await followers(connection, primaries)
            replies = await self._replies(connection, ending)
        return [e.message(topics.grid_events) for e in following] + replies

    async def _replies(
        self, connection: AsyncConnection, ending: Sequence[CloudEvent]
    ) -> list[Message]:
        if self.replies_by is None or self.topics is None:
            return []
        owed = await feedback_owed(connection, ending)
        return [e.message(self.topics.dispatch(self.replies_by)) for e in owed]

    async def apply(self, events: Sequence[CloudEvent]) -> int:
        """Apply the steps the ledger does not have yet; returns how many it had not."""
        steps = [e for e in events if e.type in LIFECYCLE_TYPES]
        if not steps:
            return 0
        async with self.database.engine.begin() as connection:
            done = await ledger.known_ids(connection, [e.id for e in steps])
            fresh = list({e.id: e for e in steps if e.id not in done}.values())
            reported = [e for e in fresh if e.type == GridEventType.REPORTED]
            # rare in bulk: the intake writes its own reports' rows
            applied = await ledger.insert_reported_events(connection, reported)
            later = [e for e in fresh if e.type != GridEventType.REPORTED]
            applied += await _Batch(connection, self.timers).apply(later)
            if self.statistics is not None:  # all steps: the intake wrote its reports' rows
                await self.statistics.record(connection, steps)
            return applied


async def write_steps(
    connection: AsyncConnection, events: list[CloudEvent], timers: StepFollower | None
) -> int:
    """Apply later steps in the caller's transaction, as the projection would: the hub's
    own mutations write their steps with this, and the projection skips them as known
    (the statistics count them then, when they come round from the bus)."""
    return await _Batch(connection, timers).apply(events)


class _Batch:
    """The later steps of a batch, applied to the events' state in memory, then written."""

    def __init__(self, connection: AsyncConnection, timers: StepFollower | None) -> None:
        self.connection = connection
        self.timers = timers
        self.state: dict[str, dict[str, Any]] = {}
        self.timeline: list[dict[str, Any]] = []
        self.orders: list[dict[str, Any]] = []
        self.applied: list[AppliedStep] = []

    async def apply(self, events: list[CloudEvent]) -> int:
        if not events:
            return 0
        steps = [(e, e.payload(LIFECYCLE_PAYLOADS[GridEventType(e.type)])) for e in events]
        await self._load({step.event_id for _, step in steps})
        for event, step in steps:
            self._step(event, step)
        await self._write()
        return len(self.timeline)

    async def _load(self, ids: set[str]) -> None:
        columns = [ledger.EVENTS.c.id, *(ledger.EVENTS.c[name] for name in _STATE)]
        # Locked in id order, as mutations lock them (ledger.locked_events).
        await ledger.lock_on_sqlite(self.connection, ids)
        where = ledger.EVENTS.c.id.in_(ids)
        statement = select(*columns).where(where).order_by(ledger.EVENTS.c.id).with_for_update()
        rows = await self.connection.execute(statement)
        self.state = {row.id: {name: getattr(row, name) for name in _STATE} for row in rows}

    def _step(self, event: CloudEvent, step: Lifecycle) -> None:
        state = self.state.get(step.event_id)
        if state is None:
            # Its report is older than the ledger (a replay that started later).
            log.info("step of an unknown event skipped", extra={"event": step.event_id})
            return
        current = LifecycleStatus(state["status"])
        status = next_status(current, event.type, step)
        refused = _refused(current, event.type, step)
        state.update(
            _changes(step), status=status.value, version=state["version"] + 1, updated_at=event.time
        )
        if isinstance(step, Accepted):
            self.orders.append(_order(event, step))
        self.timeline.append(_entry(event, step, state["version"], status, refused=refused))
        applied = AppliedStep(event.id, event.time, step, status, state["level"], current)
        self.applied.append(applied)

    async def _write(self) -> None:
        if self.timeline:
            await self.connection.execute(ledger.TIMELINE.insert(), self.timeline)
            changed = {entry["event_id"] for entry in self.timeline}
            await self.connection.execute(
                ledger.EVENTS.update()
                .where(ledger.EVENTS.c.id == bindparam("event_key"))
                .values({name: bindparam(f"new_{name}") for name in _STATE}),
                [
                    {"event_key": key, **{f"new_{n}": v for n, v in self.state[key].items()}}
                    for key in changed
                ],
            )
        await insert_missing(self.connection, ledger.ORDERS, self.orders)
        if self.timers is not None:
            await self.timers.follow(self.connection, self.applied)


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


def _entry(
    event: CloudEvent, step: Lifecycle, version: int, status: LifecycleStatus, *, refused: bool
) -> dict[str, Any]:
    details = step.model_dump(
        mode="json", by_alias=True, exclude=ledger.SUMMARY_FIELDS | {"order"}, exclude_none=True
    )
    if refused:
        details["unapplied"] = step.status.value  # what it claimed, kept for the record
    return {
        "id": event.id,
        "event_id": step.event_id,
        "version": version,
        "type": event.type,
        "status": status.value,
        "occurred_at": event.time,
        "source": event.source,
        "department": getattr(step, "department", None) or getattr(step, "lead", None),
        "note": step.note,
        "details": details,
    }


def _order(event: CloudEvent, step: Accepted) -> dict[str, Any]:
    return {
        "event_id": step.event_id,
        "department": step.department,
        "role": step.role.value,
        "upstream_system": step.upstream.system,
        "upstream_id": step.upstream.id,
        "upstream_url": step.upstream.url,
        "accepted_at": event.time,
    }
