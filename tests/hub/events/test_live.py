"""The live stream: filters by grid subtree and more, and a slow subscriber is cut off alone."""

from __future__ import annotations

import asyncio

import pytest

from hub.bus import CloudEvent, new_id
from hub.core.workorders import LifecycleStatus
from hub.events import EventFilter, LiveEvents, Severity, SubscriberOverflowError
from hub.events.payloads import Escalated, Progressed
from tests.conftest import BusEnv
from tests.support.events import cancel

GRID_A, GRID_B = "330199001006005", "330199001007001"


def update(grid: str, **fields: object) -> CloudEvent:
    data = Progressed(
        event_id=new_id(),
        status=fields.pop("status", LifecycleStatus.IN_PROGRESS),
        category=fields.pop("category", "city.litter"),
        severity=fields.pop("severity", Severity.LOW),
        departments=fields.pop("departments", ["citymgmt"]),
    )
    return CloudEvent.of("gov.grid.event.progressed", "/t", grid, data, subject=data.event_id)


@pytest.mark.parametrize(
    ("where", "matching"),
    [
        (EventFilter(within="330199001006"), [0, 2]),  # a community takes in all its grids
        (EventFilter(within=GRID_B), [1]),
        (EventFilter(departments=("police",)), [2]),
        (EventFilter(categories=("municipal",)), [1]),
        (EventFilter(statuses=(LifecycleStatus.RESOLVED,)), [2]),
        (EventFilter(severities=(Severity.HIGH, Severity.CRITICAL)), [1]),
        (EventFilter(within="330199001", departments=("citymgmt",)), [0, 1]),
    ],
)
async def test_filters_choose_what_a_subscriber_gets(
    where: EventFilter, matching: list[int]
) -> None:
    events = [
        update(GRID_A),
        update(GRID_B, category="municipal.road_damage", severity=Severity.HIGH),
        update(GRID_A, departments=["police", "justice"], status=LifecycleStatus.RESOLVED),
    ]
    live = LiveEvents(backend=None, topic="grid.events")  # type: ignore[arg-type]  # fed by hand
    async with live.subscribe(where) as subscription:
        for event in events:
            live.publish(event)
        got = [subscription.queue.get_nowait() for _ in range(subscription.queue.qsize())]
    assert [e.id for e in got] == [events[i].id for i in matching]  # type: ignore[attr-defined]


async def test_a_slow_subscriber_is_cut_off_and_the_others_get_everything() -> None:
    live = LiveEvents(backend=None, topic="grid.events", queue_size=5)  # type: ignore[arg-type]
    events = [update(GRID_A) for _ in range(12)]
    async with live.subscribe(EventFilter()) as slow, live.subscribe(EventFilter()) as fast:
        received = []
        for index, event in enumerate(events):
            live.publish(event)
            received.append((await anext(fast)).id)
            if index == 1:
                assert (await anext(slow)).id == events[0].id  # it took one, then stalled
        assert received == [e.id for e in events]
        with pytest.raises(SubscriberOverflowError) as cut:
            await anext(slow)
        assert cut.value.last_event == events[0].id
        live.publish(update(GRID_A))
        assert slow.queue.empty()  # nothing more for a subscriber that was cut off


async def test_an_event_published_twice_reaches_subscribers_once() -> None:
    live = LiveEvents(backend=None, topic="grid.events")  # type: ignore[arg-type]
    event = update(GRID_A)
    async with live.subscribe(EventFilter()) as subscription:
        live.publish(event)
        live.publish(event)
        assert subscription.queue.qsize() == 1


async def test_other_types_are_not_grid_event_steps() -> None:
    live = LiveEvents(backend=None, topic="grid.events")  # type: ignore[arg-type]
    data = Escalated(
        event_id=new_id(),
        status=LifecycleStatus.ACCEPTED,
        category="city.litter",
        severity=Severity.LOW,
        level=2,
    )
    notice = CloudEvent.of("gov.grid.notice.issued", "/t", GRID_A, data)
    async with live.subscribe(EventFilter()) as subscription:
        live.publish(notice)
        assert subscription.queue.empty()


async def test_the_stream_follows_the_bus_on_every_backend(bus_env: BusEnv) -> None:
    await bus_env.backend.ensure_topics([bus_env.topics.grid_events])
    live = LiveEvents(bus_env.backend, bus_env.topics.grid_events)
    task = asyncio.create_task(live.run())
    try:
        async with live.subscribe(EventFilter(within="330199001006")) as subscription:
            await asyncio.wait_for(live.ready.wait(), 30)
            events = [update(GRID_A), update(GRID_B), update(GRID_A)]
            await bus_env.backend.publish([e.message(bus_env.topics.grid_events) for e in events])
            got = [await asyncio.wait_for(anext(subscription), 30) for _ in range(2)]
    finally:
        await cancel(task)
    assert [u.id for u in got] == [events[0].id, events[2].id]
