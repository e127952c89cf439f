"""Point lookup answers the grid that really contains the point, or nothing outside."""

from __future__ import annotations

import random
from typing import Any

import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Point, shape

from hub.core.geo import to_geojson
from hub.registry.spatial import SpatialIndex


@pytest.fixture(scope="module")
def shapes(town_document: dict[str, Any]) -> dict[str, Any]:
    return {f["properties"]["code"]: shape(f["geometry"]) for f in town_document["features"]}


@pytest.fixture(scope="module")
def index(shapes: dict[str, Any]) -> SpatialIndex:
    leaves = [(code, to_geojson(s)) for code, s in shapes.items() if len(code) >= 15]
    return SpatialIndex(leaves, revision=1)


@pytest.fixture(scope="module")
def town_bounds(shapes: dict[str, Any]) -> tuple[float, float, float, float]:
    return shapes["330199001"].bounds  # type: ignore[no-any-return]


@settings(max_examples=300, deadline=None)
@given(x=st.floats(0, 1), y=st.floats(0, 1))
def test_a_point_lies_in_the_grid_and_micro_grid_named(
    index: SpatialIndex,
    shapes: dict[str, Any],
    town_bounds: tuple[float, float, float, float],
    x: float,
    y: float,
) -> None:
    min_lon, min_lat, max_lon, max_lat = town_bounds
    lon, lat = min_lon + x * (max_lon - min_lon), min_lat + y * (max_lat - min_lat)
    point = Point(lon, lat)
    placement = index.locate(lat, lon)
    if placement is None:
        assert not shapes["330199001"].buffer(-1e-7).contains(point)
        return
    assert shapes[placement.grid].buffer(1e-7).contains(point)
    assert placement.micro_grid is not None
    assert shapes[placement.micro_grid].buffer(1e-7).contains(point)
    assert placement.micro_grid.startswith(placement.grid)
    assert placement.community == placement.grid[:12]


def test_points_outside_the_town_have_no_grid(index: SpatialIndex) -> None:
    assert index.locate(31.5, 120.05) is None
    assert index.locate(0.0, 0.0) is None


def test_a_point_on_a_shared_edge_gets_exactly_one_answer(
    index: SpatialIndex, shapes: dict[str, Any]
) -> None:
    a, b = shapes["330199001001001"], shapes["330199001001002"]
    edge = a.boundary.intersection(b.boundary)
    point = edge.interpolate(0.5, normalized=True) if not edge.is_empty else a.centroid
    placement = index.locate(point.y, point.x)
    assert placement is not None
    assert placement.grid in {"330199001001001", "330199001001002"}


def test_batches_answer_like_single_lookups(index: SpatialIndex, shapes: dict[str, Any]) -> None:
    points = shapely.get_coordinates(
        [shapes[c].representative_point() for c in sorted(shapes) if len(c) == 18][:50]
    )
    lats, lons = points[:, 1].tolist(), points[:, 0].tolist()
    assert index.locate_many(lats, lons) == [
        index.locate(a, o) for a, o in zip(lats, lons, strict=True)
    ]


def test_an_empty_index_finds_nothing() -> None:
    assert SpatialIndex.empty().locate(30.3, 120.0) is None
    assert len(SpatialIndex.empty()) == 0


def test_the_bounds_of_regions_are_the_union_of_their_grids(
    index: SpatialIndex, shapes: dict[str, Any]
) -> None:
    community = "330199001001"
    grids = [s for code, s in shapes.items() if len(code) == 15 and code.startswith(community)]
    assert index.bounds([community]) == pytest.approx(shapely.union_all(grids).bounds)
    every_grid = sorted(code for code in shapes if len(code) == 15)
    one, other = every_grid[0], every_grid[-1]  # far apart, in different communities
    both = shapely.union_all([shapes[one], shapes[other]]).bounds
    assert index.bounds([one, other]) == pytest.approx(both)
    assert index.bounds(["330199999"]) is None
    assert SpatialIndex.empty().bounds([community]) is None


def test_remembered_points_answer_as_a_fresh_lookup(
    index: SpatialIndex, shapes: dict[str, Any], town_bounds: tuple[float, float, float, float]
) -> None:
    """Batches that repeat points, within and across calls, with the memory starting
    again when full (at eight points here): each answer is what an index that
    remembers nothing gives."""
    leaves = [(code, to_geojson(s)) for code, s in shapes.items() if len(code) >= 15]
    remembering = SpatialIndex(leaves, revision=1, remember=8)
    forgetful = SpatialIndex(leaves, revision=1, remember=0)
    min_lon, min_lat, max_lon, max_lat = town_bounds
    # 31 points on a diagonal past the town's corner: inside, outside and on edges
    line = [
        (min_lat + n / 25 * (max_lat - min_lat), min_lon + n / 25 * (max_lon - min_lon))
        for n in range(31)
    ]
    choose = random.Random(13)
    for size in [0, 1, 5, 12, 3, 9, 20, 2, 7, 31] * 3:
        batch = [line[choose.randrange(31)] for _ in range(size)]
        lats, lons = [lat for lat, _ in batch], [lon for _, lon in batch]
        assert remembering.locate_many(lats, lons) == forgetful.locate_many(lats, lons)
        assert remembering.locate_many(lats, lons) == index.locate_many(lats, lons)
        assert remembering.remembered <= 8
    assert forgetful.remembered == 0
    assert any(forgetful.locate_many([lat], [lon])[0] for lat, lon in line)
    assert not forgetful.locate_many([line[30][0]], [line[30][1]])[0]
