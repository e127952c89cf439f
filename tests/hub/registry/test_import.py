"""Importing the registry: all or nothing, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from sqlalchemy import func, select

from hub.core.codes import RegionLevel
from hub.db.engine import Database
from hub.db.registry_models import GridWorkerRow, PartyBranchRow, RegionRow
from hub.registry import store
from hub.registry.importer import import_document
from hub.registry.problems import ImportRejectedError

GRID = "330199001001001"
NEIGHBOUR = "330199001001002"


def feature(town: dict[str, Any], code: str) -> dict[str, Any]:
    return next(f for f in town["features"] if f["properties"]["code"] == code)


async def registry_state(database: Database) -> tuple[object, ...]:
    """Everything a rejected import must leave as it was."""
    async with database.session() as session:
        counts = [
            await session.scalar(select(func.count()).select_from(table))
            for table in (RegionRow, GridWorkerRow, PartyBranchRow)
        ]
        shapes = await store.geometries(session, [GRID, NEIGHBOUR])
        digest = hashlib.sha256("".join(sorted(shapes.values())).encode()).hexdigest()
        return (await store.revision(session), *counts, digest)


async def rejected(database: Database, document: Any) -> list[str]:
    before = await registry_state(database)
    with pytest.raises(ImportRejectedError) as caught:
        await import_document(database, document, "bad.geojson")
    assert await registry_state(database) == before
    return [str(problem) for problem in caught.value.report.errors]


async def test_the_town_imports_completely(database: Database, town: dict[str, Any]) -> None:
    result = await import_document(database, town, "town.geojson")
    assert (result.regions, result.branches, result.revision) == (600, 41, 1)
    assert result.warnings == []
    async with database.session() as session:
        assert await store.count(session, RegionLevel.GRID, None) == 83
        branch = (await store.branches_of_grids(session, [GRID]))[GRID]
        assert GRID in branch.grid_codes
        assert len((await store.workers(session, [GRID]))[GRID]) >= 3


async def test_reimporting_updates_in_place(database: Database, town: dict[str, Any]) -> None:
    await import_document(database, town, "v1")
    feature(town, GRID)["properties"]["name"] = "改名后的网格"
    feature(town, GRID)["properties"]["workers"] = feature(town, GRID)["properties"]["workers"][:2]
    result = await import_document(
        database, {"type": "FeatureCollection", "features": [feature(town, GRID)]}, "v2"
    )
    assert result.revision == 2
    async with database.session() as session:
        assert (await store.regions(session, [GRID]))[GRID].name == "改名后的网格"
        assert len((await store.workers(session, [GRID]))[GRID]) == 2
        assert await store.count(session, RegionLevel.GRID, None) == 83


async def test_overlapping_siblings_are_rejected(database: Database, town: dict[str, Any]) -> None:
    await import_document(database, town, "town")
    community = feature(town, "330199001001")["geometry"]
    grid = feature(town, GRID)
    grid["geometry"] = community
    errors = await rejected(database, {"type": "FeatureCollection", "features": [grid]})
    assert any("overlaps its sibling 330199001001002" in e for e in errors)


async def test_an_unknown_parent_is_rejected(database: Database, town: dict[str, Any]) -> None:
    await import_document(database, town, "town")
    stray = feature(town, "330199001001")
    stray["properties"].update(code="330199009001", parent="330199009")
    errors = await rejected(database, {"type": "FeatureCollection", "features": [stray]})
    assert errors == [
        "feature #0 330199009001: unknown parent 330199009: it is neither in the file nor stored"
    ]


async def test_an_invalid_polygon_is_rejected(database: Database, town: dict[str, Any]) -> None:
    await import_document(database, town, "town")
    grid = feature(town, GRID)
    grid["geometry"] = {
        "type": "Polygon",
        "coordinates": [
            [[120.0, 30.0], [120.01, 30.01], [120.01, 30.0], [120.0, 30.01], [120.0, 30.0]]
        ],
    }
    errors = await rejected(database, {"type": "FeatureCollection", "features": [grid]})
    assert errors == [f"feature #0 {GRID}: invalid polygon: Self-intersection[120.005 30.005]"]


async def test_a_child_outside_its_parent_is_rejected(
    database: Database, town: dict[str, Any]
) -> None:
    await import_document(database, town, "town")
    grid = feature(town, GRID)
    grid["geometry"] = feature(town, "330199001002001")["geometry"]  # another community's
    errors = await rejected(database, {"type": "FeatureCollection", "features": [grid]})
    assert any(e.startswith(f"{GRID}: extends") and "outside its parent" in e for e in errors)


async def test_one_bad_feature_rejects_the_whole_file(
    database: Database, town: dict[str, Any]
) -> None:
    feature(town, NEIGHBOUR)["properties"]["households"] = -5
    errors = await rejected(database, town)
    assert len(errors) == 1
    assert "properties.households: Input should be greater than or equal to 0" in errors[0]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda p: p.update(level="COMMUNITY"), "a 15-digit code is a GRID, not a COMMUNITY"),
        (lambda p: p.update(parent="330199001002"), "parent must be '330199001001'"),
        (lambda p: p.update(code="33019900100100X"), "region code must be digits only"),
        (lambda p: p.pop("name"), "properties.name: Field required"),
        (lambda p: p["workers"][0].update(role="BOSS"), "properties.workers.0.role: Input should"),
        (lambda p: p["workers"][0].update(phone="call me"), "properties.workers.0.phone"),
    ],
)
async def test_malformed_properties_are_named(
    database: Database, town: dict[str, Any], change: Any, message: str
) -> None:
    change(feature(town, GRID)["properties"])
    errors = await rejected(database, town)
    assert len(errors) == 1
    assert message in errors[0]


@pytest.mark.parametrize(
    "document",
    [
        [],
        {"type": "Feature"},
        {"type": "FeatureCollection"},
        {"type": "FeatureCollection", "features": []},
    ],
)
async def test_a_file_that_is_not_a_feature_collection_is_rejected(
    database: Database, document: Any
) -> None:
    assert len(await rejected(database, document)) == 1


async def test_a_code_twice_is_rejected(database: Database, town: dict[str, Any]) -> None:
    town["features"].append(feature(town, GRID))
    errors = await rejected(database, town)
    assert errors == [
        f"feature #{len(town['features']) - 1} {GRID}: code appears twice in the file"
    ]


async def test_a_gap_in_coverage_is_a_warning_with_its_share(
    database: Database, town: dict[str, Any]
) -> None:
    dropped = {GRID} | {
        f["properties"]["code"] for f in town["features"] if f["properties"]["parent"] == GRID
    }
    town["features"] = [f for f in town["features"] if f["properties"]["code"] not in dropped]
    for grid in town["features"]:
        if grid["properties"].get("partyBranch", {}).get("code") == "330199001001-01":
            grid["properties"].pop("partyBranch")
    result = await import_document(database, town, "town with a hole")
    assert len(result.warnings) == 1
    warning = str(result.warnings[0])
    assert warning.startswith("330199001001: children leave ")
    assert "% of the area" in warning
    assert result.regions == 600 - len(dropped)
