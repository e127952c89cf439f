"""The whole bus on every backend: report → route → dispatch → accept → resolve → ledger."""

from __future__ import annotations

from datetime import UTC, datetime

from hub.bus import CloudEvent, Message, Record
from hub.core.workorders import LifecycleStatus
from hub.dispatch import FeedSpec
from hub.events import GridEventType, ledger
from tests.conftest import TownBus
from tests.support.events import (
    FakeFeed,
    FakeSink,
    change,
    collect,
    eventually,
    report,
    running,
    types_of,
)

STEPS = GridEventType


def steps_of(records: list[Record], event_id: str) -> list[str]:
    return [
        t
        for r, t in zip(records, types_of(records), strict=True)
        if r.header("ce_subject") == event_id
    ]


async def ledger_status(town: TownBus, event_id: str, wanted: LifecycleStatus) -> None:
    async def reached() -> bool:
        async with town.env.database.engine.connect() as connection:
            found = (await ledger.events(connection, [event_id])).get(event_id)
        return found is not None and found.status is wanted

    await eventually(reached)


async def test_a_report_goes_round_the_loop(town_bus: TownBus) -> None:
    bus, topics = town_bus.bus, town_bus.env.topics
    sink = FakeSink("citymgmt")
    feed = FakeFeed("citymgmt-cases")
    bus.links.add_sink(sink)
    bus.links.add_feed(
        FeedSpec(
            feed,
            "citymgmt",
            "case",
            {"处置中": LifecycleStatus.IN_PROGRESS, "已结案": LifecycleStatus.RESOLVED},
        )
    )
    async with running(bus):
        reported = await bus.intake.report(report("municipal.manhole_cover"))
        event_id = reported.id
        await ledger_status(town_bus, event_id, LifecycleStatus.ACCEPTED)
        order = sink.orders[event_id]
        assert order.location.grid_code == "330199001006005"
        assert order.reporter_name == "张三"
        feed.log.append(change("CITYMGMT-1", "已结案", system="citymgmt-fake", event_id=event_id))
        await ledger_status(town_bus, event_id, LifecycleStatus.RESOLVED)

        records = await collect(
            bus.backend,
            topics.grid_events,
            lambda found: STEPS.RESOLVED in steps_of(found, event_id),
        )
    assert steps_of(records, event_id) == [
        STEPS.REPORTED,
        STEPS.ROUTED,
        STEPS.ACCEPTED,
        STEPS.RESOLVED,
    ]
    async with town_bus.env.database.engine.connect() as connection:
        timeline = (await ledger.timelines(connection, [event_id]))[event_id]
        orders = (await ledger.orders(connection, [event_id]))[event_id]
    assert [e.version for e in timeline] == [1, 2, 3, 4]
    assert [e.status for e in timeline] == [
        LifecycleStatus.REPORTED,
        LifecycleStatus.ROUTED,
        LifecycleStatus.ACCEPTED,
        LifecycleStatus.RESOLVED,
    ]
    assert [(o.department, o.upstream_id) for o in orders] == [("citymgmt", "CITYMGMT-1")]


async def test_a_refused_order_is_reassigned(town_bus: TownBus) -> None:
    """退单/改派: environment refuses noise; the router hands it to the co-handler."""
    bus = town_bus.bus
    refusing, taking = FakeSink("environment", refuse=True), FakeSink("police")
    bus.links.add_sink(refusing)
    bus.links.add_sink(taking)
    async with running(bus):
        # HIGH severity keeps it out of the grid: environment leads, police co-handles.
        reported = await bus.intake.report(report("environment.noise", severity="HIGH"))
        await ledger_status(town_bus, reported.id, LifecycleStatus.ACCEPTED)
        records = await collect(
            bus.backend,
            town_bus.env.topics.grid_events,
            lambda found: steps_of(found, reported.id).count(STEPS.ACCEPTED) >= 2,
        )
    steps = steps_of(records, reported.id)
    assert steps[:2] == [STEPS.REPORTED, STEPS.ROUTED]
    assert STEPS.RETURNED in steps
    assert steps.count(STEPS.ROUTED) == 2  # routed, then re-routed after the refusal
    rerouted = [
        CloudEvent.from_record(r)
        for r in records
        if r.header("ce_type") == STEPS.ROUTED and r.header("ce_subject") == reported.id
    ][-1]
    assert b'"lead":"police"' in rerouted.data
    assert b'"refusedBy":["environment"]' in rerouted.data
    assert reported.id in taking.orders


async def test_poison_goes_to_the_dead_letters_and_the_stream_goes_on(town_bus: TownBus) -> None:
    bus, topics = town_bus.bus, town_bus.env.topics
    bus.links.add_sink(FakeSink("citymgmt"))
    async with running(bus):
        poison = Message(
            topics.grid_events, "330199001006005", b"{not json", (("ce_specversion", b"1.0"),)
        )
        await bus.backend.publish([poison])
        reported = await bus.intake.report(report("municipal.manhole_cover"))
        await ledger_status(town_bus, reported.id, LifecycleStatus.ACCEPTED)
        letters = await collect(bus.backend, topics.dead_letters, lambda found: len(found) >= 2)
    groups = sorted(r.header("dlq_group") or "" for r in letters)
    assert groups == [topics.group("ledger"), topics.group("router")]
    assert all("ce_id is missing" in (r.header("dlq_reason") or "") for r in letters)
    assert all(b'"value":"{not json"' in r.value for r in letters)


async def test_a_change_seen_twice_is_emitted_once(town_bus: TownBus) -> None:
    bus = town_bus.bus
    when = datetime(2026, 11, 23, 8, 30, tzinfo=UTC)
    record = {
        "category": "health.fever_cluster",
        "title": "发热聚集",
        "grids": ["330199001006005", "330199001006004"],
    }
    alert = change(
        "ALERT-7", "预警", system="health-fake", kind="created", occurred_at=when, record=record
    )
    feed = FakeFeed("health-alerts", [alert, alert])
    bus.links.add_feed(FeedSpec(feed, "health", "alert", created_verb="raised"))
    assert await bus.feeds.poll(bus.links.feeds[0]) == 1
    feed.log.append(alert)
    assert await bus.feeds.poll(bus.links.feeds[0]) == 0
    assert await bus.relay.drain() == 1
