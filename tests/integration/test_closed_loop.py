"""The closed loop (闭环), end to end on every bus backend (embedded on SQLite and
PostgreSQL, and Kafka): events go round through a department (a fake system whose
change feed the test writes), the router, the ledger and people's steps, on a clock
the test moves by hand. Each path checks the event's timeline and what went over the
bus.

Paths: the happy path (report → routed → accepted → in progress → resolved →
verified → rated → closed), return and reassignment, merging (duplicates resolve and
close with their primary), a failed verification reopening the event, and a low
rating reopening it. A caller who reported through the hotline hears back through it
when the event is resolved and when it is archived.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from hub.bus import CloudEvent, Record, Role
from hub.core.workorders import Feedback, LifecycleStatus
from hub.dispatch import FeedSpec
from hub.events import Channel, GridEventRecord, GridEventType, TimelineEntry, ledger
from hub.events.steps import Actor
from tests.conftest import TownBus
from tests.support.events import FakeFeed, FakeSink, change, collect, eventually, report, running

pytestmark = pytest.mark.integration

S = LifecycleStatus
T = GridEventType
WORKER = Actor("网格员 王五")
HOTLINE = Actor("12345 回访员")
STATUSES = {"处置中": S.IN_PROGRESS, "已办结": S.RESOLVED, "已退回": S.RETURNED}
SYSTEM = "citymgmt-fake"


@dataclass
class Clock:
    """The test's own time: it moves only when told."""

    at: datetime = field(default_factory=lambda: datetime(2026, 11, 23, 9, tzinfo=UTC))

    def now(self) -> datetime:
        return self.at

    def advance(self, hours: float) -> datetime:
        self.at += timedelta(hours=hours)
        return self.at


class Hotline(FakeSink):
    """The 12345 system: it takes orders, and gives the replies owed to reporters."""

    def __init__(self) -> None:
        super().__init__("petition")
        self.replies: dict[str, Feedback] = {}

    async def send_feedback(self, feedback: Feedback) -> None:
        self.replies.setdefault(feedback.id, feedback)

    def to(self, event_id: str) -> list[str]:
        return [f.message for f in self.replies.values() if f.event_id == event_id]


@dataclass
class Loop:
    town: TownBus
    clock: Clock
    feed: FakeFeed
    hotline: Hotline

    async def report(self, channel: Channel = Channel.PATROL) -> GridEventRecord:
        phone = "13800000000" if channel is Channel.HOTLINE else None
        record = await self.town.bus.intake.report(
            report(channel=channel, reporter_phone=phone, reported_at=self.clock.now())
        )
        return await self.reaching(record.id, S.ACCEPTED)

    async def department(self, event_id: str, status: str, hours: float = 1) -> None:
        """The department's system moves its order on; the hub reads it from the feed."""
        async with self.town.env.database.engine.connect() as connection:
            (order,) = (await ledger.orders(connection, [event_id]))[event_id]
        at = self.clock.advance(hours)
        self.feed.log.append(change(order.upstream_id, status, system=SYSTEM, occurred_at=at))

    async def reaching(self, event_id: str, status: S, version: int = 0) -> GridEventRecord:
        async def there() -> bool:
            record = await self.record(event_id)
            return record.status is status and record.version >= version

        await eventually(there)
        return await self.record(event_id)

    async def record(self, event_id: str) -> GridEventRecord:
        async with self.town.env.database.engine.connect() as connection:
            return (await ledger.events(connection, [event_id]))[event_id]

    async def timeline(self, event_id: str) -> list[TimelineEntry]:
        async with self.town.env.database.engine.connect() as connection:
            return (await ledger.timelines(connection, [event_id]))[event_id]

    async def steps(self, event_id: str) -> list[tuple[str, S]]:
        return [(e.type.step, e.status) for e in await self.timeline(event_id)]

    async def on_the_bus(self, event_id: str, count: int) -> list[CloudEvent]:
        """The first ``count`` steps of the event as they went over grid.events."""

        def mine(records: list[Record]) -> list[CloudEvent]:
            return [
                CloudEvent.from_record(r) for r in records if r.header("ce_subject") == event_id
            ]

        found = await collect(
            self.town.bus.backend,
            self.town.env.topics.grid_events,
            lambda records: len(mine(records)) >= count,
        )
        return mine(found)[:count]


