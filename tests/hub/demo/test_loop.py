"""The demo's people of the loop: they verify, rate and settle in the grid, through the
same steps as the mutations."""

from __future__ import annotations

from hub.demo.steps import Habits, LoopPeople
from hub.events import Channel, GridEventRecord, ledger
from tests.conftest import TownBus
from tests.support.events import report, routed_step
from tests.support.loop import S, department_step

ALWAYS = Habits(settle=1, verify=1, passes=1, rate=1, unresolved=1)


async def resolved(town: TownBus, channel: Channel) -> GridEventRecord:
    record = await town.bus.intake.report(report(channel=channel, reporter_phone=None))
    steps = [routed_step(record), department_step(record, S.ACCEPTED)]
    await town.bus.projection.apply([*steps, department_step(record, S.RESOLVED)])
    return record


async def statuses(town: TownBus, *records: GridEventRecord) -> list[S]:
    async with town.env.database.engine.connect() as connection:
        found = await ledger.events(connection, [r.id for r in records])
    return [found[r.id].status for r in records]


async def test_a_round_verifies_then_the_next_rates(embedded_town_bus: TownBus) -> None:
    town = embedded_town_bus
    patrol = await resolved(town, Channel.PATROL)
    hotline = await resolved(town, Channel.HOTLINE)
    people = LoopPeople(town.env.database, town.bus.steps, ALWAYS)
    assert await people.round() == 2
    assert await statuses(town, patrol, hotline) == [S.CLOSED, S.VERIFIED]
    assert await people.round() == 1
    assert (await statuses(town, hotline))[0] in {S.CLOSED, S.REOPENED}
    assert await people.round() == 0  # nothing waits for them any more


async def test_nobody_moves_when_the_habits_say_never(embedded_town_bus: TownBus) -> None:
    town = embedded_town_bus
    event = await resolved(town, Channel.PATROL)
    never = Habits(settle=0, verify=0, passes=0, rate=0, unresolved=0)
    assert await LoopPeople(town.env.database, town.bus.steps, never).round() == 0
    assert await statuses(town, event) == [S.RESOLVED]


async def test_the_events_own_grid_workers_verify_and_are_credited(
    embedded_town_bus: TownBus,
) -> None:
    town = embedded_town_bus
    event = await resolved(town, Channel.PATROL)
    people = LoopPeople(town.env.database, town.bus.steps, ALWAYS, registry=town.registry)
    await people.round()
    async with town.env.database.engine.connect() as connection:
        timeline = (await ledger.timelines(connection, [event.id]))[event.id]
    verified = next(e for e in timeline if e.type.step == "verified")
    names = {f"网格员 {w.name}" for w in town.registry.snapshot.workers[event.grid_code]}
    assert verified.details["by"] in names
    assert verified.details["actor"].startswith(f"worker:{event.grid_code}:")
