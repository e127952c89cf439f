"""Geometry in WGS84 longitude/latitude, with areas measured in square metres.

A town spans a few kilometres, so an equirectangular projection around the town's
own latitude measures areas to well under a percent, which is all area shares need.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from typing import Any

import shapely
import shapely.affinity
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

METRES_PER_DEGREE_LAT = 110_574.0
METRES_PER_DEGREE_LON_AT_EQUATOR = 111_320.0

# Shared edges of neighbouring polygons rarely match to the last bit once written as
# decimal degrees. An overlap or overhang thinner than this along a boundary, or
# smaller than a square metre, is noise from rounding, not a mistake in the map.
POSITIONAL_TOLERANCE_M = 0.01
AREA_TOLERANCE_SQM = 1.0


class InvalidGeometryError(ValueError):
    """A geometry that is not a valid polygon or multipolygon."""


def polygon_from_geojson(geometry: Mapping[str, Any]) -> BaseGeometry:
    """A valid (multi)polygon from a GeoJSON geometry; raises InvalidGeometryError."""
    kind = geometry.get("type")
    if kind not in ("Polygon", "MultiPolygon"):
        raise InvalidGeometryError(f"geometry must be a Polygon or MultiPolygon, not {kind!r}")
    try:
        polygon = shape(geometry)
    except (ValueError, TypeError, AttributeError, IndexError) as error:
        raise InvalidGeometryError(f"unreadable coordinates: {error}") from error
    if polygon.is_empty:
        raise InvalidGeometryError("geometry is empty")
    if not polygon.is_valid:
        raise InvalidGeometryError(f"invalid polygon: {shapely.is_valid_reason(polygon)}")
    _check_bounds(polygon)
    return polygon


def _check_bounds(polygon: BaseGeometry) -> None:
    min_lon, min_lat, max_lon, max_lat = polygon.bounds
    if not (-180 <= min_lon <= max_lon <= 180 and -90 <= min_lat <= max_lat <= 90):
        raise InvalidGeometryError("coordinates must be longitude, latitude in degrees")


def to_geojson(polygon: BaseGeometry) -> str:
    return json.dumps(shapely.geometry.mapping(polygon), separators=(",", ":"))


def from_geojson(text: str) -> BaseGeometry:
    return shape(json.loads(text))


def _metres_per_degree_lon(latitude: float) -> float:
    return METRES_PER_DEGREE_LON_AT_EQUATOR * math.cos(math.radians(latitude))


def area_sqm(polygon: BaseGeometry, latitude: float | None = None) -> float:
    """The area in square metres, projected around ``latitude`` (default: its own)."""
    if polygon.is_empty:
        return 0.0
    lat = polygon.centroid.y if latitude is None else latitude
    return float(polygon.area * METRES_PER_DEGREE_LAT * _metres_per_degree_lon(lat))


def perimeter_m(polygon: BaseGeometry) -> float:
    lat = polygon.centroid.y
    scaled = shapely.affinity.scale(
        polygon, xfact=_metres_per_degree_lon(lat), yfact=METRES_PER_DEGREE_LAT, origin=(0, 0)
    )
    return float(scaled.length)


def rounding_noise_sqm(polygon: BaseGeometry) -> float:
    """The largest area that coordinate rounding alone can shift along the boundary."""
    return max(AREA_TOLERANCE_SQM, perimeter_m(polygon) * POSITIONAL_TOLERANCE_M)


def union(polygons: Iterable[BaseGeometry]) -> BaseGeometry:
    return shapely.union_all(list(polygons))


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Distance in metres between two nearby points (equirectangular)."""
    dx = (lon2 - lon1) * _metres_per_degree_lon((lat1 + lat2) / 2)
    dy = (lat2 - lat1) * METRES_PER_DEGREE_LAT
    return math.hypot(dx, dy)
