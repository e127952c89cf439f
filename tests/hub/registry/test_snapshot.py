"""The in-memory snapshot answers exactly what the stored tables answer."""

from __future__ import annotations

from typing import Any

import pytest

from hub.core.codes import RegionLevel
from hub.db.engine import Database
from hub.registry import store
from hub.registry.importer import import_document
from hub.registry.service import Registry

CASES: list[tuple[RegionLevel, str | None, str | None, int, tuple[str, ...] | None]] = [
    (RegionLevel.GRID, None, None, 100, None),
    (RegionLevel.GRID, "330199001002", None, 100, None),
    (RegionLevel.GRID, None, "330199001003002", 7, None),
    (RegionLevel.MICRO_GRID, "330199001001001", None, 100, None),
    (RegionLevel.COMMUNITY, None, None, 100, ("330199001001001",)),
    (RegionLevel.GRID, None, None, 100, ("330199001001001", "330199001004")),
    (RegionLevel.STREET, "330199", None, 5, ("330199001002003",)),
]


Case = tuple[RegionLevel, str | None, str | None, int, tuple[str, ...] | None]


@pytest.mark.parametrize("case", CASES)
async def test_pages_and_counts_match_the_tables(
    database: Database, town_document: dict[str, Any], case: Case
) -> None:
    level, within, after, limit, visible = case
    await import_document(database, town_document, "town")
    registry = Registry(database)
    assert await registry.refresh()
    snapshot = registry.snapshot
    async with database.session() as session:
        stored = await store.page(session, level, within, after, limit, visible=visible)
        counted = await store.count(session, level, within, visible=visible)
    assert snapshot.page(level, within, after, limit, visible) == stored
    assert snapshot.count(level, within, visible) == counted
    assert stored  # every case finds something


async def test_it_holds_people_and_branches_and_follows_imports(
    database: Database, town: dict[str, Any]
) -> None:
    await import_document(database, town, "town")
    registry = Registry(database)
    await registry.refresh()
    grid = "330199001001001"
    async with database.session() as session:
        assert registry.snapshot.workers[grid] == (await store.workers(session, [grid]))[grid]
        branch = (await store.branches_of_grids(session, [grid]))[grid]
    assert registry.snapshot.branch_of_grid[grid] == branch
    assert [c.code for c in registry.snapshot.children[grid]] == [
        code
        for code in registry.snapshot.codes_by_level[RegionLevel.MICRO_GRID]
        if code.startswith(grid)
    ]
    feature = next(f for f in town["features"] if f["properties"]["code"] == grid)
    feature["properties"]["name"] = "新名字网格"
    await registry.import_document({"type": "FeatureCollection", "features": [feature]}, "v2")
    assert registry.snapshot.regions[grid].name == "新名字网格"
    assert registry.snapshot.revision == 2
    found = registry.region(grid)  # what the area models read, as the last refresh saw it
    assert found is not None
    assert found.name == "新名字网格"
    assert registry.region("330199001999") is None
