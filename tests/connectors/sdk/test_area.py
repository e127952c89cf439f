"""Area models: each turns a batch of unified grids into one upstream call's parameters."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import ClassVar

import httpx
import pytest
import respx

from connectors.sdk import (
    AreaContext,
    AreaModel,
    BoundingBox,
    Bounds,
    Call,
    Communities,
    DepartmentGrids,
    NoArea,
    PointRadius,
    Stream,
)
from connectors.sdk.area import haversine_m
from hub.core.codes import RegionLevel
from tests.connectors.sdk.fake import FakeConnector, Items, item, settings

COMMUNITY = "110101001001"
GRIDS = [f"{COMMUNITY}001", f"{COMMUNITY}002", "110101001002001"]
# Two grids side by side, and one in another community further north-east.
SHAPES: dict[str, Bounds] = {
    GRIDS[0]: (116.40, 39.90, 116.41, 39.91),
    GRIDS[1]: (116.41, 39.90, 116.42, 39.92),
    GRIDS[2]: (116.50, 40.00, 116.51, 40.01),
}


class Scheme:
    """The crosswalk: unified grid → the system's own zones."""

    zones: ClassVar[dict[str, str]] = {GRIDS[0]: "Z1", GRIDS[1]: "Z1", GRIDS[2]: "Z9"}

    def department_codes(self, grid_codes: Iterable[str]) -> list[str]:
        return sorted({self.zones[c] for c in grid_codes if c in self.zones})

    def main_grid(self, department_code: str) -> str | None:
        return None


class Index:
    def locate_many(self, lats: Sequence[float], lons: Sequence[float]) -> list[None]:
        return [None] * len(lats)

    def bounds(self, region_codes: Iterable[str]) -> Bounds | None:
        found = [b for code, b in SHAPES.items() for r in region_codes if code.startswith(r)]
        if not found:
            return None
        return (
            min(b[0] for b in found),
            min(b[1] for b in found),
            max(b[2] for b in found),
            max(b[3] for b in found),
        )


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    area_sqm: float = 1.0


class Regions:
    revision = 1
    named: ClassVar[dict[str, str]] = {COMMUNITY: "东华门社区", "110101001002": "景山社区"}

    def of_level(self, level: RegionLevel) -> list[Region]:
        return [Region(code, name) for code, name in self.named.items()]

    def region(self, code: str) -> Region | None:
        name = self.named.get(code)
        return Region(code, name) if name else None


CONTEXT = AreaContext(Scheme(), Index(), Regions())


def test_no_area_asks_for_everything() -> None:
    assert NoArea().params(GRIDS, CONTEXT) == {}


def test_department_grids_are_the_crosswalks_codes_joined() -> None:
    assert DepartmentGrids("zone").params(GRIDS, CONTEXT) == {"zone": "Z1,Z9"}
    assert DepartmentGrids("zone", separator="|").params(GRIDS, CONTEXT) == {"zone": "Z1|Z9"}


def test_department_grids_with_no_overlap_ask_for_nothing() -> None:
    assert DepartmentGrids("zone").params(["999999999999999"], CONTEXT) is None


def test_communities_by_code_and_by_name() -> None:
    assert Communities("c").params(GRIDS, CONTEXT) == {"c": f"{COMMUNITY},110101001002"}
    by_name = Communities("c", by="name", separator=";").params(GRIDS[:2], CONTEXT)
    assert by_name == {"c": "东华门社区"}
    assert Communities("c", by="name").params(["120101001001001"], CONTEXT) is None
    with pytest.raises(ValueError, match="'code' or 'name'"):
        Communities("c", by="id")


def test_a_bounding_box_is_the_union_of_the_grids_in_the_declared_order() -> None:
    assert BoundingBox("bbox").params(GRIDS[:2], CONTEXT) == {
        "bbox": "116.400000,39.900000,116.420000,39.920000"
    }
    south_first = BoundingBox("b", order="minLat,minLon,maxLat,maxLon", separator=" ", digits=2)
    assert south_first.params(GRIDS, CONTEXT) == {"b": "39.90 116.40 40.01 116.51"}
    four = BoundingBox(("w", "s", "e", "n"))
    assert four.params([GRIDS[2]], CONTEXT) == {
        "w": "116.500000",
        "s": "40.000000",
        "e": "116.510000",
        "n": "40.010000",
    }
    assert BoundingBox("bbox").params(["999"], CONTEXT) is None
    with pytest.raises(ValueError, match="names each of"):
        BoundingBox("bbox", order="minLon,minLat,maxLon")


