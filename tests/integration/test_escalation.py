"""Done-when, the overdue path: one event, on a clock the test moves, is warned before its
deadline and escalated to the community, the street and the district, then supervised
(督办) round after round; the bus carries each step once, the timeline records it, and a
street supervisor's filtered stream sees the escalation to the street."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from hub.bus import CloudEvent, Record, Role
from hub.core.clock import ManualClock
from hub.core.workorders import LifecycleStatus
from hub.db.engine import Database
from hub.events import EventFilter, GridEventRecord, GridEventType, ledger
from hub.events.payloads import Escalated, NoticeIssued, Supervised
from hub.timers.book import TIMERS
from tests.conftest import TownBus
from tests.support.events import collect, eventually, make_bus, report, running

pytestmark = pytest.mark.integration
ROLES = {Role.RELAY, Role.ROUTER, Role.LEDGER, Role.LIVE}  # the test fires the timers itself
SUPERVISED = GridEventType.SUPERVISED.value


async def timers(database: Database) -> list[tuple[datetime, int]]:
    async with database.engine.connect() as connection:
        rows = (await connection.execute(select(TIMERS.c.due_at, TIMERS.c.stage))).all()
    return [(row.due_at, row.stage) for row in rows]


async def ledger_event(database: Database, event_id: str) -> GridEventRecord:
    async with database.engine.connect() as connection:
        return (await ledger.events(connection, [event_id]))[event_id]


async def timeline_length(database: Database) -> int:
    async with database.engine.connect() as connection:
        return int(await connection.scalar(select(func.count()).select_from(ledger.TIMELINE)) or 0)


def of_event(records: Sequence[Record], event_id: str) -> list[CloudEvent]:
    return [e for e in map(CloudEvent.from_record, records) if e.subject == event_id]


async def test_an_overdue_event_is_warned_then_escalated_level_by_level(
    town_bus: TownBus,
) -> None:
    env, database = town_bus.env, town_bus.env.database
    clock = ManualClock(datetime.now(UTC))
    bus = make_bus(database, env.backend, env.topics, town_bus.registry, clock)
    async with running(bus, ROLES):
        await asyncio.wait_for(bus.live.ready.wait(), 30)
        street_supervisor = EventFilter(within="330199001", levels=(3,))
        async with bus.live.subscribe(street_supervisor) as stream:
            event_id = (await bus.intake.report(report("city.billboard"))).id
            await eventually(lambda: _has_timer(database))
            routed = await ledger_event(database, event_id)
            assert routed.status is LifecycleStatus.ROUTED
            assert routed.deadline is not None
            assert routed.lead_department is not None
            lead = routed.lead_department

            fired = []
            rounds = bus.settings.timers.supervision_rounds
            for _ in range(4 + rounds):  # the warning, levels 2, 3, 4, then each 督办
                ((due, stage),) = await timers(database)
                clock.set(due)
                assert await bus.timers.fire_due() == 1
                assert await bus.timers.fire_due() == 0  # once, never again
                fired.append((stage, due))
            assert await timers(database) == []  # supervised enough: the district's own now
            reached_street = await asyncio.wait_for(anext(aiter(stream)), 30)

        await eventually(lambda: _at_level(database, event_id, 4))
        await eventually(lambda: _timeline_has(database, event_id, 6 + rounds))
        grid_records = await collect(
            env.backend,
            env.topics.grid_events,
            lambda found: len([r for r in found if r.header("ce_type") == SUPERVISED]) == rounds,
        )
        dispatch_records = await collect(
            env.backend,
            env.topics.dispatch(lead),
            lambda found: (
                len([r for r in found if r.header("ce_source") == "/hub/timers"]) == 4 + rounds
            ),
        )

    # the warning came before the deadline, the first escalation at it, then the others
    assert [stage for stage, _ in fired] == list(range(4 + rounds))
    assert fired[0][1] < routed.deadline == fired[1][1]
    dues = [due for _, due in fired]
    assert dues == sorted(set(dues))  # each after the one before

    steps = of_event(grid_records, event_id)
    assert [e.type.rsplit(".", 1)[1] for e in steps] == [
        "reported", "routed", "warned", "escalated", "escalated", "escalated",
        *["supervised"] * rounds,
    ]  # fmt: skip
    assert [e.payload(Escalated).level for e in steps[3:6]] == [2, 3, 4]
    assert [e.payload(Supervised).round for e in steps[6:]] == list(range(1, rounds + 1))
    assert [e.time for e in steps[2:]] == [due for _, due in fired]

    from_timers = [e for e in of_event(dispatch_records, event_id) if e.source == "/hub/timers"]
    notices = [e.payload(NoticeIssued) for e in from_timers]
    assert [n.rule for n in notices] == [
        "time-limit:warning",
        "time-limit:escalated:2",
        "time-limit:escalated:3",
        "time-limit:escalated:4",
        *[f"time-limit:supervised:{n}" for n in range(1, rounds + 1)],
    ]
    assert all(n.department == lead for n in notices)

    assert reached_street.type is GridEventType.ESCALATED
    assert (reached_street.level, reached_street.event_id) == (3, event_id)

    final = await ledger_event(database, event_id)
    assert (final.level, final.status) == (4, LifecycleStatus.ROUTED)  # late, still open
    async with database.engine.connect() as connection:
        timeline = (await ledger.timelines(connection, [event_id]))[event_id]
    assert [(e.type.step, e.details.get("level")) for e in timeline] == [
        ("reported", None),
        ("routed", None),
        ("warned", 1),
        ("escalated", 2),
        ("escalated", 3),
        ("escalated", 4),
        *[("supervised", None)] * rounds,
    ]


async def _timeline_has(database: Database, event_id: str, steps: int) -> bool:
    async with database.engine.connect() as connection:
        timeline = (await ledger.timelines(connection, [event_id]))[event_id]
    return len(timeline) >= steps


async def _at_level(database: Database, event_id: str, level: int) -> bool:
    return (await ledger_event(database, event_id)).level == level


async def _has_timer(database: Database) -> bool:
    return bool(await timers(database))
