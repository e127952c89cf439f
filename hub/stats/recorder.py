"""Keeping the rollups current: the projection hands each batch of steps here, inside
its own transaction, so the ledger and the statistics commit together.

Each event's facts are stored (``stats_events``) with the ids of the steps folded in;
a step already there changes nothing, so a replayed or redelivered batch is harmless.
The cells change by the difference between an event's contribution before the batch
and after it (``hub.stats.measures``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection

from hub.bus import CloudEvent
from hub.events import GridEventType
from hub.stats import store
from hub.stats.facts import EventFacts, Step, advance, reported
from hub.stats.measures import Timely, within_a_clock_day
from hub.stats.rollup import Delta

LIFECYCLE_TYPES = frozenset(t.value for t in GridEventType)


@dataclass(frozen=True, slots=True)
class Statistics:
    """The statistics as the projection's recorder (``hub.events.hooks.BatchRecorder``)."""

    timely: Timely = within_a_clock_day  # whether a verification came in time
    time_scale: float = 1.0  # the hub's clock runs this much faster (hub demo)

    async def record(self, connection: AsyncConnection, events: Sequence[CloudEvent]) -> None:
        await record(connection, events, self.timely, self.time_scale)


async def record(
    connection: AsyncConnection,
    events: Sequence[CloudEvent],
    timely: Timely = within_a_clock_day,
    time_scale: float = 1.0,
) -> None:
    """Fold lifecycle CloudEvents into the statistics (others are ignored)."""
    steps = [Step.of(e) for e in events if e.type in LIFECYCLE_TYPES]
    await record_steps(connection, steps, timely, time_scale)


async def record_steps(
    connection: AsyncConnection,
    steps: Sequence[Step],
    timely: Timely = within_a_clock_day,
    time_scale: float = 1.0,
) -> None:
    if not steps:
        return
    before = await store.load_facts(connection, {s.event_id for s in steps})
    after = fold(before, steps)
    changed = [facts for key, facts in after.items() if before.get(key) is not facts]
    if not changed:
        return
    delta = Delta(timely, time_scale)
    for facts in changed:
        delta.change(before.get(facts.event_id), facts)
    await store.save_facts(connection, changed)
    await store.add_cells(connection, store.STATS, delta.cells())
    await store.add_cells(connection, store.WORKERS, delta.worker_cells())


def fold(known: dict[str, EventFacts], steps: Iterable[Step]) -> dict[str, EventFacts]:
    """The facts after the steps, in order; steps seen before, or of events whose report
    was never seen, are skipped."""
    facts = dict(known)
    for step in steps:
        current = facts.get(step.event_id)
        if step.type is GridEventType.REPORTED:
            if current is None:
                facts[step.event_id] = reported(step)
        elif current is not None and step.id not in current.steps:
            facts[step.event_id] = advance(current, step)
    return facts
