"""The steps people take in the hub itself: verify, rate, merge, suspend, resume, and
settle in the grid.

Each step is checked against the lifecycle machine on the event's row under a row
lock (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite serialises writers), and its
ledger change, timeline entry and outbox row are written in one transaction, as the
intake does for reports. The projection later skips the step as known (it is
idempotent on the CloudEvent id), and a second step right after sees the new status.

When an event closes: a verified event whose reporter can be asked (a hotline call,
or a reporter's phone) waits for the rating (回访) and closes with it; one nobody can
rate (a patrol's report, a sensor's) closes on verification.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from hub.bus import CloudEvent, Message, Topics, enqueue, new_id
from hub.bus.signal import Signal
from hub.core.clock import Clock, SystemClock
from hub.core.errors import (
    ForbiddenError,
    InvalidTransitionError,
    NotFoundError,
    SeparationOfDutiesError,
)
from hub.core.workorders import LifecycleStatus
from hub.db.engine import Database
from hub.events import ledger, lifecycle
from hub.events.hooks import StepFollower
from hub.events.ledger_rows import GridEventRecord, TimelineEntry
from hub.events.payloads import Lifecycle, Merged, Progressed, Rated, Verified
from hub.events.projection import write_steps
from hub.events.types import Channel, Disposition, GridEventType
from hub.security.principal import UNRESTRICTED, GridScope

SOURCE = "/hub/graph"
LOW_SCORE = 2  # a rating at or below this, with "unresolved", reopens the event


class UnknownEventError(NotFoundError):
    """No event has this id."""


class NotInGridError(InvalidTransitionError):
    """Only an event the grid settles itself (IN_GRID) is resolved by its grid worker."""

    def __init__(self, current: LifecycleStatus, disposition: Disposition | None) -> None:
        super().__init__(
            current,
            "RESOLVED by its grid worker (it is not settled in the grid)",
            disposition=disposition.value if disposition else None,
        )
        self.disposition = disposition


class NotYoursError(ForbiddenError):
    """The event lies outside the grids the actor may act in."""


@dataclass(frozen=True, slots=True)
class Actor:
    """Who takes the step (for the timeline), and where they may."""

    name: str  # shown on the timeline
    grids: GridScope = UNRESTRICTED
    id: str | None = None  # the principal's stable id, which the statistics credit


def _rateable(record: GridEventRecord) -> bool:
    """Whether someone can be asked for a rating (回访)."""
    return record.channel is Channel.HOTLINE or record.reporter_phone is not None


def _step_data(
    model: type[Lifecycle], record: GridEventRecord, status: LifecycleStatus, **fields: Any
) -> Lifecycle:
    return model(
        event_id=record.id,
        status=status,
        category=record.category,
        severity=record.severity,
        departments=record.departments,
        **fields,
    )


class Steps:
    """Takes people's steps on grid events; each returns the event as it now stands."""

    def __init__(
        self,
        database: Database,
        topics: Topics,
        written: Signal,
        timers: StepFollower | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.database = database
        self.topics = topics
        self.written = written  # wakes the outbox relay
        self.timers = timers  # a step that ends or suspends an event stops its timer
        self.clock = clock or SystemClock()

    async def verify(
        self, event_id: str, passed: bool, note: str | None, photos: Sequence[str], actor: Actor
    ) -> GridEventRecord:
        """核查. Whoever resolved the event may not verify it: someone else checks."""
        history = await self.history(event_id)

        def build(record: GridEventRecord) -> list[tuple[GridEventType, Lifecycle]]:
            if record.status is not LifecycleStatus.RESOLVED:
                raise InvalidTransitionError(record.status, "verified (only a resolved event)")
            _unchanged_since(record, history, "verified")
            _not_the_resolver(record, history, actor)
            target = LifecycleStatus.VERIFIED if passed else LifecycleStatus.REOPENED
            data = _step_data(
                Verified,
                record,
                target,
                passed=passed,
                note=note,
                photos=list(photos),
                by=actor.name,
                actor=actor.id,
            )
            steps: list[tuple[GridEventType, Lifecycle]] = [(GridEventType.VERIFIED, data)]
            if passed and not _rateable(record):
                closing = "closed on verification: nobody to ask for a rating"
                steps.append((GridEventType.CLOSED, self._closed(record, closing, actor)))
            return steps

        return (await self.take([event_id], build, actor))[event_id]

    async def rate(
        self, event_id: str, score: int, comment: str | None, unresolved: bool, actor: Actor
    ) -> GridEventRecord:
        def build(record: GridEventRecord) -> list[tuple[GridEventType, Lifecycle]]:
            reopen = unresolved and score <= LOW_SCORE
            target = LifecycleStatus.REOPENED if reopen else record.status  # closed next
            if record.status is not LifecycleStatus.VERIFIED:
                raise InvalidTransitionError(record.status, "a rating (only a verified event)")
            data = _step_data(
                Rated,
                record,
                target,
                score=score,
                comment=comment,
                unresolved=unresolved,
                note=comment,
                by=actor.name,
                actor=actor.id,
            )
            steps: list[tuple[GridEventType, Lifecycle]] = [(GridEventType.RATED, data)]
            if not reopen:
                steps.append(
                    (GridEventType.CLOSED, self._closed(record, "closed on rating", actor))
                )
            return steps

        return (await self.take([event_id], build, actor))[event_id]

    def _closed(self, record: GridEventRecord, note: str, actor: Actor) -> Lifecycle:
        return _step_data(
            Progressed, record, LifecycleStatus.CLOSED, note=note, by=actor.name, actor=actor.id
        )

    async def merge(
        self, primary: str, duplicates: Sequence[str], actor: Actor
    ) -> dict[str, GridEventRecord]:
        """Link duplicates to their primary (并单); they follow it when it resolves."""
        duplicates = list(dict.fromkeys(duplicates))
        if primary in duplicates or not duplicates:
            raise ValueError("name one or more duplicates, other than the primary")

        def build(record: GridEventRecord) -> list[tuple[GridEventType, Lifecycle]]:
            if record.id == primary:
                if record.status in {LifecycleStatus.CLOSED, LifecycleStatus.MERGED}:
                    raise InvalidTransitionError(record.status, "take duplicates (the primary)")
                return []
            lifecycle.check(record.status, LifecycleStatus.MERGED)
            note = f"merged into {primary}"
            data = _step_data(
                Merged,
                record,
                LifecycleStatus.MERGED,
                into=primary,
                note=note,
                by=actor.name,
                actor=actor.id,
            )
            return [(GridEventType.MERGED, data)]

        return await self.take([primary, *duplicates], build, actor)

    async def suspend(self, event_id: str, reason: str, actor: Actor) -> GridEventRecord:
        """挂账: a long-term matter set aside with a supervisor's approval."""

        def build(record: GridEventRecord) -> list[tuple[GridEventType, Lifecycle]]:
            target = lifecycle.check(record.status, LifecycleStatus.SUSPENDED)
            data = _step_data(
                Progressed, record, target, note=reason, by=actor.name, actor=actor.id
            )
            return [(GridEventType.PROGRESSED, data)]

        return (await self.take([event_id], build, actor))[event_id]

    async def resume(self, event_id: str, note: str | None, actor: Actor) -> GridEventRecord:
        """Take a suspended event up again, in the status it had before."""
        history = await self.history(event_id)

        def build(record: GridEventRecord) -> list[tuple[GridEventType, Lifecycle]]:
            if record.status is not LifecycleStatus.SUSPENDED:
                raise InvalidTransitionError(record.status, "resumed (only a suspended event)")
            _unchanged_since(record, history, "resumed")
            target = lifecycle.check(record.status, status_before_suspension(history))
            data = _step_data(
                Progressed, record, target, note=note or "resumed", by=actor.name, actor=actor.id
            )
            return [(GridEventType.PROGRESSED, data)]

        return (await self.take([event_id], build, actor))[event_id]

    async def resolve_in_grid(self, event_id: str, note: str, actor: Actor) -> GridEventRecord:
        """小事不出格: the grid's own worker settles what was routed to the grid."""

        def build(record: GridEventRecord) -> list[tuple[GridEventType, Lifecycle]]:
            if record.disposition is not Disposition.IN_GRID:
                raise NotInGridError(record.status, record.disposition)
            target = lifecycle.check(record.status, LifecycleStatus.RESOLVED)
            data = _step_data(Progressed, record, target, note=note, by=actor.name, actor=actor.id)
            return [(GridEventType.RESOLVED, data)]

        return (await self.take([event_id], build, actor))[event_id]

    async def history(self, event_id: str) -> list[TimelineEntry]:
        async with self.database.engine.connect() as connection:
            return (await ledger.timelines(connection, [event_id])).get(event_id, [])

    async def take(
        self,
        ids: list[str],
        build: Callable[[GridEventRecord], list[tuple[GridEventType, Lifecycle]]],
        actor: Actor,
        also: Callable[[list[CloudEvent]], list[Message]] | None = None,
    ) -> dict[str, GridEventRecord]:
        """Lock the events, build their steps (which may refuse), write them all or none:
        the way every step people take in the hub is written, here and at a desk.
        ``also`` gives what else the steps send, in the same transaction (a desk's
        request for a co-handler sends that department its order)."""
        async with self.database.engine.begin() as connection:
            records = await ledger.locked_events(connection, ids)
            events = [
                self._cloud_event(records[i], kind, data)
                for i in ids
                for kind, data in _built(_checked(records, i, actor), build)
            ]
            await write_steps(connection, events, self.timers)
            messages = [e.message(self.topics.grid_events) for e in events]
            await enqueue(connection, messages + (also(events) if also else []))
            now = await ledger.events(connection, ids)
        self.written.fire()
        return now

    def _cloud_event(
        self, record: GridEventRecord, kind: GridEventType, data: Lifecycle
    ) -> CloudEvent:
        return CloudEvent.of(
            kind,
            SOURCE,
            record.grid_code,
            data,
            subject=record.id,
            id_=new_id(),
            time=self.clock.now(),
        )


def _checked(records: dict[str, GridEventRecord], event_id: str, actor: Actor) -> GridEventRecord:
    record = records.get(event_id)
    if record is None:
        raise UnknownEventError(f"no event {event_id}")
    if not actor.grids.contains(record.grid_code):
        raise NotYoursError(f"event {event_id} lies outside the grids of {actor.name}")
    return record


def _built(
    record: GridEventRecord,
    build: Callable[[GridEventRecord], list[tuple[GridEventType, Lifecycle]]],
) -> list[tuple[GridEventType, Lifecycle]]:
    try:
        return build(record)
    except InvalidTransitionError as error:
        error.event_id = record.id
        raise


def _unchanged_since(
    record: GridEventRecord, history: Sequence[TimelineEntry], wanted: str
) -> None:
    """A step read from the timeline before the lock must still be the latest."""
    if record.version != len(history):
        raise InvalidTransitionError(record.status, f"{wanted} (it changed; try again)")


def _not_the_resolver(
    record: GridEventRecord, history: Sequence[TimelineEntry], actor: Actor
) -> None:
    resolver = last_resolver(history)
    if actor.id is not None and resolver == actor.id:
        raise SeparationOfDutiesError(
            f"{actor.name} resolved event {record.id}, so someone else must verify it",
            eventId=record.id,
            resolvedBy=resolver,
        )


def last_resolver(history: Sequence[TimelineEntry]) -> str | None:
    """The principal who last resolved the event in the hub (None: its department's
    own system resolved it, or nobody has)."""
    for entry in reversed(history):
        if entry.type is GridEventType.RESOLVED:
            actor = entry.details.get("actor")
            return actor if isinstance(actor, str) else None
    return None


def status_before_suspension(history: Sequence[TimelineEntry]) -> LifecycleStatus:
    """The status the event had when it was last suspended."""
    found = previous = LifecycleStatus.REPORTED
    for entry in history:
        if entry.status is LifecycleStatus.SUSPENDED and previous is not LifecycleStatus.SUSPENDED:
            found = previous
        previous = entry.status
    return found