@pytest.fixture
async def loop(town_bus: TownBus) -> AsyncIterator[Loop]:
    bus = town_bus.bus
    clock = Clock()
    bus.steps.clock = clock
    feed = FakeFeed("citymgmt-cases")
    bus.links.add_sink(FakeSink("citymgmt"))
    bus.links.add_sink(FakeSink("command"))  # the grid's own workers take reassigned events
    bus.links.add_feed(FeedSpec(feed, "citymgmt", "case", STATUSES))
    hotline = Hotline()
    bus.links.add_sink(hotline)
    # Timers run on the bus's clock, not the test's: with them on, an escalation due on
    # the test's date (long past on the bus's) lands wherever the timers' poll falls.
    # Deadlines and escalations have tests of their own (test_escalation.py).
    async with running(bus, set(Role) - {Role.TIMERS}):
        yield Loop(town_bus, clock, feed, hotline)


async def test_the_happy_path(loop: Loop) -> None:
    event = await loop.report(Channel.HOTLINE)
    await loop.department(event.id, "处置中")
    await loop.reaching(event.id, S.IN_PROGRESS)
    await loop.department(event.id, "已办结", hours=2)
    await loop.reaching(event.id, S.RESOLVED)
    loop.clock.advance(3)
    verified = await loop.town.bus.steps.verify(event.id, True, "井盖已补装", [], WORKER)
    assert verified.status is S.VERIFIED  # a caller waits for the follow-up call (回访)
    loop.clock.advance(20)
    closed = await loop.town.bus.steps.rate(event.id, 5, "很满意", False, HOTLINE)
    assert closed.status is S.CLOSED

    assert await loop.steps(event.id) == [
        ("reported", S.REPORTED),
        ("routed", S.ROUTED),
        ("accepted", S.ACCEPTED),
        ("progressed", S.IN_PROGRESS),
        ("resolved", S.RESOLVED),
        ("verified", S.VERIFIED),
        ("rated", S.VERIFIED),
        ("closed", S.CLOSED),
    ]
    entries = await loop.timeline(event.id)
    assert [(e.source, e.details.get("by")) for e in entries[-3:]] == [
        ("/hub/graph", WORKER.name),
        ("/hub/graph", HOTLINE.name),
        ("/hub/graph", HOTLINE.name),
    ]
    start = datetime(2026, 11, 23, 9, tzinfo=UTC)
    assert entries[-3].occurred_at == start + timedelta(hours=6)  # the test's clock
    assert entries[-1].occurred_at == start + timedelta(hours=26)
    sent = await loop.on_the_bus(event.id, 8)
    assert [e.type for e in sent] == [
        T.REPORTED,
        T.ROUTED,
        T.ACCEPTED,
        T.PROGRESSED,
        T.RESOLVED,
        T.VERIFIED,
        T.RATED,
        T.CLOSED,
    ]
    assert [e.id for e in sent] == [e.id for e in entries]
    # The caller hears back through the hotline when it is resolved, and when archived.
    await eventually(lambda: len(loop.hotline.to(event.id)) == 2)
    resolved_reply, closed_reply = sorted(loop.hotline.to(event.id), key=lambda m: "办结" in m)
    assert "已处理完毕" in resolved_reply
    assert "已办结归档" in closed_reply
    assert {str(f.phone) for f in loop.hotline.replies.values()} == {"13800000000"}


async def test_return_and_reassignment(loop: Loop) -> None:
    event = await loop.report()
    await loop.department(event.id, "已退回")
    reassigned = await loop.reaching(event.id, S.ACCEPTED, version=event.version + 3)
    assert reassigned.lead_department == "command"  # the last resort: the grid's own workers
    assert (await loop.steps(event.id))[2:] == [
        ("accepted", S.ACCEPTED),
        ("returned", S.RETURNED),
        ("routed", S.ROUTED),
        ("accepted", S.ACCEPTED),
    ]
    returned = (await loop.timeline(event.id))[3]
    assert returned.details["reason"] == "已退回"
    sent = await loop.on_the_bus(event.id, 6)
    assert [e.type for e in sent] == [
        T.REPORTED,
        T.ROUTED,
        T.ACCEPTED,
        T.RETURNED,
        T.ROUTED,
        T.ACCEPTED,
    ]
    assert b'"refusedBy":["citymgmt"]' in sent[4].data


