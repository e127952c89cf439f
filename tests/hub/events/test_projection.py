"""The ledger projection: idempotent on ids, ordered by version, rebuildable by replay."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import BaseModel
from sqlalchemy import delete

from hub.bus import CloudEvent, derived_id
from hub.core.workorders import LifecycleStatus
from hub.events import (
    Disposition,
    GridEventType,
    OrderRole,
    Projection,
    Severity,
    TimeUnit,
    ledger,
    replay,
)
from hub.events import projection as projection_module
from hub.events.payloads import Accepted, Progressed, Routed, TimeLimit, Upstream
from tests.conftest import TownBus
from tests.support.events import eventually, report, running

LIMIT = TimeLimit(value=2, unit=TimeUnit.HOURS)


def step(kind: GridEventType, data: BaseModel, event_id: str, salt: str, grid: str) -> CloudEvent:
    return CloudEvent.of(
        kind, "/test", grid, data, subject=event_id, id_=derived_id(event_id, salt)
    )


def routed(event_id: str, grid: str) -> CloudEvent:
    data = Routed(
        event_id=event_id,
        status=LifecycleStatus.ROUTED,
        category="city.litter",
        severity=Severity.LOW,
        departments=["citymgmt", "environment"],
        disposition=Disposition.JOINT,
        lead="citymgmt",
        co_handlers=["environment"],
        time_limit=LIMIT,
        deadline=datetime(2026, 11, 23, 11, tzinfo=UTC),
    )
    return step(GridEventType.ROUTED, data, event_id, "routed", grid)


def accepted(event_id: str, grid: str, department: str, role: OrderRole) -> CloudEvent:
    data = Accepted(
        event_id=event_id,
        status=LifecycleStatus.ACCEPTED,
        category="city.litter",
        severity=Severity.LOW,
        department=department,
        role=role,
        upstream=Upstream(system=f"{department}-sys", id="U-1"),
    )
    return step(GridEventType.ACCEPTED, data, event_id, f"accepted:{department}", grid)


def resolved(event_id: str, grid: str) -> CloudEvent:
    data = Progressed(
        event_id=event_id,
        status=LifecycleStatus.RESOLVED,
        category="city.litter",
        severity=Severity.LOW,
        department="citymgmt",
        note="已处置",
    )
    return step(GridEventType.RESOLVED, data, event_id, "resolved", grid)


async def test_steps_apply_in_order_once_however_often_they_come(
    embedded_town_bus: TownBus,
) -> None:
    town = embedded_town_bus
    record = await town.bus.intake.report(report("city.litter"))
    event_id, grid = record.id, record.grid_code
    steps = [
        routed(event_id, grid),
        accepted(event_id, grid, "environment", OrderRole.CO),
        accepted(event_id, grid, "citymgmt", OrderRole.LEAD),
        resolved(event_id, grid),
    ]
    projection = Projection(town.env.database)
    assert await projection.apply(steps[:2]) == 2
    assert await projection.apply(steps) == 2  # the first two are known
    assert await projection.apply([*steps, *steps]) == 0

    async with town.env.database.engine.connect() as connection:
        found = (await ledger.events(connection, [event_id]))[event_id]
        timeline = (await ledger.timelines(connection, [event_id]))[event_id]
        orders = (await ledger.orders(connection, [event_id]))[event_id]
    assert (found.status, found.version, found.lead_department) == (
        LifecycleStatus.RESOLVED,
        5,
        "citymgmt",
    )
    assert (found.disposition, found.co_departments) == (Disposition.JOINT, ("environment",))
    assert [(e.version, e.status) for e in timeline] == [
        (1, LifecycleStatus.REPORTED),
        (2, LifecycleStatus.ROUTED),
        (3, LifecycleStatus.ROUTED),  # the co-handler's acceptance moves nothing
        (4, LifecycleStatus.ACCEPTED),
        (5, LifecycleStatus.RESOLVED),
    ]
    assert timeline[-1].note == "已处置"
    assert {(o.department, o.role) for o in orders} == {
        ("citymgmt", OrderRole.LEAD),
        ("environment", OrderRole.CO),
    }


async def test_a_step_and_a_mutation_of_the_same_event_at_once_number_their_versions_in_turn(
    embedded_town_bus: TownBus, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On SQLite, which has no row locks: the projection reads an event's version and
    a mutation (a department's desk working the order) writes the next version while
    the projection has not written yet. The projection must hold the write lock from
    its read on, or both write the same version."""
    town = embedded_town_bus
    database = town.env.database
    record = await town.bus.intake.report(report("city.litter"))
    event_id, grid = record.id, record.grid_code
    projection = Projection(database)
    await projection.apply([routed(event_id, grid)])

    async def mutation() -> None:
        async with database.engine.begin() as connection:
            await ledger.locked_events(connection, [event_id])
            await projection_module.write_steps(connection, [resolved(event_id, grid)], None)

    write = projection_module._Batch._write
    mutations: list[asyncio.Task[None]] = []

    async def write_while_a_mutation_runs(batch: projection_module._Batch) -> None:
        if not mutations:  # the projection's batch; the mutation writes through here too
            mutations.append(asyncio.create_task(mutation()))
            await asyncio.sleep(0.3)  # time enough for it to commit, if it may
        await write(batch)

    monkeypatch.setattr(projection_module._Batch, "_write", write_while_a_mutation_runs)
    await projection.apply([accepted(event_id, grid, "citymgmt", OrderRole.LEAD)])
    await mutations[0]

    async with database.engine.connect() as connection:
        timeline = (await ledger.timelines(connection, [event_id]))[event_id]
        found = (await ledger.events(connection, [event_id]))[event_id]
    assert [(e.version, e.status) for e in timeline] == [
        (1, LifecycleStatus.REPORTED),
        (2, LifecycleStatus.ROUTED),
        (3, LifecycleStatus.ACCEPTED),  # the projection's, which held the lock first
        (4, LifecycleStatus.RESOLVED),  # the mutation's, after it
    ]
    assert (found.version, found.status) == (4, LifecycleStatus.RESOLVED)


