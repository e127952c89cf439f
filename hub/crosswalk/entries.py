"""The crosswalk's records, independent of storage and of the graph."""

from __future__ import annotations

from dataclasses import dataclass

from shapely.geometry.base import BaseGeometry


@dataclass(frozen=True, slots=True)
class DepartmentGrid:
    """One grid of a department's own scheme, as its file drew it."""

    code: str
    name: str | None
    polygon: BaseGeometry
    feature: int  # its index in the FeatureCollection


@dataclass(frozen=True, slots=True)
class DepartmentGridShape:
    """A stored department grid as a map draws it: its outline kept as GeoJSON text."""

    department: str
    code: str
    name: str | None
    area_sqm: float
    geometry: str


@dataclass(frozen=True, slots=True)
class CrosswalkEntry:
    """Where a department grid and a unified grid overlap.

    ``department_share`` is the part of the department grid's area that lies in the
    unified grid; ``grid_share`` the part of the unified grid's area that lies in the
    department grid. Over one department grid, its ``department_share`` values sum to
    about 1 where the registry covers it.
    """

    department: str
    department_code: str
    grid_code: str
    overlap_sqm: float
    department_share: float
    grid_share: float


@dataclass(frozen=True, slots=True)
class ApproximatePlacement:
    """A unified grid chosen for a record that has no location of its own: the grid that
    holds the largest part of the record's department grid. Always approximate."""

    grid_code: str
    department: str
    department_code: str
    share: float  # of the department grid's area that lies in ``grid_code``
    approximate: bool = True
