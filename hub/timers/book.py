"""Writing and cancelling timers as the ledger applies an event's steps: in the
projection's transaction, so a routed event always has its timer and a finished one
never fires again."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, delete
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.db.upsert import insert_missing
from hub.events.payloads import Lifecycle, Routed
from hub.timers.schedule import Schedule
from hub.timers.tables import TimerRow
from hub.workorders import LifecycleStatus

TIMERS = cast("Table", TimerRow.__table__)
# Once an event stands here, its time limit no longer runs.
STOPPED = frozenset(
    {
        LifecycleStatus.RESOLVED,
        LifecycleStatus.VERIFIED,
        LifecycleStatus.CLOSED,
        LifecycleStatus.MERGED,
        LifecycleStatus.SUSPENDED,
    }
)


def time_left(
    deadline: datetime | None, status: LifecycleStatus, now: datetime
) -> timedelta | None:
    """Until the deadline, negative past it; None without one or once the limit stopped."""
    if deadline is None or status in STOPPED:
        return None
    return deadline - now


@dataclass(frozen=True, slots=True)
class AppliedStep:
    """A step as the ledger applied it: where the event stands after it."""

    id: str  # the CloudEvent's id
    at: datetime
    step: Lifecycle
    status: LifecycleStatus
    level: int


class TimerBook:
    def __init__(self, schedule: Schedule) -> None:
        self.schedule = schedule

    async def follow(self, connection: AsyncConnection, steps: Sequence[AppliedStep]) -> None:
        """Start the timer of each newly routed event; stop those of finished ones.

        A re-routing (改派) keeps the timer it has: the time limit runs from the first
        routing, whoever handles it.
        """
        start: dict[str, dict[str, Any]] = {}
        stop: set[str] = set()
        for applied in steps:
            event_id = applied.step.event_id
            if applied.status in STOPPED:
                start.pop(event_id, None)
                stop.add(event_id)
            elif isinstance(applied.step, Routed) and applied.step.deadline is not None:
                start.setdefault(event_id, self._row(applied, applied.step, applied.step.deadline))
                stop.discard(event_id)
        if stop:
            await connection.execute(delete(TIMERS).where(TIMERS.c.event_id.in_(stop)))
        await insert_missing(connection, TIMERS, list(start.values()))

    def _row(self, applied: AppliedStep, routed: Routed, deadline: datetime) -> dict[str, Any]:
        return {
            "event_id": routed.event_id,
            "due_at": self.schedule.due(applied.at, routed.time_limit, deadline, 0),
            "stage": 0,
            "level": applied.level,
            "started_at": applied.at,
            "deadline": deadline,
            "time_limit": routed.time_limit.model_dump(mode="json"),
            "caused_by": applied.id,
        }
