"""The live stream: each replica reads ``grid.events`` itself and fans it out to its own
GraphQL subscribers, so any replica behind a load balancer serves any subscriber.

Overflow policy: every subscriber has a bounded queue (``subscriber_queue_size``). A
subscriber that falls that far behind is cut off: its stream ends with a
SUBSCRIPTION_OVERFLOW error naming the last event it was given, and it catches up
from the ledger (``events``) before subscribing again. Nobody else waits for it, and
nothing it was sent is silently skipped.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

from hub.bus import Backend, CloudEvent, MalformedEventError, Record
from hub.bus.runtime import backoff
from hub.core import telemetry
from hub.core.errors import SubscriptionOverflowError
from hub.core.workorders import LifecycleStatus
from hub.events.filters import EventFilter
from hub.events.payloads import LIFECYCLE_PAYLOADS, Lifecycle
from hub.events.types import GridEventType, Severity

log = logging.getLogger(__name__)
RECENT_IDS = 10_000  # the relay may publish an event twice; subscribers see it once


@dataclass(frozen=True, slots=True)
class LiveUpdate:
    """One step of one grid event, decoded once for every subscriber."""

    id: str  # the CloudEvent's id
    type: GridEventType
    occurred_at: datetime
    grid_code: str
    step: Lifecycle
    # What the layers above derive from this step once for all its subscribers (the
    # graph: the object every stream executes over), keyed by who made it.
    derived: dict[object, object] = field(default_factory=dict, compare=False, repr=False)

    @property
    def event_id(self) -> str:
        return self.step.event_id

    @property
    def category(self) -> str:
        return self.step.category

    @property
    def severity(self) -> Severity:
        return self.step.severity

    @property
    def status(self) -> LifecycleStatus:
        return self.step.status

    @property
    def departments(self) -> list[str]:
        return self.step.departments

    @property
    def level(self) -> int | None:
        """Reports and escalations carry the level they bring the event to; others none."""
        level = getattr(self.step, "level", None)
        return level if isinstance(level, int) else None


class SubscriberOverflowError(Exception):
    def __init__(self, last_event: str | None) -> None:
        super().__init__("the subscriber fell too far behind the stream and was cut off")
        self.last_event = last_event

    def client_error(self) -> SubscriptionOverflowError:
        """What the subscriber is told: SUBSCRIPTION_OVERFLOW, and where to catch up from."""
        return SubscriptionOverflowError(str(self), lastEventId=self.last_event)


_OVERFLOWED = object()


class Subscription:
    def __init__(self, where: EventFilter, size: int) -> None:
        self.where = where
        self.queue: asyncio.Queue[LiveUpdate | object] = asyncio.Queue(maxsize=size)
        self.last_delivered: str | None = None
        self.overflowed = False

    def offer(self, update: LiveUpdate) -> None:
        if self.overflowed or not self.where.matches(update):
            return
        try:
            self.queue.put_nowait(update)
        except asyncio.QueueFull:
            self.overflowed = True
            while not self.queue.empty():  # what it was sent but never took
                self.queue.get_nowait()
            self.queue.put_nowait(_OVERFLOWED)

    def __aiter__(self) -> AsyncIterator[LiveUpdate]:
        return self

    async def __anext__(self) -> LiveUpdate:
        item = await self.queue.get()
        if item is _OVERFLOWED:
            raise SubscriberOverflowError(self.last_delivered)
        assert isinstance(item, LiveUpdate)
        self.last_delivered = item.id
        return item


def decode(event: CloudEvent) -> LiveUpdate | None:
    """The update a lifecycle event makes; None for other types or bad data."""
    try:
        step_type = GridEventType(event.type)
        step = event.payload(LIFECYCLE_PAYLOADS[step_type])
    except (ValueError, MalformedEventError):
        return None
    return LiveUpdate(event.id, step_type, event.time, event.gridid, step)


class LiveEvents:
    def __init__(self, backend: Backend, topic: str, queue_size: int = 1000) -> None:
        self.backend = backend
        self.topic = topic
        self.queue_size = queue_size
        self.subscribers: set[Subscription] = set()
        self.ready = asyncio.Event()  # set once the stream is being read
        self._recent: OrderedDict[str, None] = OrderedDict()

    @asynccontextmanager
    async def subscribe(self, where: EventFilter) -> AsyncIterator[Subscription]:
        subscription = Subscription(where, self.queue_size)
        self.subscribers.add(subscription)
        try:
            yield subscription
        finally:
            self.subscribers.discard(subscription)

    async def run(self) -> None:
        failures = 0
        resume: datetime | None = None  # after an interruption: from the last event seen
        while True:
            tail = self.backend.tail([self.topic], since=resume)
            try:
                await tail.start()
                self.ready.set()
                failures = 0
                while True:
                    for record in await tail.fetch(1000, max_wait=1.0):
                        resume = datetime.fromtimestamp(record.timestamp_ms / 1000, UTC)
                        self._publish_record(record)
            except Exception as error:  # the stream must outlive any failure
                log.warning("live stream interrupted", extra={"error": repr(error)})
            finally:
                self.ready.clear()
                await tail.stop()
            failures += 1
            await asyncio.sleep(backoff(failures))

    def _publish_record(self, record: Record) -> None:
        try:
            event = CloudEvent.from_record(record)
        except MalformedEventError:
            return  # not a grid event step; the consumers dead-letter it
        self.publish(event)

    def publish(self, event: CloudEvent) -> None:
        if event.id in self._recent:
            return
        self._recent[event.id] = None
        if len(self._recent) > RECENT_IDS:
            self._recent.popitem(last=False)
        update = decode(event)
        if update is not None:
            with telemetry.each_joined("live publish", (event.traceparent,)):
                for subscription in list(self.subscribers):
                    subscription.offer(update)