async def test_a_late_step_never_moves_the_status_back(embedded_town_bus: TownBus) -> None:
    town = embedded_town_bus
    record = await town.bus.intake.report(report("city.litter"))
    projection = Projection(town.env.database)
    late = accepted(record.id, record.grid_code, "citymgmt", OrderRole.LEAD)
    await projection.apply(
        [routed(record.id, record.grid_code), resolved(record.id, record.grid_code), late]
    )
    async with town.env.database.engine.connect() as connection:
        found = (await ledger.events(connection, [record.id]))[record.id]
        entries = (await ledger.timelines(connection, [record.id]))[record.id]
    assert (found.status, found.version) == (LifecycleStatus.RESOLVED, 4)
    # On the timeline all the same, with the status it claimed kept for the record.
    assert (entries[-1].status, entries[-1].details["unapplied"]) == (
        LifecycleStatus.RESOLVED,
        "ACCEPTED",
    )
    assert "unapplied" not in entries[-2].details


async def test_steps_of_events_the_ledger_never_saw_are_skipped(embedded_town_bus: TownBus) -> None:
    projection = Projection(embedded_town_bus.env.database)
    assert await projection.apply([routed("01KBZ0000000000000000000ZZ", "330199001006005")]) == 0


async def test_replay_rebuilds_the_ledger_from_the_log(embedded_town_bus: TownBus) -> None:
    town = embedded_town_bus
    since = datetime.now(UTC) - timedelta(seconds=1)
    async with running(town.bus):
        records = [await town.bus.intake.report(report("city.litter")) for _ in range(5)]
        await town.bus.relay.drain()
        await _until_routed(town, [r.id for r in records])
    async with town.env.database.engine.begin() as connection:
        await connection.execute(delete(ledger.EVENTS))
    log = (town.bus.backend, town.bus.topics.grid_events)
    assert (
        await replay(town.env.database, log, town.bus.projection, since, reset=False) == 10
    )  # reported + routed
    async with town.env.database.engine.connect() as connection:
        rebuilt = await ledger.events(connection, [r.id for r in records])
    assert {r.status for r in rebuilt.values()} == {LifecycleStatus.ROUTED}
    assert (
        await replay(town.env.database, log, town.bus.projection, since, reset=False) == 0
    )  # idempotent


async def _until_routed(town: TownBus, ids: list[str]) -> None:
    async def routed() -> bool:
        async with town.env.database.engine.connect() as connection:
            found = await ledger.events(connection, ids)
        statuses = {r.status for r in found.values()}
        return len(found) == len(ids) and statuses == {LifecycleStatus.ROUTED}

    await eventually(routed, within=20)
