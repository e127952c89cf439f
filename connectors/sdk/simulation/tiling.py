"""Tiling a polygon into cells of even size without gaps or overlaps.

Cells are Voronoi cells of random seeds, relaxed a few times towards their centroids
(Lloyd's algorithm) so they come out compact, and cut to the outline with a fixed
precision grid so neighbours share their edges exactly.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable

import shapely
from shapely.geometry import MultiPoint, Point, Polygon
from shapely.geometry.base import BaseGeometry

from hub.core.geo import METRES_PER_DEGREE_LAT, METRES_PER_DEGREE_LON_AT_EQUATOR

PRECISION_DEGREES = 1e-7  # about a centimetre
RELAXATION_ROUNDS = 4


def outline(
    rng: random.Random, centre_lat: float, centre_lon: float, width_m: float, height_m: float
) -> Polygon:
    """An irregular, roughly elliptical town outline."""
    lon_scale = METRES_PER_DEGREE_LON_AT_EQUATOR * math.cos(math.radians(centre_lat))
    corners = []
    for step in range(16):
        angle = 2 * math.pi * step / 16
        stretch = rng.uniform(0.85, 1.1)
        east = math.cos(angle) * width_m / 2 * stretch
        north = math.sin(angle) * height_m / 2 * stretch
        corners.append((centre_lon + east / lon_scale, centre_lat + north / METRES_PER_DEGREE_LAT))
    return _snap(Polygon(corners))


def partition(area: BaseGeometry, count: int, rng: random.Random) -> list[BaseGeometry]:
    """``count`` cells tiling ``area``, ordered north-west to south-east."""
    if count == 1:
        return [area]
    seeds = _random_points(area, count, rng)
    for _ in range(RELAXATION_ROUNDS):
        seeds = [cell.centroid for cell in _cells(area, seeds)]
    cells = _cells(area, seeds)
    return sorted(cells, key=_reading_order(cells))


def _cells(area: BaseGeometry, seeds: list[Point]) -> list[BaseGeometry]:
    diagram = shapely.voronoi_polygons(MultiPoint(seeds), extend_to=area, ordered=True)
    # Snap-rounding keeps shared edges identical between neighbours; the second, exact
    # cut trims the centimetre slivers that rounding pushed across the outline.
    return [
        _as_one_shape(shapely.intersection(cell, area, grid_size=PRECISION_DEGREES) & area)
        for cell in diagram.geoms
    ]


def _as_one_shape(geometry: BaseGeometry) -> BaseGeometry:
    """A cell cut by a concave outline may leave crumbs; keep them, but as one shape."""
    polygons = [g for g in getattr(geometry, "geoms", [geometry]) if g.geom_type == "Polygon"]
    return polygons[0] if len(polygons) == 1 else shapely.MultiPolygon(polygons)


def _random_points(area: BaseGeometry, count: int, rng: random.Random) -> list[Point]:
    min_x, min_y, max_x, max_y = area.bounds
    points: list[Point] = []
    while len(points) < count:
        point = Point(rng.uniform(min_x, max_x), rng.uniform(min_y, max_y))
        if area.contains(point):
            points.append(point)
    return points


def _reading_order(cells: list[BaseGeometry]) -> Callable[[BaseGeometry], tuple[int, float]]:
    rows = max(1, round(math.sqrt(len(cells))))
    min_y = min(c.bounds[1] for c in cells)
    max_y = max(c.bounds[3] for c in cells)
    band = (max_y - min_y) / rows or 1.0

    def key(cell: BaseGeometry) -> tuple[int, float]:
        centre = cell.centroid
        return int((max_y - centre.y) / band), centre.x

    return key


def _snap(geometry: BaseGeometry) -> BaseGeometry:
    return shapely.set_precision(geometry, PRECISION_DEGREES)
