"""Writing and cancelling timers as the ledger applies an event's steps: in the
projection's transaction, so a routed event always has its timer and a finished one
never fires again."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, select
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.core.workorders import LifecycleStatus
from hub.db.timer_models import TimerRow
from hub.db.upsert import insert_missing
from hub.events.hooks import AppliedStep
from hub.events.ledger import EVENTS
from hub.events.payloads import Routed, TimeLimit
from hub.timers.schedule import Schedule

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


class TimerBook:
    def __init__(self, schedule: Schedule) -> None:
        self.schedule = schedule

    async def follow(self, connection: AsyncConnection, steps: Sequence[AppliedStep]) -> None:
        """Start the timer of each newly routed event; stop those of finished ones; give a
        reopened or resumed one a fresh time limit from then.

        A re-routing (改派) keeps the timer it has: the time limit runs from the first
        routing, whoever handles it.
        """
        start: dict[str, dict[str, Any]] = {}
        stop: set[str] = set()
        reopened: dict[str, AppliedStep] = {}
        for applied in steps:
            event_id = applied.step.event_id
            if applied.status in STOPPED:
                start.pop(event_id, None)
                reopened.pop(event_id, None)
                stop.add(event_id)
            elif _runs_again(applied):
                start.pop(event_id, None)
                reopened[event_id] = applied
                stop.add(event_id)
            elif isinstance(applied.step, Routed) and applied.step.deadline is not None:
                row = self._row(applied, applied.step.time_limit, applied.step.deadline)
                start.setdefault(event_id, row)
                stop.discard(event_id)
        if stop:
            await connection.execute(delete(TIMERS).where(TIMERS.c.event_id.in_(stop)))
        await insert_missing(connection, TIMERS, list(start.values()))
        await self._restart(connection, reopened)

    async def _restart(self, connection: AsyncConnection, reopened: dict[str, AppliedStep]) -> None:
        """The department handles a reopened (or resumed) event again, within its
        category's whole time limit counted from then; the ledger shows the new deadline."""
        if not reopened:
            return
        limits = await connection.execute(
            select(EVENTS.c.id, EVENTS.c.time_limit).where(EVENTS.c.id.in_(reopened))
        )
        rows, deadlines = [], []
        for event_id, stored in limits:
            applied, limit = reopened[event_id], TimeLimit.model_validate(stored)
            deadline = self.schedule.deadline(applied.at, limit)
            if deadline is not None:
                rows.append(self._row(applied, limit, deadline))
                deadlines.append({"event_key": event_id, "new_deadline": deadline})
        await insert_missing(connection, TIMERS, rows)
        if deadlines:
            update = EVENTS.update().where(EVENTS.c.id == bindparam("event_key"))
            await connection.execute(update.values(deadline=bindparam("new_deadline")), deadlines)

    def _row(self, applied: AppliedStep, limit: TimeLimit, deadline: datetime) -> dict[str, Any]:
        return {
            "event_id": applied.step.event_id,
            "due_at": self.schedule.due(applied.at, limit, deadline, 0),
            "stage": 0,
            "level": applied.level,
            "started_at": applied.at,
            "deadline": deadline,
            "time_limit": limit.model_dump(mode="json"),
            "caused_by": applied.id,
        }


def _runs_again(applied: AppliedStep) -> bool:
    """Reopened, or taken up again after a suspension (挂账): a fresh time limit."""
    resumed = applied.before is LifecycleStatus.SUSPENDED and applied.status not in STOPPED
    return applied.status is LifecycleStatus.REOPENED or resumed