async def test_duplicates_resolve_and_close_with_their_primary(loop: Loop) -> None:
    primary, *duplicates = [await loop.report() for _ in range(3)]
    ids = [d.id for d in duplicates]
    merged = await loop.town.bus.steps.merge(primary.id, ids, WORKER)
    assert [merged[i].status for i in ids] == [S.MERGED, S.MERGED]

    await loop.department(primary.id, "已办结")
    for duplicate in ids:
        await loop.reaching(duplicate, S.RESOLVED)
    await loop.reaching(primary.id, S.RESOLVED)
    await loop.town.bus.steps.verify(primary.id, True, None, [], WORKER)  # a patrol's: closes
    for duplicate in ids:
        await loop.reaching(duplicate, S.CLOSED)

    for duplicate in ids:
        assert (await loop.steps(duplicate))[3:] == [
            ("merged", S.MERGED),
            ("resolved", S.RESOLVED),
            ("closed", S.CLOSED),
        ]
        followed = (await loop.timeline(duplicate))[-1]
        assert (followed.source, followed.note) == ("/hub/ledger", f"with its primary {primary.id}")
        sent = await loop.on_the_bus(duplicate, 6)
        assert [e.type for e in sent][3:] == [T.MERGED, T.RESOLVED, T.CLOSED]
    assert (await loop.record(ids[0])).merged_into == primary.id


async def test_a_failed_verification_reopens_the_event(loop: Loop) -> None:
    event = await loop.report()
    await loop.department(event.id, "已办结")
    await loop.reaching(event.id, S.RESOLVED)
    reopened = await loop.town.bus.steps.verify(event.id, False, "井盖仍缺失", [], WORKER)
    assert reopened.status is S.REOPENED
    await loop.department(event.id, "处置中")  # back to the department
    await loop.reaching(event.id, S.IN_PROGRESS)
    await loop.department(event.id, "已办结")
    resolved = await loop.reaching(event.id, S.RESOLVED, version=reopened.version + 2)
    closed = await loop.town.bus.steps.verify(event.id, True, "已补装", [], WORKER)
    assert closed.status is S.CLOSED

    assert (await loop.steps(event.id))[3:] == [
        ("resolved", S.RESOLVED),
        ("verified", S.REOPENED),
        ("progressed", S.IN_PROGRESS),
        ("resolved", S.RESOLVED),
        ("verified", S.VERIFIED),
        ("closed", S.CLOSED),
    ]
    sent = await loop.on_the_bus(event.id, resolved.version + 2)
    assert [e.type for e in sent][3:] == [
        T.RESOLVED,
        T.VERIFIED,
        T.PROGRESSED,
        T.RESOLVED,
        T.VERIFIED,
        T.CLOSED,
    ]
    assert b'"passed":false' in sent[4].data
    assert loop.hotline.to(event.id) == []  # a patrol's report: nobody to reply to


async def test_a_low_rating_reopens_the_event(loop: Loop) -> None:
    event = await loop.report(Channel.HOTLINE)
    await loop.department(event.id, "已办结")
    await loop.reaching(event.id, S.RESOLVED)
    await loop.town.bus.steps.verify(event.id, True, None, [], WORKER)
    reopened = await loop.town.bus.steps.rate(event.id, 2, "问题没解决", True, HOTLINE)
    assert reopened.status is S.REOPENED
    await loop.department(event.id, "处置中")
    await loop.reaching(event.id, S.IN_PROGRESS)
    await loop.department(event.id, "已办结")
    await loop.reaching(event.id, S.RESOLVED, version=reopened.version + 2)
    await loop.town.bus.steps.verify(event.id, True, None, [], WORKER)
    closed = await loop.town.bus.steps.rate(event.id, 4, None, False, HOTLINE)
    assert closed.status is S.CLOSED

    assert (await loop.steps(event.id))[3:] == [
        ("resolved", S.RESOLVED),
        ("verified", S.VERIFIED),
        ("rated", S.REOPENED),
        ("progressed", S.IN_PROGRESS),
        ("resolved", S.RESOLVED),
        ("verified", S.VERIFIED),
        ("rated", S.VERIFIED),
        ("closed", S.CLOSED),
    ]
    sent = await loop.on_the_bus(event.id, closed.version)
    assert [e.type for e in sent][5:] == [
        T.RATED,
        T.PROGRESSED,
        T.RESOLVED,
        T.VERIFIED,
        T.RATED,
        T.CLOSED,
    ]
    assert b'"unresolved":true' in sent[5].data
