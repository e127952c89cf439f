"""The demo's report generator: realistic reports the intake accepts, and rainstorms."""

from __future__ import annotations

import asyncio

from hub.core.codes import RegionLevel
from hub.demo.reports import FINDINGS, FLOOD, FLOOD_NIGHT, ReportGenerator
from hub.events import Channel
from hub.registry import store
from tests.conftest import TownBus
from tests.support.events import cancel, eventually, outbox_events


async def generator(town: TownBus, **options: float) -> ReportGenerator:
    async with town.env.database.session() as session:
        places = await store.page(session, RegionLevel.MICRO_GRID, None, None, 10_000)
    return ReportGenerator(town.bus.intake, places, seed=7, **options)  # type: ignore[arg-type]


def test_every_finding_is_a_reportable_category(embedded_town_bus: TownBus) -> None:
    taxonomy = embedded_town_bus.bus.taxonomy
    for finding in (*FINDINGS, FLOOD, *FLOOD_NIGHT):
        category = taxonomy.get(finding.category)
        assert category is not None, finding.category
        assert category.reportable
        assert category.leaf


async def test_a_rainstorm_floods_several_grids_at_once(embedded_town_bus: TownBus) -> None:
    storm = (await generator(embedded_town_bus)).rainstorm()
    flooded = [r for r in storm if r.category == "municipal.waterlogging"]
    assert 3 <= len(flooded) <= 6
    worse = {r.category for r in storm} - {"municipal.waterlogging"}
    assert 1 <= len(worse) <= 2
    assert worse <= {f.category for f in FLOOD_NIGHT}
    located = [embedded_town_bus.registry.locate(r.lat, r.lon) for r in storm]
    assert all(place is not None for place in located)
    assert len({place.grid for place in located if place}) > 1


async def test_the_generator_reports_through_the_intake(embedded_town_bus: TownBus) -> None:
    town = embedded_town_bus
    running = asyncio.create_task((await generator(town, per_minute=6000, storm_every=5)).run())
    try:

        async def enough() -> bool:
            return len(await outbox_events(town.env.database)) >= 30

        await eventually(enough, within=20)
    finally:
        await cancel(running)
    events = await outbox_events(town.env.database)
    channels = {e.data.split(b'"channel":"')[1].split(b'"')[0].decode() for e in events}
    assert {Channel.PATROL, Channel.HOTLINE} <= channels
    assert any(b"municipal.waterlogging" in e.data for e in events)


def test_the_demo_reports_something_for_every_department(embedded_town_bus: TownBus) -> None:
    """Each department the taxonomy names leads or co-handles some category the demo
    reports, outside the grid's own settling: every one of them has work in the demo."""
    taxonomy = embedded_town_bus.bus.taxonomy
    reported = [taxonomy.get(f.category) for f in (*FINDINGS, FLOOD, *FLOOD_NIGHT)]
    working = {d for c in reported if c and not c.in_grid for d in (c.lead, *c.co)}
    named = {d for c in taxonomy for d in (c.lead, *c.co)}
    assert named - working == set()
