"""Polygon overlay: which unified grids each department grid overlaps, and how much.

Every area is measured in one projection, around the scheme's own latitude, so the
shares of one department grid add up exactly as its pieces do. Overlaps no larger than
what coordinate rounding alone can shift along a boundary are dropped: two maps drawn
independently always touch along shared streets, and those touches are not overlaps.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from shapely import STRtree
from shapely.geometry.base import BaseGeometry

from hub.core.geo import area_sqm, rounding_noise_sqm
from hub.crosswalk.entries import CrosswalkEntry, DepartmentGrid

UNCOVERED_WARNING_SHARE = 0.01  # a grid more than 1% outside the registry is worth a warning


@dataclass(frozen=True, slots=True)
class Overlay:
    entries: list[CrosswalkEntry]
    areas: dict[str, float]  # department grid code -> area in m²
    uncovered: dict[str, float]  # department grid code -> share outside every unified grid


def overlay(
    department: str, grids: Sequence[DepartmentGrid], unified: Mapping[str, BaseGeometry]
) -> Overlay:
    """The overlaps of ``grids`` (one department's) with ``unified`` grids (code -> shape)."""
    codes = sorted(unified)
    shapes = [unified[code] for code in codes]
    latitude = float(np.mean([g.polygon.centroid.y for g in grids]))
    areas = {g.code: area_sqm(g.polygon, latitude) for g in grids}
    grid_areas = [area_sqm(shape, latitude) for shape in shapes]
    left, right = STRtree(shapes).query([g.polygon for g in grids], predicate="intersects")
    pieces = shapely.intersection(
        [grids[i].polygon for i in left.tolist()], [shapes[j] for j in right.tolist()]
    )
    entries = []
    for i, j, piece in zip(left.tolist(), right.tolist(), pieces, strict=True):
        grid = grids[i]
        overlap = area_sqm(piece, latitude)
        if overlap <= rounding_noise_sqm(grid.polygon):
            continue
        entries.append(
            CrosswalkEntry(
                department=department,
                department_code=grid.code,
                grid_code=codes[j],
                overlap_sqm=round(overlap, 1),
                department_share=overlap / areas[grid.code],
                grid_share=overlap / grid_areas[j],
            )
        )
    entries.sort(key=lambda e: (e.department_code, -e.department_share, e.grid_code))
    return Overlay(entries, areas, _uncovered(grids, entries))


def _uncovered(grids: Sequence[DepartmentGrid], entries: list[CrosswalkEntry]) -> dict[str, float]:
    covered: dict[str, float] = {}
    for entry in entries:
        covered[entry.department_code] = covered.get(entry.department_code, 0.0) + (
            entry.department_share
        )
    return {grid.code: max(0.0, 1.0 - covered.get(grid.code, 0.0)) for grid in grids}
