"""The one place that drives consumers: start, fetch, handle, commit, stop.

A handler is a typed function from a batch of CloudEvents to the messages they cause;
it never sees a consumer, an offset or a transaction. The worker commits the outputs
together with the consumed offsets, so a crash anywhere redoes the batch and never
doubles or drops an output.

What a worker does with a record its handler cannot handle:

- not a CloudEvent, or its data does not fit the contract (MalformedEventError), or
  the handler raises PoisonMessageError: to the dead-letter topic, with the reason;
- any other exception is taken as transient: retried with backoff, one record at a
  time, ``max_attempts`` times (then dead-lettered) or, for subscribers that must
  never skip (``retry_forever``), until it succeeds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from hub.bus.backend import Backend, BusUnavailableError, CommitConflictError, GroupConsumer
from hub.bus.cloudevent import CloudEvent, MalformedEventError
from hub.bus.dead_letters import dead_letter
from hub.bus.message import Message, Record
from hub.bus.signal import Signal, wait
from hub.core import telemetry
from hub.observability.metrics import Metrics

log = logging.getLogger(__name__)

BatchHandler = Callable[[Sequence[CloudEvent]], Awaitable[Sequence[Message]]]
EventHandler = Callable[[CloudEvent], Awaitable[Sequence[Message]]]
MAX_BACKOFF = 30.0


class PoisonMessageError(Exception):
    """The handler can never handle this event: dead-letter it with this reason."""


@dataclass(frozen=True, slots=True)
class Subscriber:
    group: str
    topics: tuple[str, ...]
    handle: BatchHandler
    retry_forever: bool = False
    types: frozenset[str] | None = None  # the CloudEvent types it takes; None: all
    retry_cap: float = MAX_BACKOFF  # the longest wait between retries of one record

    def takes(self, record: Record) -> bool:
        """Whether to decode and handle it; others are passed over (and committed).
        A record without a type is taken, to be dead-lettered as malformed."""
        kind = record.header("ce_type")
        return self.types is None or kind is None or kind in self.types


def each(
    handler: EventHandler, *, concurrent_keys: bool = False, span: str | None = None
) -> BatchHandler:
    """A batch handler that calls ``handler`` per event, in order.

    With ``concurrent_keys`` events of different keys (grids) run concurrently, each
    key's events still one after another: for handlers that wait on the network.
    When tracing, each call is a span named ``span`` in its event's trace, so what the
    handler sends on (its events, its upstream calls) continues that trace.
    """
    handler = _traced(handler, span or handler.__qualname__)

    async def in_order(events: Sequence[CloudEvent]) -> list[Message]:
        return [output for event in events for output in await handler(event)]

    async def by_key(events: Sequence[CloudEvent]) -> list[Message]:
        lanes: dict[str, list[int]] = defaultdict(list)
        for index, event in enumerate(events):
            lanes[event.gridid].append(index)
        results: list[Sequence[Message]] = [()] * len(events)

        async def lane(indexes: list[int]) -> None:
            for index in indexes:
                results[index] = await handler(events[index])

        await asyncio.gather(*(lane(indexes) for indexes in lanes.values()))
        return [output for outputs in results for output in outputs]

    return by_key if concurrent_keys else in_order


def _traced(handler: EventHandler, span: str) -> EventHandler:
    async def handle(event: CloudEvent) -> Sequence[Message]:
        attributes = {"cloudevents.event_id": event.id, "cloudevents.event_type": event.type}
        with telemetry.joined(span, event.traceparent, attributes):
            return await handler(event)

    return handle


def backoff(attempt: int, cap: float = MAX_BACKOFF) -> float:
    return float(min(cap, 0.1 * 2**attempt))


class Worker:
    """Runs one subscriber as one member of its consumer group until cancelled."""

    def __init__(  # noqa: PLR0913 - each is a separate, required collaborator
        self,
        backend: Backend,
        subscriber: Subscriber,
        *,
        member: str,
        dead_letters: str,
        batch_size: int = 500,
        max_attempts: int = 5,
        metrics: Metrics | None = None,
        resumed: Signal | None = None,
    ) -> None:
        self.backend = backend
        self.subscriber = subscriber
        self.member = member
        self.dead_letters = dead_letters
        self.batch_size = batch_size
        self.max_attempts = max_attempts
        self.metrics = metrics
        self.trouble: str | None = None  # why it is restarting its consumer, while it is
        # Fired when the broker answers again: a member in its backoff starts at once.
        self.resumed = resumed or Signal()

    async def run(self) -> None:
        attempt = 0
        while True:
            resumed = self.resumed.current()
            consumer = self.backend.group_consumer(
                self.subscriber.group, self.subscriber.topics, self.member
            )
            try:
                await consumer.start()
                attempt, self.trouble = 0, None
                await self._consume(consumer)
            except BusUnavailableError as error:
                self._troubled("bus unavailable", str(error), logging.WARNING)
            except Exception as error:
                self._troubled("consumer failed; restarting", repr(error), logging.ERROR)
            finally:
                with contextlib.suppress(Exception):
                    await consumer.stop()
            attempt += 1
            await wait(resumed, backoff(attempt))
            if resumed.is_set():  # back after an outage: the backoff starts over
                attempt = 0

    def _troubled(self, message: str, why: str, level: int) -> None:
        """Logged when the trouble starts or changes, not on every retry of it."""
        if why != self.trouble:
            log.log(level, message, extra={"group": self.subscriber.group, "error": why})
        self.trouble = why

    async def _consume(self, consumer: GroupConsumer) -> None:
        while True:
            records = await consumer.fetch(self.batch_size, max_wait=1.0)
            if not records:
                continue
            started = time.perf_counter()
            outputs = await self.outputs(records)
            try:
                await consumer.commit(records, outputs)
            except CommitConflictError as conflict:
                log.info("batch dropped: %s", conflict, extra={"group": self.subscriber.group})
                await consumer.rewind()
                continue
            self._observe(records, outputs, time.perf_counter() - started)

    async def outputs(self, records: Sequence[Record]) -> list[Message]:
        """What a batch produces: the handler's outputs and the dead letters, in order."""
        records = [r for r in records if self.subscriber.takes(r)]
        decoded: list[CloudEvent | Message] = [self._decode(r) for r in records]
        events = [e for e in decoded if isinstance(e, CloudEvent)]
        letters = [m for m in decoded if isinstance(m, Message)]
        try:
            return [*letters, *await self.subscriber.handle(events)]
        except Exception as error:  # isolate the record that failed
            log.info("batch failed, retrying one by one: %r", error)
        outputs = list(letters)
        by_id = {id(e): r for e, r in zip(decoded, records, strict=True)}
        for event in events:
            outputs += await self._one(event, by_id[id(event)])
        return outputs

    def _decode(self, record: Record) -> CloudEvent | Message:
        try:
            return CloudEvent.from_record(record)
        except MalformedEventError as error:
            return self._letter(record, f"malformed CloudEvent: {error}")

    async def _one(self, event: CloudEvent, record: Record) -> Sequence[Message]:
        attempt = 0
        while True:
            try:
                return await self.subscriber.handle([event])
            except (MalformedEventError, PoisonMessageError) as error:
                return [self._letter(record, f"{type(error).__name__}: {error}")]
            except Exception as error:  # anything else may pass; retry it
                attempt += 1
                if attempt >= self.max_attempts and not self.subscriber.retry_forever:
                    return [self._letter(record, f"failed {attempt} times, last: {error!r}")]
                log.warning(
                    "handler failed; retrying",
                    extra={
                        "group": self.subscriber.group,
                        "event": event.id,
                        "attempt": attempt,
                        "error": repr(error),
                    },
                )
                await asyncio.sleep(backoff(attempt, self.subscriber.retry_cap))

    def _letter(self, record: Record, reason: str) -> Message:
        log.warning(
            "dead-lettered",
            extra={
                "group": self.subscriber.group,
                "topic": record.topic,
                "offset": record.offset,
                "reason": reason,
            },
        )
        return dead_letter(record, reason, self.subscriber.group, self.dead_letters)

    def _observe(
        self, records: Sequence[Record], outputs: Sequence[Message], elapsed: float
    ) -> None:
        if self.metrics is None:
            return
        group = self.subscriber.group
        letters = sum(1 for m in outputs if m.topic == self.dead_letters)
        self.metrics.bus_records.labels(group, "dead_lettered").inc(letters)
        self.metrics.bus_records.labels(group, "handled").inc(len(records) - letters)
        self.metrics.bus_batch_latency.labels(group).observe(elapsed)
