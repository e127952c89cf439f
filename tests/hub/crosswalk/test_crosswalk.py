"""The crosswalk: department schemes laid over the unified grids, on SQLite and PostgreSQL."""

from __future__ import annotations

import copy
import hashlib
from collections import defaultdict
from typing import Any

import pytest
import shapely
from shapely.geometry import shape
from sqlalchemy import func, select

from hub.core.departments import load_departments
from hub.core.geo import area_sqm
from hub.crosswalk import Crosswalk, overlay, parse_scheme
from hub.crosswalk import store as crosswalk_store
from hub.db.engine import Database
from hub.db.registry_models import CrosswalkEntryRow, CrosswalkImportRow, DepartmentGridRow
from hub.demo.simulators import demo_schemes
from hub.registry.importer import import_document
from hub.registry.problems import ImportRejectedError, Report

DEPARTMENTS = [d.code for d in load_departments()]
COMMUNITY = "330199001001"


@pytest.fixture(scope="module")
def schemes(town_document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return demo_schemes(town_document)


@pytest.fixture
def scheme(schemes: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Copies a test may change."""
    return copy.deepcopy(schemes)


@pytest.fixture
async def crosswalk(database: Database, town: dict[str, Any]) -> Crosswalk:
    await import_document(database, town, "town")
    return Crosswalk(database, DEPARTMENTS)


async def imported(crosswalk: Crosswalk, schemes: dict[str, dict[str, Any]]) -> Crosswalk:
    for department, document in schemes.items():
        await crosswalk.import_scheme(department, document, f"{department}.geojson")
    return crosswalk


def unified_grids(town: dict[str, Any]) -> dict[str, Any]:
    return {
        f["properties"]["code"]: shape(f["geometry"])
        for f in town["features"]
        if f["properties"]["level"] == "GRID"
    }


async def test_every_department_grid_is_shared_out_completely(
    crosswalk: Crosswalk, schemes: dict[str, dict[str, Any]]
) -> None:
    await imported(crosswalk, schemes)
    for department, document in schemes.items():
        for feature in document["features"]:
            code = feature["properties"]["code"]
            entries = crosswalk.grids_of(department, code)
            assert entries, f"{department} {code} overlaps nothing"
            assert sum(e.department_share for e in entries) == pytest.approx(1, abs=1e-3)
            shares = [e.department_share for e in entries]
            assert shares == sorted(shares, reverse=True)


async def test_every_unified_grid_is_covered_by_each_department(
    crosswalk: Crosswalk, schemes: dict[str, dict[str, Any]], town: dict[str, Any]
) -> None:
    await imported(crosswalk, schemes)
    for grid in unified_grids(town):
        by_department: dict[str, float] = defaultdict(float)
        for entry in crosswalk.entries_for_grid(grid):
            by_department[entry.department] += entry.grid_share
        assert set(by_department) == {"police", "citymgmt", "health"}
        assert all(total == pytest.approx(1, abs=1e-3) for total in by_department.values())


def test_the_overlay_agrees_with_shapely(
    schemes: dict[str, dict[str, Any]], town_document: dict[str, Any]
) -> None:
    grids = unified_grids(town_document)
    police = parse_scheme(schemes["police"], Report())
    result = overlay("police", police, grids)
    assert len(result.entries) > len(police)
    latitude = sum(g.polygon.centroid.y for g in police) / len(police)
    by_code = {g.code: g.polygon for g in police}
    for entry in result.entries[::7]:
        piece = shapely.intersection(by_code[entry.department_code], grids[entry.grid_code])
        expected = area_sqm(piece, latitude)
        assert entry.overlap_sqm == pytest.approx(expected, abs=0.1)
        assert entry.department_share == pytest.approx(
            expected / area_sqm(by_code[entry.department_code], latitude)
        )
        assert entry.grid_share == pytest.approx(
            expected / area_sqm(grids[entry.grid_code], latitude)
        )
    touching = {
        (d, g)
        for d, polygon in by_code.items()
        for g, grid in grids.items()
        if polygon.intersection(grid).area > 0
    }
    found = {(e.department_code, e.grid_code) for e in result.entries}
    assert found <= touching
    assert all(
        area_sqm(by_code[d].intersection(grids[g]), latitude) < 50 for d, g in touching - found
    )


async def test_connectors_ask_in_their_own_codes(
    crosswalk: Crosswalk, schemes: dict[str, dict[str, Any]], town: dict[str, Any]
) -> None:
    await imported(crosswalk, schemes)
    grids = [code for code in unified_grids(town) if code.startswith(COMMUNITY)]
    by_grids = crosswalk.department_codes("police", grids)
    assert by_grids == crosswalk.department_codes("police", [COMMUNITY])
    assert by_grids == sorted(set(by_grids))
    expected = {e.department_code for g in grids for e in crosswalk.entries_for_grid(g, "police")}
    assert set(by_grids) == expected
    micro = grids[0] + "001"
    assert crosswalk.department_codes("citymgmt", [micro]) == crosswalk.department_codes(
        "citymgmt", [grids[0]]
    )
    assert crosswalk.department_codes("police", ["330199001999"]) == []
    assert crosswalk.department_codes("petition", grids) == []


async def test_a_record_without_a_location_goes_to_the_largest_share_approximately(
    crosswalk: Crosswalk, schemes: dict[str, dict[str, Any]]
) -> None:
    await imported(crosswalk, schemes)
    best = crosswalk.best_grid("health", "YXWS-01")
    assert best is not None
    assert best.approximate
    largest = crosswalk.grids_of("health", "YXWS-01")[0]
    assert (best.grid_code, best.share) == (largest.grid_code, largest.department_share)
    assert crosswalk.best_grid("health", "YXWS-99") is None


async def test_a_new_scheme_replaces_the_old_one(
    crosswalk: Crosswalk, scheme: dict[str, dict[str, Any]]
) -> None:
    first = await crosswalk.import_scheme("police", scheme["police"], "v1")
    await crosswalk.import_scheme("health", scheme["health"], "health")
    features = scheme["police"]["features"]
    merged = shapely.union_all([shape(f["geometry"]) for f in features[:2]])
    features[0]["geometry"] = shapely.geometry.mapping(merged)
    features[0]["properties"]["code"] = "JG-YX-00"
    del features[1]
    second = await crosswalk.import_scheme("police", scheme["police"], "v2")
    assert (second.revision, second.grids) == (first.revision + 2, 19)
    assert crosswalk.revision == second.revision
    assert crosswalk.grids_of("police", "JG-YX-01") == []
    assert sum(
        e.department_share for e in crosswalk.grids_of("police", "JG-YX-00")
    ) == pytest.approx(1, abs=1e-3)
    assert crosswalk.grids_of("health", "YXWS-01")  # another department's stays
    async with crosswalk.database.session() as session:
        rows = await session.scalar(
            select(func.count())
            .select_from(DepartmentGridRow)
            .where(DepartmentGridRow.department == "police")
        )
    assert rows == 19


async def crosswalk_state(database: Database) -> tuple[object, ...]:
    async with database.session() as session:
        counts = [
            await session.scalar(select(func.count()).select_from(table))
            for table in (CrosswalkEntryRow, DepartmentGridRow, CrosswalkImportRow)
        ]
        entries = sorted(map(str, await crosswalk_store.entries(session)))
    return (*counts, hashlib.sha256("".join(entries).encode()).hexdigest())


BOWTIE = {
    "type": "Polygon",
    "coordinates": [
        [[120.0, 30.0], [120.01, 30.01], [120.01, 30.0], [120.0, 30.01], [120.0, 30.0]]
    ],
}


def _set(features: list[Any], index: int, where: str, value: Any) -> None:
    if where == "geometry":
        features[index]["geometry"] = value
    elif value is None:
        del features[index]["properties"]["code"]
    else:
        features[index]["properties"]["code"] = value


BREAKS: dict[str, Any] = {
    "duplicate": lambda f: _set(f, 1, "code", f[0]["properties"]["code"]),
    "no-code": lambda f: _set(f, 2, "code", None),
    "bad-code": lambda f: _set(f, 2, "code", "警格 三"),
    "self-intersecting": lambda f: _set(f, 3, "geometry", BOWTIE),
    "point": lambda f: _set(f, 3, "geometry", {"type": "Point", "coordinates": [120.05, 30.31]}),
    "overlapping": lambda f: _set(f, 4, "geometry", f[5]["geometry"]),
}


def broken(kind: str, document: dict[str, Any]) -> Any:
    if kind == "not-geojson":
        return {"type": "Topology", "objects": {}}
    if kind == "empty":
        return {"type": "FeatureCollection", "features": []}
    BREAKS[kind](document["features"])
    return document


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("not-geojson", "the file must be a GeoJSON FeatureCollection"),
        ("empty", "the FeatureCollection has no features"),
        ("duplicate", "JG-YX-01: code appears twice in the file"),
        ("no-code", "feature #2: properties.code: Field required"),
        ("bad-code", "feature #2: properties.code: String should match pattern"),
        ("self-intersecting", "JG-YX-04: invalid polygon: Self-intersection"),
        ("point", "JG-YX-04: geometry must be a Polygon or MultiPolygon, not 'Point'"),
        ("overlapping", "JG-YX-05: overlaps JG-YX-06 by"),
    ],
)
async def test_a_bad_file_is_rejected_whole_and_changes_nothing(
    crosswalk: Crosswalk, scheme: dict[str, dict[str, Any]], kind: str, message: str
) -> None:
    await crosswalk.import_scheme("police", copy.deepcopy(scheme["police"]), "good")
    before = await crosswalk_state(crosswalk.database)
    with pytest.raises(ImportRejectedError) as rejected:
        await crosswalk.import_scheme("police", broken(kind, scheme["police"]), "bad")
    errors = [str(problem) for problem in rejected.value.report.errors]
    assert any(message in error for error in errors), errors
    assert await crosswalk_state(crosswalk.database) == before


async def test_an_unknown_department_is_rejected(
    crosswalk: Crosswalk, scheme: dict[str, dict[str, Any]]
) -> None:
    with pytest.raises(ImportRejectedError, match="unknown department 'airport'"):
        await crosswalk.import_scheme("airport", scheme["police"], "airport")


async def test_a_scheme_needs_the_unified_grids_first(
    database: Database, scheme: dict[str, dict[str, Any]]
) -> None:
    with pytest.raises(ImportRejectedError, match="import the unified grids first"):
        await Crosswalk(database, DEPARTMENTS).import_scheme("police", scheme["police"], "early")


async def test_grids_outside_the_registry_are_warned_about(
    crosswalk: Crosswalk, scheme: dict[str, dict[str, Any]]
) -> None:
    far = {
        "type": "Feature",
        "properties": {"code": "JG-SH-01"},
        "geometry": {
            "type": "Polygon",
            "coordinates": [[[121.5, 31.2], [121.51, 31.2], [121.51, 31.21], [121.5, 31.2]]],
        },
    }
    scheme["police"]["features"].append(far)
    result = await crosswalk.import_scheme("police", scheme["police"], "wider")
    assert [str(w) for w in result.warnings] == [
        "JG-SH-01: lies outside every unified grid: records in it cannot be placed"
    ]
    assert crosswalk.grids_of("police", "JG-SH-01") == []


async def test_another_replica_sees_an_import_on_refresh(
    crosswalk: Crosswalk, schemes: dict[str, dict[str, Any]]
) -> None:
    replica = Crosswalk(crosswalk.database, DEPARTMENTS)
    assert not await replica.refresh()
    await crosswalk.import_scheme("health", schemes["health"], "health")
    assert replica.entries_for_grid("330199001001001") == []
    assert await replica.refresh()
    assert replica.entries_for_grid("330199001001001") == crosswalk.entries_for_grid(
        "330199001001001"
    )
    assert not await replica.refresh()
