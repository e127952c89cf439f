"""Reading a department's grid scheme: a GeoJSON FeatureCollection of its own grids.

Each feature's ``properties`` carry ``code`` (the department's own code for the grid)
and optionally ``name``; the geometry is a WGS84 Polygon or MultiPolygon. Every
problem found is collected, so one pass names all of them.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from shapely import STRtree

from hub.core.geo import InvalidGeometryError, area_sqm, polygon_from_geojson, rounding_noise_sqm
from hub.crosswalk.entries import DepartmentGrid
from hub.registry.parse import features_of
from hub.registry.problems import Report

CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$"


class _Properties(BaseModel):
    model_config = ConfigDict(extra="ignore")

    code: str = Field(pattern=CODE_PATTERN)
    name: str | None = Field(default=None, max_length=100)


def parse_scheme(document: Any, report: Report) -> list[DepartmentGrid]:
    grids: dict[str, DepartmentGrid] = {}
    for index, feature in enumerate(features_of(document, report)):
        grid = _grid(index, feature, report)
        if grid is None:
            continue
        if grid.code in grids:
            report.error("code appears twice in the file", grid.code, index)
            continue
        grids[grid.code] = grid
    parsed = list(grids.values())
    _check_overlaps(parsed, report)
    return parsed


def _grid(index: int, feature: Any, report: Report) -> DepartmentGrid | None:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        report.error("not a GeoJSON Feature", feature=index)
        return None
    try:
        properties = _Properties.model_validate(feature.get("properties"))
    except ValidationError as error:
        for detail in error.errors(include_url=False):
            where = ".".join(str(part) for part in detail["loc"])
            report.error(f"properties.{where}: {detail['msg']}", feature=index)
        return None
    geometry = feature.get("geometry")
    if not isinstance(geometry, dict):
        report.error("feature has no geometry", properties.code, index)
        return None
    try:
        polygon = polygon_from_geojson(geometry)
    except InvalidGeometryError as error:
        report.error(str(error), properties.code, index)
        return None
    return DepartmentGrid(properties.code, properties.name, polygon, index)


def _check_overlaps(grids: list[DepartmentGrid], report: Report) -> None:
    """A point lies in one grid of a scheme; overlaps beyond rounding are mistakes."""
    if not grids:
        return
    shapes = [grid.polygon for grid in grids]
    left, right = STRtree(shapes).query(shapes, predicate="intersects")
    for i, j in zip(left.tolist(), right.tolist(), strict=True):
        if i < j:
            overlap = area_sqm(shapes[i].intersection(shapes[j]))
            smaller = min(shapes[i], shapes[j], key=lambda s: s.area)
            if overlap > rounding_noise_sqm(smaller):
                report.error(
                    f"overlaps {grids[j].code} by {overlap:.0f} m²", grids[i].code, grids[i].feature
                )
