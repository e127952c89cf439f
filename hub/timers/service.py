"""The timer service: fires due warnings and escalations, each exactly once.

One transaction claims due rows, writes what they announce to the outbox and advances
or deletes them. On PostgreSQL the claim is ``SELECT … FOR UPDATE SKIP LOCKED``, so
replicas fire disjoint rows side by side; on SQLite the claim is an UPDATE, which takes
the database's one write lock for the whole transaction, so claimers take turns. A
crash before the commit leaves the rows due, to be fired by whoever claims next.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Row, bindparam, delete, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.bus import CloudEvent, Message, Topics, derived_id, enqueue
from hub.bus.runtime import backoff
from hub.bus.settings import TimerSettings
from hub.bus.signal import Signal
from hub.bus.wire import Wire
from hub.core.clock import Clock
from hub.core.workorders import LifecycleStatus
from hub.db.engine import Database
from hub.events import DispatchType, GridEventType, Severity, ledger
from hub.events.payloads import (
    Escalated,
    NoticeIssued,
    Supervised,
    TimeLimit,
    Warned,
)
from hub.routing import COMMAND
from hub.timers.book import STOPPED, TIMERS
from hub.timers.calendar import CalendarExhaustedError
from hub.timers.schedule import LEVEL_NAMES, TOP_LEVEL, Schedule

log = logging.getLogger(__name__)
SOURCE = "/hub/timers"


@dataclass
class _Firing:
    """What one claim produced: messages to send and how each timer moves on."""

    messages: list[Message] = field(default_factory=list)
    advanced: list[dict[str, Any]] = field(default_factory=list)
    done: list[str] = field(default_factory=list)


class TimerService:
    def __init__(
        self,
        database: Database,
        schedule: Schedule,
        topics: Topics,
        clock: Clock,
        settings: TimerSettings,
        written: Signal | None = None,
    ) -> None:
        self.database = database
        self.schedule = schedule
        self.topics = topics
        self.clock = clock
        self.settings = settings
        self.written = written or Signal()
        self.fired = 0  # timers this service fired, for the bench and the logs

    async def run(self) -> None:
        failures = 0
        while True:
            try:
                fired = await self.fire_due()
            except (SQLAlchemyError, OSError) as error:
                failures += 1
                log.warning("timers: database unavailable", extra={"error": str(error)})
                await asyncio.sleep(backoff(failures))
                continue
            failures = 0
            if fired < self.settings.batch_size:
                await asyncio.sleep(self.settings.poll_seconds)

    async def fire_all_due(self) -> int:
        """Fire batches until nothing is due; returns how many timers were claimed."""
        total = 0
        while fired := await self.fire_due():
            total += fired
        return total

    async def fire_due(self) -> int:
        """Fire one batch of due timers; returns how many were claimed."""
        now = self.clock.now()
        async with self.database.engine.begin() as connection:
            timers = await self._claim(connection, now)
            if not timers:
                return 0
            firing = await self._fire(connection, timers, now)
            await enqueue(connection, firing.messages)
            await _advance(connection, firing)
        self.fired += len(timers)
        self.written.fire()
        return len(timers)

    async def _claim(self, connection: AsyncConnection, now: datetime) -> Sequence[Row[Any]]:
        due = TIMERS.c.due_at <= now
        if connection.dialect.name == "postgresql":
            locked = (
                select(TIMERS)
                .where(due)
                .order_by(TIMERS.c.due_at)
                .limit(self.settings.batch_size)
                .with_for_update(skip_locked=True)
            )
            return (await connection.execute(locked)).all()
        # SQLite: a no-op UPDATE takes the write lock before anything is read.
        first = (
            select(TIMERS.c.event_id)
            .where(due)
            .order_by(TIMERS.c.due_at)
            .limit(self.settings.batch_size)
        )
        claim = (
            update(TIMERS)
            .where(TIMERS.c.event_id.in_(first.scalar_subquery()))
            .values(stage=TIMERS.c.stage)
            .returning(*TIMERS.c)
        )
        return (await connection.execute(claim)).all()

    async def _fire(
        self, connection: AsyncConnection, timers: Sequence[Row[Any]], now: datetime
    ) -> _Firing:
        ids = [timer.event_id for timer in timers]
        rows = await connection.execute(select(ledger.EVENTS).where(ledger.EVENTS.c.id.in_(ids)))
        events = {row.id: row for row in rows}
        firing = _Firing()
        for timer in timers:
            event = events.get(timer.event_id)
            if event is None or LifecycleStatus(event.status) in STOPPED:
                firing.done.append(timer.event_id)  # finished meanwhile: nothing to say
            elif timer.stage == 0:
                firing.messages += self._warning(timer, event, now)
                self._next(firing, timer, timer.level)
            elif timer.level >= TOP_LEVEL:
                self._supervise(firing, timer, event, now)
            else:
                self._escalate(firing, timer, event, now)
        return firing

    def _escalate(self, firing: _Firing, timer: Row[Any], event: Row[Any], now: datetime) -> None:
        level = timer.level + 1
        note = f"超时升级至{LEVEL_NAMES[level]} (level {level})"
        step = Escalated(**_lifecycle(event), note=note, level=level)
        salt = f"escalated:{level}"
        escalated = self._step(timer, event, now, GridEventType.ESCALATED, step, salt)
        firing.messages.append(escalated.message(self.topics.grid_events))
        firing.messages.append(self._notice(timer, event, now, salt, note))
        self._next(firing, timer, level)

    def _supervise(self, firing: _Firing, timer: Row[Any], event: Row[Any], now: datetime) -> None:
        """督办: past the top level an overdue event is not left in silence; the timer's
        level counts on above 4, one supervision round each."""
        round_ = timer.level - TOP_LEVEL + 1
        department = event.lead_department or COMMAND
        note = f"第{round_}次督办: 已超期, 请{department}负责人督促办结"
        step = Supervised(
            **_lifecycle(event),
            note=note,
            department=department,
            round=round_,
            deadline=timer.deadline,
        )
        salt = f"supervised:{round_}"
        supervised = self._step(timer, event, now, GridEventType.SUPERVISED, step, salt)
        firing.messages.append(supervised.message(self.topics.grid_events))
        firing.messages.append(self._notice(timer, event, now, salt, note))
        if round_ >= self.settings.supervision_rounds:
            firing.done.append(timer.event_id)  # the district's own follow-up takes over
        else:
            self._next(firing, timer, timer.level + 1)

    def _next(self, firing: _Firing, timer: Row[Any], level: int) -> None:
        stage = timer.stage + 1
        limit = TimeLimit.model_validate(timer.time_limit)
        try:
            due = self.schedule.due(timer.started_at, limit, timer.deadline, stage)
        except CalendarExhaustedError as error:
            log.error("timer stopped", extra={"event": timer.event_id, "error": str(error)})
            firing.done.append(timer.event_id)
            return
        firing.advanced.append(
            {"key": timer.event_id, "new_due": due, "new_stage": stage, "new_level": level}
        )

    def _warning(self, timer: Row[Any], event: Row[Any], now: datetime) -> list[Message]:
        """The notice to the lead department, and the step on the stream and timeline."""
        local = timer.deadline.astimezone(self.schedule.calendar.zone)
        message = f"临近办理时限: {local:%m-%d %H:%M} 前办结"
        step = Warned(**_lifecycle(event), note=message, deadline=timer.deadline, level=timer.level)
        return [
            self._step(timer, event, now, GridEventType.WARNED, step, "warned").message(
                self.topics.grid_events
            ),
            self._notice(timer, event, now, "warning", message),
        ]

    def _step(
        self,
        timer: Row[Any],
        event: Row[Any],
        now: datetime,
        kind: GridEventType | DispatchType,
        data: Wire,
        salt: str,
    ) -> CloudEvent:
        """What the timer says of the event, its id derived from the timer's cause and
        ``salt``, so a timer fired twice says it once."""
        return CloudEvent.of(
            kind,
            SOURCE,
            event.grid_code,
            data,
            subject=event.id,
            id_=derived_id(timer.caused_by, salt),
            time=now,
        )

    def _notice(
        self, timer: Row[Any], event: Row[Any], now: datetime, salt: str, message: str
    ) -> Message:
        department = event.lead_department or COMMAND
        notice = NoticeIssued(
            department=department,
            title=event.title,
            message=message,
            event_id=event.id,
            caused_by=timer.caused_by,
            rule=f"time-limit:{salt}",
        )
        item = self._step(timer, event, now, DispatchType.NOTICE, notice, salt)
        return item.message(self.topics.dispatch(department))


async def _advance(connection: AsyncConnection, firing: _Firing) -> None:
    if firing.done:
        await connection.execute(delete(TIMERS).where(TIMERS.c.event_id.in_(firing.done)))
    if firing.advanced:
        await connection.execute(
            update(TIMERS)
            .where(TIMERS.c.event_id == bindparam("key"))
            .values(
                due_at=bindparam("new_due"),
                stage=bindparam("new_stage"),
                level=bindparam("new_level"),
            ),
            firing.advanced,
        )


def _lifecycle(event: Row[Any]) -> dict[str, Any]:
    """What every step about the event says of it: where it stands, unchanged."""
    return {
        "event_id": event.id,
        "status": LifecycleStatus(event.status),
        "category": event.category,
        "severity": Severity(event.severity),
        "departments": [event.lead_department or COMMAND, *event.co_departments],
    }
