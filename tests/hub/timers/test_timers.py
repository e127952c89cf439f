"""Deadline timers on both databases, with a clock the test moves: the projection starts
and stops them; the service fires each warning and escalation once, through the outbox,
even when several services race for the same due rows."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select

from hub.bus import CloudEvent, Role, Topics, derived_id, new_id
from hub.bus.settings import TimerSettings
from hub.core.clock import ManualClock
from hub.core.paths import CALENDAR_FILE
from hub.core.workorders import LifecycleStatus
from hub.db.engine import Database
from hub.events import Disposition, GridEventType, Projection, Severity, TimeUnit, ledger
from hub.events.payloads import (
    Escalated,
    NoticeIssued,
    Progressed,
    Routed,
    Supervised,
    TimeLimit,
    Verified,
    Warned,
)
from hub.timers.book import TIMERS, TimerBook
from hub.timers.calendar import WorkingCalendar
from hub.timers.schedule import Schedule
from hub.timers.service import TimerService
from tests.conftest import TownBus
from tests.support.events import eventually, make_bus, outbox_events, report, running
from tests.support.timers import event_row

GRID = "330199001006005"
START = datetime(2026, 11, 23, 1, tzinfo=UTC)  # Monday 09:00 in Shanghai
LIMIT = TimeLimit(value=10, unit=TimeUnit.HOURS)  # clock hours: easy to reckon
SETTINGS = TimerSettings(
    warning_share=0.8, escalation_share=0.5, batch_size=50, supervision_rounds=2
)
SCHEDULE = Schedule(WorkingCalendar.load(CALENDAR_FILE), SETTINGS)
TOPICS = Topics()


async def add_event(database: Database, status: LifecycleStatus = LifecycleStatus.REPORTED) -> str:
    event_id = new_id()
    row = event_row(event_id, status.value, START)
    async with database.engine.begin() as connection:
        await connection.execute(insert(ledger.EVENTS), [row])
    return event_id


def routed(event_id: str) -> CloudEvent:
    step = Routed(
        event_id=event_id,
        status=LifecycleStatus.ROUTED,
        category="city.litter",
        severity=Severity.LOW,
        departments=["citymgmt"],
        disposition=Disposition.SINGLE,
        lead="citymgmt",
        time_limit=LIMIT,
        deadline=START + timedelta(hours=10),
    )
    return CloudEvent.of(
        GridEventType.ROUTED, "/test", GRID, step, id_=derived_id(event_id, "routed"), time=START
    )


def resolved(event_id: str) -> CloudEvent:
    step = Progressed(
        event_id=event_id,
        status=LifecycleStatus.RESOLVED,
        category="city.litter",
        severity=Severity.LOW,
        department="citymgmt",
    )
    return CloudEvent.of(
        GridEventType.RESOLVED, "/test", GRID, step, id_=derived_id(event_id, "resolved")
    )


def failed_verification(event_id: str, at: datetime) -> CloudEvent:
    step = Verified(
        event_id=event_id,
        status=LifecycleStatus.REOPENED,
        category="city.litter",
        severity=Severity.LOW,
        passed=False,
    )
    return CloudEvent.of(
        GridEventType.VERIFIED, "/test", GRID, step, id_=derived_id(event_id, "failed"), time=at
    )


def told(event: CloudEvent) -> tuple[str, int | None]:
    """Whom a timer's output is for, and the level an escalation raises the event to (the
    round of a supervision, the level a warning finds)."""
    if event.type == GridEventType.ESCALATED:
        escalated = event.payload(Escalated)
        return escalated.departments[0], escalated.level
    if event.type == GridEventType.WARNED:
        warned = event.payload(Warned)
        return warned.departments[0], warned.level
    if event.type == GridEventType.SUPERVISED:
        supervised = event.payload(Supervised)
        return supervised.department, supervised.round
    return event.payload(NoticeIssued).department, None


def service(database: Database, clock: ManualClock) -> TimerService:
    return TimerService(database, SCHEDULE, TOPICS, clock, SETTINGS)


async def timers(database: Database) -> dict[str, tuple[datetime, int, int]]:
    async with database.engine.connect() as connection:
        rows = (await connection.execute(select(TIMERS))).all()
    return {r.event_id: (r.due_at, r.stage, r.level) for r in rows}


async def test_routing_starts_the_timer_and_resolving_stops_it(database: Database) -> None:
    event_id = await add_event(database)
    projection = Projection(database, timers=TimerBook(SCHEDULE))
    await projection.apply([routed(event_id)])
    assert await timers(database) == {event_id: (START + timedelta(hours=8), 0, 1)}
    await projection.apply([routed(event_id)])  # redelivered: still one timer
    assert len(await timers(database)) == 1
    await projection.apply([resolved(event_id)])
    assert await timers(database) == {}


async def test_a_reopened_event_runs_a_fresh_time_limit_from_its_reopening(
    database: Database,
) -> None:
    event_id = await add_event(database)
    projection = Projection(database, timers=TimerBook(SCHEDULE))
    await projection.apply([routed(event_id), resolved(event_id)])
    assert await timers(database) == {}
    reopened_at = START + timedelta(hours=12)
    await projection.apply([failed_verification(event_id, reopened_at)])
    warning = reopened_at + timedelta(hours=8)  # 80% of the 10 hours, from the reopening
    assert await timers(database) == {event_id: (warning, 0, 1)}
    async with database.engine.connect() as connection:
        record = (await ledger.events(connection, [event_id]))[event_id]
    assert (record.status, record.deadline) == (
        LifecycleStatus.REOPENED,
        reopened_at + timedelta(hours=10),
    )


async def test_warning_then_each_level_once_then_supervision(database: Database) -> None:
    event_id = await add_event(database)
    await Projection(database, timers=TimerBook(SCHEDULE)).apply([routed(event_id)])
    clock = ManualClock(START)
    timer = service(database, clock)
    fired: list[tuple[float, str, str, int | None]] = []

    async def at(hours: float) -> None:
        clock.set(START + timedelta(hours=hours))
        while await timer.fire_due():
            pass

    for hours in (7.9, 8, 8, 9.9, 10, 10, 14.9, 15, 20, 24.9, 25, 30, 40, 50):
        seen = len(await outbox_events(database))
        await at(hours)
        fired += [(hours, e.type, *told(e)) for e in (await outbox_events(database))[seen:]]
    notice, escalated = "gov.grid.notice.issued", "gov.grid.event.escalated"
    warned, supervised = "gov.grid.event.warned", "gov.grid.event.supervised"
    assert fired == [
        (8, warned, "citymgmt", 1),  # the warning at 80% of the limit, on the stream
        (8, notice, "citymgmt", None),  # and to the department
        (10, escalated, "citymgmt", 2),  # at the deadline: the community
        (10, notice, "citymgmt", None),
        (15, escalated, "citymgmt", 3),  # half a limit later: the street
        (15, notice, "citymgmt", None),
        (20, escalated, "citymgmt", 4),  # and the district, the last level
        (20, notice, "citymgmt", None),
        (25, supervised, "citymgmt", 1),  # 督办, half a limit later
        (25, notice, "citymgmt", None),
        (30, supervised, "citymgmt", 2),  # and again, up to supervision_rounds
        (30, notice, "citymgmt", None),
    ]
    assert await timers(database) == {}


async def test_a_timer_of_a_finished_event_goes_without_a_word(database: Database) -> None:
    event_id = await add_event(database)
    await Projection(database, timers=TimerBook(SCHEDULE)).apply([routed(event_id)])
    async with database.engine.begin() as connection:  # finished, and the timer not told
        await connection.execute(ledger.EVENTS.update().values(status=LifecycleStatus.CLOSED.value))
    timer = service(database, ManualClock(START + timedelta(hours=30)))
    assert await timer.fire_due() == 1
    assert await outbox_events(database) == []
    assert await timers(database) == {}


async def test_racing_services_fire_every_timer_exactly_once(database: Database) -> None:
    """Three services, each with its own engine, fire 150 due timers at once."""
    ids = [await add_event(database) for _ in range(150)]
    projection = Projection(database, timers=TimerBook(SCHEDULE))
    await projection.apply([routed(event_id) for event_id in ids])
    clock = ManualClock(START + timedelta(hours=9))  # every warning is due
    engines = [Database(database.url) for _ in range(3)]
    services = [service(db, clock) for db in engines]
    try:

        async def drain(one: TimerService) -> None:
            while await one.fire_due():  # each claim awaits the database: the others run
                pass

        await asyncio.gather(*(drain(one) for one in services))
    finally:
        for db in engines:
            await db.aclose()
    notices = [e for e in await outbox_events(database) if e.type == "gov.grid.notice.issued"]
    warned = Counter(e.payload(NoticeIssued).event_id for e in notices)
    on_the_stream = Counter(e.subject for e in await outbox_events(database) if e not in notices)
    assert warned == on_the_stream == Counter(ids)
    assert sum(one.fired for one in services) == len(ids)
    assert {stage for _, stage, _ in (await timers(database)).values()} == {1}


async def test_the_bus_runs_the_timer_service(embedded_town_bus: TownBus) -> None:
    town = embedded_town_bus
    clock = ManualClock(START)
    bus = make_bus(town.env.database, town.env.backend, town.env.topics, town.registry, clock)
    async with running(bus, {Role.TIMERS, Role.LEDGER}):
        record = await bus.intake.report(report("city.litter"))
        await bus.projection.apply([routed(record.id)])
        clock.set(START + timedelta(hours=9))  # past the warning
        await eventually(lambda: bus.timers.fired == 1)
    assert (await timers(town.env.database))[record.id][1] == 1  # waiting for the deadline
    assert bus._tasks == []
