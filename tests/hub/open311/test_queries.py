"""The ledger queries behind GET requests, on SQLite, PostgreSQL and Kafka's database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from hub.db.bus_models import GridEventRow
from hub.events import Channel, Report
from hub.open311.requests import RequestQuery, find, token_owner
from hub.security.principal import UNRESTRICTED, GridScope
from tests.conftest import TownBus
from tests.support.events import INSIDE

GRID = "330199001006005"  # where INSIDE lies


def report(category: str) -> Report:
    return Report(category, "描述", INSIDE[0], INSIDE[1], Channel.OPEN311)


async def test_find_filters_and_scopes_on_every_backend(town_bus: TownBus) -> None:
    database, intake = town_bus.env.database, town_bus.bus.intake
    litter = (await intake.report(report("city.litter"))).id
    posters = (await intake.report(report("city.posters"))).id
    async with database.engine.begin() as connection:
        await connection.execute(
            update(GridEventRow).where(GridEventRow.id == posters).values(status="CLOSED")
        )
    now = datetime.now(UTC)

    async def ids(grids: GridScope = UNRESTRICTED, **values: str) -> list[str]:
        found = await find(database, RequestQuery.parse(values, now), grids)
        return [r.id for r in found.records]

    assert await ids() == [posters, litter]
    assert await ids(status="closed") == [posters]
    assert await ids(service_code="city.litter") == [litter]
    assert await ids(start_date=(now + timedelta(minutes=5)).isoformat()) == []
    assert await ids(GridScope((GRID[:12],))) == [posters, litter]  # its community
    assert await ids(GridScope(("330199001001",))) == []
    assert await ids(GridScope(())) == []
    assert await token_owner(database, litter) == litter
    assert await token_owner(database, "nope") is None
