"""The demo town as a department system knows it: where people live, and its own grids.

A simulator places its records where people live (a micro-grid, chosen in proportion
to its households) and files them under its own grid scheme, which it looks up with
a ``SchemeIndex``. It never sees the unified grid codes in its answers.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

import shapely
from shapely import STRtree
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry
from shapely.prepared import prep

FeatureCollection = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Place:
    """A point where something happened, and what a local would call it."""

    lat: float
    lon: float
    community: str  # 社区/村 name
    building: str  # building-level address, e.g. 云溪街道青山路333号梅林杏坛府1-3幢
    village: bool


@dataclass(frozen=True, slots=True)
class _Home:
    polygon: BaseGeometry
    community: str
    building: str
    village: bool


class TownMap:
    """The town's outline, communities and homes, read from its FeatureCollection."""

    def __init__(self, town: FeatureCollection) -> None:
        features = [f["properties"] | {"geometry": f["geometry"]} for f in town["features"]]
        by_level: dict[str, list[dict[str, Any]]] = {}
        for feature in features:
            by_level.setdefault(feature["level"], []).append(feature)
        street = by_level["STREET"][0]
        self.street = str(street["name"])
        self.outline: BaseGeometry = shape(street["geometry"])
        self.communities = {str(c["code"]): str(c["name"]) for c in by_level["COMMUNITY"]}
        self._homes = [self._home(m) for m in by_level["MICRO_GRID"]]
        self._weights = [float(m["households"]) for m in by_level["MICRO_GRID"]]

    def _home(self, micro: dict[str, Any]) -> _Home:
        community = self.communities[str(micro["code"])[:12]]
        return _Home(
            polygon=shape(micro["geometry"]),
            community=community,
            building=str(micro.get("address") or micro["name"]),
            village=community.endswith("村"),
        )

    def place(self, rng: random.Random) -> Place:
        """A point where people live, chosen in proportion to households."""
        home = rng.choices(self._homes, self._weights)[0]
        lon, lat = random_point(home.polygon, rng)
        return Place(lat, lon, home.community, home.building, home.village)


def outline_of(town: FeatureCollection) -> BaseGeometry:
    """The town's outline: its street (街道) polygon."""
    street = next(f for f in town["features"] if f["properties"]["level"] == "STREET")
    return shape(street["geometry"])


def random_point(polygon: BaseGeometry, rng: random.Random) -> tuple[float, float]:
    """A uniformly random (lon, lat) inside ``polygon``, to seven decimals."""
    prepared = prep(polygon)
    min_x, min_y, max_x, max_y = polygon.bounds
    while True:
        lon = round(rng.uniform(min_x, max_x), 7)
        lat = round(rng.uniform(min_y, max_y), 7)
        if prepared.contains(Point(lon, lat)):
            return lon, lat


class SchemeIndex:
    """Point lookup in a department's own grid scheme (features with ``properties.code``)."""

    def __init__(self, scheme: FeatureCollection) -> None:
        pairs = sorted((f["properties"]["code"], shape(f["geometry"])) for f in scheme["features"])
        self.codes = [code for code, _ in pairs]
        self.shapes = dict(pairs)
        self._tree = STRtree([polygon for _, polygon in pairs])

    def code_at(self, lon: float, lat: float) -> str | None:
        """The code of the grid covering the point; on a shared edge, the lower code."""
        hits = self._tree.query(shapely.points(lon, lat), predicate="intersects")
        return self.codes[min(hits)] if len(hits) else None


def scheme_feature(code: str, geometry: BaseGeometry, **properties: Any) -> dict[str, Any]:
    """A scheme feature: the code as feature id and property, and the geometry."""
    return {
        "type": "Feature",
        "id": code,
        "properties": {"code": code, **properties},
        "geometry": shapely.geometry.mapping(geometry),
    }
