"""The worker runtime on every backend: dead letters, retries, and the stream going on."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from typing import Any

import pytest

from hub.bus import (
    CloudEvent,
    DeadLetter,
    Message,
    PoisonMessageError,
    Subscriber,
    Worker,
    each,
    runtime,
)
from hub.core.workorders import LifecycleStatus
from hub.events import Severity
from hub.events.payloads import Escalated
from tests.conftest import BusEnv
from tests.support.events import cancel, collect

GRID = "330199001006005"


def step(level: int) -> Message:
    data = Escalated(
        event_id="01KBZ0000000000000000000AA",
        status=LifecycleStatus.ACCEPTED,
        category="city.litter",
        severity=Severity.LOW,
        level=min(level, 4),
    )
    return CloudEvent.of("gov.grid.event.escalated", "/t", GRID, data).message("in")


async def run(
    env: BusEnv, subscriber: Subscriber, until: int, max_attempts: int = 3
) -> list[Message]:
    """Run ``subscriber`` until ``until`` messages came out on its output topic."""
    out = env.topics.dispatch("police")
    worker = Worker(
        env.backend,
        subscriber,
        member="m",
        dead_letters=env.topics.dead_letters,
        batch_size=50,
        max_attempts=max_attempts,
    )
    task = asyncio.create_task(worker.run())
    try:
        records = await collect(env.backend, out, lambda found: len(found) >= until)
    finally:
        await cancel(task)
    return [Message(r.topic, r.key, r.value, r.headers) for r in records]


async def test_poison_is_dead_lettered_with_its_reason_and_the_stream_goes_on(
    bus_env: BusEnv,
) -> None:
    source, out = bus_env.topics.grid_events, bus_env.topics.dispatch("police")
    await bus_env.backend.ensure_topics([source, out, bus_env.topics.dead_letters])

    async def handle(event: CloudEvent) -> list[Message]:
        level = event.payload(Escalated).level
        if level == 3:
            raise PoisonMessageError("level 3 cannot be handled")
        return [Message(out, event.gridid, str(level).encode())]

    inputs = [step(1), Message(source, GRID, b"garbage"), step(3), step(2), step(4)]
    await bus_env.backend.publish([Message(source, m.key, m.value, m.headers) for m in inputs])
    subscriber = Subscriber(bus_env.topics.group("t"), (source,), each(handle))
    outputs = await run(bus_env, subscriber, until=3)
    assert [m.value for m in outputs] == [b"1", b"2", b"4"]

    letters = await collect(bus_env.backend, bus_env.topics.dead_letters, lambda f: len(f) >= 2)
    reasons = [r.header("dlq_reason") or "" for r in letters]
    assert reasons[0].startswith("malformed CloudEvent: not a CloudEvents 1.0 message")
    assert reasons[1] == "PoisonMessageError: level 3 cannot be handled"
    letter = DeadLetter.model_validate_json(letters[1].value)
    assert (letter.group, letter.topic, letter.key) == (bus_env.topics.group("t"), source, GRID)
    assert json.loads(letter.value)["level"] == 3
    assert letters[0].header("dlq_offset") == "1"


async def test_transient_failures_are_retried_then_dead_lettered(bus_env: BusEnv) -> None:
    source, out = bus_env.topics.grid_events, bus_env.topics.dispatch("police")
    await bus_env.backend.ensure_topics([source, out, bus_env.topics.dead_letters])
    calls: dict[int, int] = {}

    async def handle(events: Sequence[CloudEvent]) -> list[Message]:
        outputs = []
        for event in events:
            level = event.payload(Escalated).level
            calls[level] = calls.get(level, 0) + 1
            if level == 1 and calls[level] < 3:
                raise ConnectionError("the department is down")  # recovers on the third try
            if level == 2:
                raise ConnectionError("the department never answers")
            outputs.append(Message(out, event.gridid, str(level).encode()))
        return outputs

    await bus_env.backend.publish(
        [Message(source, m.key, m.value, m.headers) for m in (step(1), step(2), step(3))]
    )
    subscriber = Subscriber(bus_env.topics.group("t"), (source,), handle)
    outputs = await run(bus_env, subscriber, until=2, max_attempts=3)
    assert [m.value for m in outputs] == [b"1", b"3"]
    letters = await collect(bus_env.backend, bus_env.topics.dead_letters, lambda f: len(f) >= 1)
    assert "failed 3 times, last: ConnectionError('the department never answers')" in (
        letters[0].header("dlq_reason") or ""
    )


async def down_then_up(env: BusEnv, failures: int, **options: Any) -> list[Message]:
    """One record through a must-not-skip subscriber whose handler fails ``failures``
    times, as a department that is down and comes back; what came out."""
    source, out = env.topics.grid_events, env.topics.dispatch("police")
    await env.backend.ensure_topics([source, out])
    left = [failures]

    async def handle(event: CloudEvent) -> list[Message]:
        if left[0]:
            left[0] -= 1
            raise ConnectionError("the department is down")
        return [Message(out, event.gridid, b"done")]

    await env.backend.publish([Message(source, m.key, m.value, m.headers) for m in (step(1),)])
    subscriber = Subscriber(
        env.topics.group("t"), (source,), each(handle), retry_forever=True, **options
    )
    outputs = await run(env, subscriber, until=1, max_attempts=1)
    assert left == [0]
    return outputs


async def test_a_subscriber_that_must_not_skip_retries_until_it_succeeds(bus_env: BusEnv) -> None:
    assert [m.value for m in await down_then_up(bus_env, failures=4)] == [b"done"]


async def test_retries_of_one_record_wait_no_longer_than_the_subscribers_cap(
    bus_env: BusEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    waits: list[float] = []

    def waited(attempt: int, cap: float = runtime.MAX_BACKOFF) -> float:
        waits.append(runtime_backoff(attempt, cap))
        return 0.0  # recorded, not slept

    runtime_backoff = runtime.backoff
    monkeypatch.setattr(runtime, "backoff", waited)
    assert [m.value for m in await down_then_up(bus_env, failures=8, retry_cap=1.0)] == [b"done"]
    # the batch fails once, then the record alone seven times, each failure a wait capped at 1 s
    assert waits == pytest.approx([0.2, 0.4, 0.8, 1.0, 1.0, 1.0, 1.0])