def test_a_bounding_box_rounds_outwards() -> None:
    box = BoundingBox("bbox", digits=1).of((116.44, 39.96, 116.46, 39.97))
    assert box == {"bbox": "116.4,39.9,116.5,40.0"}
    exact = BoundingBox("bbox").of((116.4, 39.9, 116.42, 39.92))  # no float noise creeps in
    assert exact == {"bbox": "116.400000,39.900000,116.420000,39.920000"}


def test_a_point_and_radius_cover_every_corner_of_the_grids() -> None:
    found = PointRadius("lat", "lng", "r").params(GRIDS[:2], CONTEXT)
    assert found is not None
    lat, lon, radius = float(found["lat"]), float(found["lng"]), int(found["r"])
    assert (lat, lon) == (39.91, 116.41)
    corners = [(y, x) for y in (39.90, 39.92) for x in (116.40, 116.42)]
    farthest = max(haversine_m(lat, lon, y, x) for y, x in corners)
    assert farthest <= radius < farthest + 1
    in_km = PointRadius("lat", "lng", "r", unit="km").params(GRIDS[:2], CONTEXT)
    assert in_km is not None
    assert in_km["r"] == str(math.ceil(farthest / 1000))
    assert PointRadius("lat", "lng", "r").params(["999"], CONTEXT) is None
    with pytest.raises(ValueError, match="unit"):
        PointRadius("lat", "lng", "r", unit="mi")


def test_the_haversine_distance_of_a_degree_of_latitude() -> None:
    assert haversine_m(0.0, 0.0, 1.0, 0.0) == pytest.approx(111_195, rel=1e-4)


def test_only_models_that_need_an_area_ask_for_everywhere() -> None:
    assert DepartmentGrids("zone").everywhere() == {}
    assert NoArea().everywhere() == {}
    whole_globe = "-180.000000,-90.000000,180.000000,90.000000"
    assert BoundingBox("bbox").everywhere() == {"bbox": whole_globe}
    assert PointRadius("lat", "lng", "r", unit="km").everywhere() == {
        "lat": "0.000000",
        "lng": "0.000000",
        "r": "20016",
    }


def test_the_old_grid_param_is_refused_with_its_replacement() -> None:
    with pytest.raises(TypeError, match="DepartmentGrids"):
        type("Old", (Items,), {"grid_param": "area"})


def stream_with(model: AreaModel) -> type[Stream]:
    return type("Placed", (Items,), {"area": model})


@pytest.mark.parametrize(
    ("model", "grids", "sent"),
    [
        (DepartmentGrids("area"), GRIDS, {"area": "Z1,Z9"}),
        (Communities("community", by="name"), GRIDS[:2], {"community": "东华门社区"}),
        (
            BoundingBox("bbox"),
            GRIDS[:2],
            {"bbox": "116.400000,39.900000,116.420000,39.920000"},
        ),
        (PointRadius("lat", "lng", "radius", unit="km"), GRIDS[:2], {"lat": "39.910000"}),
        (NoArea(), GRIDS, {}),
    ],
)
@respx.mock
async def test_one_call_asks_for_the_whole_batch(
    model: AreaModel, grids: list[str], sent: dict[str, str]
) -> None:
    route = respx.get("http://fake.test/items").mock(
        return_value=httpx.Response(200, json={"items": [item(1)], "next": None})
    )
    stream = stream_with(model)
    params = stream.area.params(grids, CONTEXT)
    assert params is not None
    made = FakeConnector(settings())
    try:
        found = await made.fetch(stream, Call.within(5.0), params)
    finally:
        await made.aclose()
    assert [record["id"] for record in found] == ["i1"]
    assert route.call_count == 1
    query = route.calls.last.request.url.params
    assert {name: query[name] for name in sent} == sent
    assert set(query) == set(params)
