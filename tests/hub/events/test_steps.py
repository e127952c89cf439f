"""People's steps on events (hub.events.steps), on SQLite and PostgreSQL: written with the
ledger, the timeline and the outbox at once; two at once on one event cannot both pass;
the projection knows them when they come round from the bus."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from sqlalchemy import select

from hub.core.errors import InvalidTransitionError
from hub.core.paths import EVENT_SCHEMAS_DIR
from hub.events import Channel, GridEventRecord, GridEventType, TimelineEntry, ledger
from hub.events.payloads import TimeLimit
from hub.events.steps import Actor, NotYoursError, UnknownEventError, status_before_suspension
from hub.security.principal import GridScope
from hub.timers.book import TIMERS
from tests.conftest import TownBus
from tests.support.events import outbox_events, report, routed_step
from tests.support.loop import S, department_step

WORKER = Actor("网格员甲")


async def resolved(town: TownBus, **fields: Any) -> GridEventRecord:
    """A reported event the lead department has resolved, straight into the ledger."""
    record = await town.bus.intake.report(report(**fields))
    routed = routed_step(record)
    steps = [routed, department_step(record, S.ACCEPTED), department_step(record, S.RESOLVED)]
    await town.bus.projection.apply(steps)
    async with town.env.database.engine.connect() as connection:
        return (await ledger.events(connection, [record.id]))[record.id]


async def timeline_types(town: TownBus, event_id: str) -> list[str]:
    async with town.env.database.engine.connect() as connection:
        entries = (await ledger.timelines(connection, [event_id]))[event_id]
    return [e.type.step for e in entries]


async def test_a_step_is_in_the_ledger_and_the_outbox_at_once(town_bus: TownBus) -> None:
    record = await resolved(town_bus, channel=Channel.PATROL, reporter_phone=None)
    done = await town_bus.bus.steps.verify(
        record.id, True, "已修复", ["https://p.example/1.jpg"], WORKER
    )
    assert (done.status, done.version) == (S.CLOSED, record.version + 2)
    assert (await timeline_types(town_bus, record.id))[-2:] == ["verified", "closed"]
    sent = [e for e in await outbox_events(town_bus.env.database) if e.subject == record.id]
    assert [e.type for e in sent[-2:]] == [GridEventType.VERIFIED, GridEventType.CLOSED]
    for event in sent[-2:]:  # held to the published contracts
        name = f"{event.type}.json"
        schema = json.loads((EVENT_SCHEMAS_DIR / name).read_text(encoding="utf-8"))
        assert not list(Draft202012Validator(schema).iter_errors(json.loads(event.data)))
        assert json.loads(event.data)["by"] == WORKER.name
    # When they come round from the bus, the ledger knows them already.
    assert await town_bus.bus.projection.apply(sent) == 0
    async with town_bus.env.database.engine.connect() as connection:
        assert (await ledger.events(connection, [record.id]))[record.id].version == done.version


async def test_two_verifications_at_once_cannot_both_pass(town_bus: TownBus) -> None:
    record = await resolved(town_bus)
    steps = town_bus.bus.steps
    outcomes = await asyncio.gather(
        steps.verify(record.id, True, None, [], WORKER),
        steps.verify(record.id, False, "未修复", [], WORKER),
        return_exceptions=True,
    )
    refused = [o for o in outcomes if isinstance(o, InvalidTransitionError)]
    assert len(refused) == 1, outcomes
    assert (await timeline_types(town_bus, record.id)).count("verified") == 1


async def test_a_refused_step_writes_nothing(town_bus: TownBus) -> None:
    record = await town_bus.bus.intake.report(report())
    before = await outbox_events(town_bus.env.database)
    with pytest.raises(InvalidTransitionError) as refused:
        await town_bus.bus.steps.rate(record.id, 5, None, False, WORKER)
    assert (refused.value.current, refused.value.event_id) == (S.REPORTED, record.id)
    with pytest.raises(NotYoursError):
        await town_bus.bus.steps.suspend(record.id, "挂账", Actor("乙", GridScope(("330199002",))))
    with pytest.raises(UnknownEventError):
        await town_bus.bus.steps.suspend("01JZZZZZZZZZZZZZZZZZZZZZZZ", "挂账", WORKER)
    assert await outbox_events(town_bus.env.database) == before
    assert await timeline_types(town_bus, record.id) == ["reported"]


async def test_a_suspension_stops_the_deadline_timer_and_resuming_starts_it_afresh(
    town_bus: TownBus,
) -> None:
    record = await town_bus.bus.intake.report(report())
    deadline = record.reported_at + timedelta(hours=2)
    await town_bus.bus.projection.apply([routed_step(record, deadline=deadline)])
    assert await timer_of(town_bus, record.id) is not None
    await town_bus.bus.steps.suspend(record.id, "待旧改统一处理", Actor("街道主任"))
    assert await timer_of(town_bus, record.id) is None  # in the step's own transaction
    resumed = await town_bus.bus.steps.resume(record.id, None, Actor("街道主任"))
    assert await timer_of(town_bus, record.id) is not None  # the time limit runs again
    limit = TimeLimit.model_validate(resumed.time_limit)
    assert resumed.deadline == town_bus.bus.schedule.deadline(resumed.updated_at, limit)


async def timer_of(town: TownBus, event_id: str) -> object | None:
    async with town.env.database.engine.connect() as connection:
        found = await connection.execute(select(TIMERS).where(TIMERS.c.event_id == event_id))
        return found.first()


async def test_a_merge_is_all_or_nothing(town_bus: TownBus) -> None:
    primary, duplicate = [await town_bus.bus.intake.report(report()) for _ in range(2)]
    closed = await resolved(town_bus, channel=Channel.PATROL, reporter_phone=None)
    await town_bus.bus.steps.verify(closed.id, True, None, [], WORKER)
    with pytest.raises(InvalidTransitionError):
        await town_bus.bus.steps.merge(primary.id, [duplicate.id, closed.id], WORKER)
    assert await timeline_types(town_bus, duplicate.id) == ["reported"]  # not merged either
    merged = await town_bus.bus.steps.merge(primary.id, [duplicate.id, duplicate.id], WORKER)
    assert merged[duplicate.id].merged_into == primary.id


def test_a_resumed_event_returns_to_where_it_was_last_suspended() -> None:
    statuses = [S.REPORTED, S.ROUTED, S.SUSPENDED, S.ROUTED, S.ACCEPTED, S.SUSPENDED, S.SUSPENDED]
    history = [_entry(n, s) for n, s in enumerate(statuses)]
    assert status_before_suspension(history) is S.ACCEPTED


def _entry(version: int, status: S) -> TimelineEntry:
    return TimelineEntry(
        id=str(version),
        event_id="e",
        version=version,
        type=GridEventType.PROGRESSED,
        status=status,
        occurred_at=datetime(2026, 11, 23, tzinfo=UTC),
        source="/test",
        department=None,
        note=None,
    )
