"""单元网格: the city-management unit grids, 200-metre squares of the system's own survey.

The squares start from an origin of their own and are cut to the town's outline; a
sliver of less than a quarter square left at the edge joins the neighbour it shares
most boundary with. Codes have 14 digits: the street's nine, a block (片区, one of a
3 × 3 division of the town) and the cell's number within the block.
"""

from __future__ import annotations

import math
import random

import shapely
from shapely.geometry import box
from shapely.geometry.base import BaseGeometry

from connectors.sdk.simulation import (
    DEFAULT_SEED,
    PRECISION_DEGREES,
    FeatureCollection,
    outline_of,
    scheme_feature,
)
from hub.core.geo import METRES_PER_DEGREE_LAT, METRES_PER_DEGREE_LON_AT_EQUATOR, area_sqm

DEPARTMENT = "citymgmt"
STREET_CODE = "330199001"
CELL_METRES = 200.0
SLIVER_SHARE = 0.25
BLOCKS_PER_SIDE = 3


def unit_grids(town: FeatureCollection, seed: int = DEFAULT_SEED) -> FeatureCollection:
    """The unit grids as GeoJSON: ``properties`` has ``code``, ``block`` and ``area_sqm``."""
    outline = outline_of(town)
    pieces = _merge_slivers(_squares(outline, random.Random(f"{DEPARTMENT}-{seed}")))  # noqa: S311 - seeded, reproducible
    features = [
        scheme_feature(code, piece, block=code[9:11], area_sqm=round(area_sqm(piece), 1))
        for code, piece in _numbered(outline, pieces)
    ]
    return {"type": "FeatureCollection", "features": features}


def _squares(outline: BaseGeometry, rng: random.Random) -> list[BaseGeometry]:
    min_x, min_y, max_x, max_y = outline.bounds
    height = CELL_METRES / METRES_PER_DEGREE_LAT
    width = CELL_METRES / (METRES_PER_DEGREE_LON_AT_EQUATOR * math.cos(math.radians(min_y)))
    x0, y0 = min_x - rng.uniform(0, width), min_y - rng.uniform(0, height)
    columns, rows = math.ceil((max_x - x0) / width), math.ceil((max_y - y0) / height)
    squares = [
        box(x0 + c * width, y0 + r * height, x0 + (c + 1) * width, y0 + (r + 1) * height)
        for r in range(rows)
        for c in range(columns)
    ]
    pieces = shapely.intersection(squares, outline, grid_size=PRECISION_DEGREES)
    full = area_sqm(box(x0, y0, x0 + width, y0 + height))
    return [p for p in pieces if not p.is_empty and area_sqm(p) > 0.001 * full]


def _merge_slivers(pieces: list[BaseGeometry]) -> list[BaseGeometry]:
    full = max(area_sqm(p) for p in pieces)
    cells = sorted(pieces, key=area_sqm, reverse=True)
    while area_sqm(cells[-1]) < SLIVER_SHARE * full:
        sliver = cells.pop()
        neighbour = max(range(len(cells)), key=lambda i: _shared_edge(cells[i], sliver))
        cells[neighbour] = shapely.union(cells[neighbour], sliver, grid_size=PRECISION_DEGREES)
        cells.sort(key=area_sqm, reverse=True)
    return cells


def _shared_edge(cell: BaseGeometry, other: BaseGeometry) -> float:
    return float(cell.boundary.intersection(other.boundary).length)


def _numbered(outline: BaseGeometry, pieces: list[BaseGeometry]) -> list[tuple[str, BaseGeometry]]:
    """Codes by block, then north-west to south-east within the block."""
    min_x, min_y, max_x, max_y = outline.bounds

    def block(piece: BaseGeometry) -> int:
        point = piece.representative_point()
        column = min(int((point.x - min_x) / (max_x - min_x) * BLOCKS_PER_SIDE), 2)
        row = min(int((max_y - point.y) / (max_y - min_y) * BLOCKS_PER_SIDE), 2)
        return row * BLOCKS_PER_SIDE + column + 1

    def reading(piece: BaseGeometry) -> tuple[int, float, float]:
        point = piece.representative_point()
        return block(piece), -round(point.y, 4), point.x

    numbered: list[tuple[str, BaseGeometry]] = []
    counts: dict[int, int] = {}
    for piece in sorted(pieces, key=reading):
        number = block(piece)
        counts[number] = counts.get(number, 0) + 1
        numbered.append((f"{STREET_CODE}{number:02d}{counts[number]:03d}", piece))
    return numbered
