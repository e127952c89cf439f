"""Putting upstream records in unified grids.

A record with a point goes to the grid whose polygon holds it (the registry's
spatial index, one vectorised lookup per batch). A record without one, or whose point
is outside every grid, goes to the unified grid that covers most of the department
grid it names, and is marked approximate.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from connectors.sdk.mapping import Record
from connectors.sdk.stream import Stream
from hub.core.codes import RegionLevel


class Located(Protocol):
    """Where a point lies: its unified grid."""

    @property
    def grid(self) -> str: ...


class Locator(Protocol):
    """The registry's spatial index (``hub.registry.spatial``), as placement needs it."""

    def locate_many(self, lats: Sequence[float], lons: Sequence[float]) -> Sequence[Located | None]:
        """For each point, where it lies, or None outside every grid."""
        ...


class Area(Protocol):
    """A unified region as a connector may need it: its code, name and size."""

    @property
    def code(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def area_sqm(self) -> float: ...


class Regions(Protocol):
    """The hub's grid registry (``hub.registry.Registry``), as connectors need it."""

    @property
    def revision(self) -> int:
        """Moves whenever an import changes the registry."""
        ...

    def of_level(self, level: RegionLevel) -> Sequence[Area]:
        """Every region of one level, in code order."""
        ...


class GridShare(Protocol):
    """The unified grid that holds the largest share of a department grid."""

    @property
    def grid_code(self) -> str: ...


class GridScheme(Protocol):
    """The crosswalk between the unified grids and one system's own grids or areas."""

    def department_codes(self, grid_codes: Iterable[str]) -> list[str]:
        """The system's codes whose areas overlap any of these unified grids."""
        ...

    def main_grid(self, department_code: str) -> str | None:
        """The unified grid holding the largest share of a department grid's area."""
        ...


class Crosswalk(Protocol):
    """The hub's crosswalk (``hub.crosswalk.Crosswalk``), as far as placement needs it."""

    def department_codes(self, department: str, region_codes: Iterable[str]) -> list[str]: ...

    def best_grid(self, department: str, department_code: str) -> GridShare | None: ...


class CrosswalkScheme:
    """One department's part of the hub's crosswalk, read as it is now (it is refreshed)."""

    def __init__(self, crosswalk: Crosswalk, department: str) -> None:
        self._crosswalk = crosswalk
        self._department = department

    def department_codes(self, grid_codes: Iterable[str]) -> list[str]:
        return self._crosswalk.department_codes(self._department, grid_codes)

    def main_grid(self, department_code: str) -> str | None:
        found = self._crosswalk.best_grid(self._department, department_code)
        return found.grid_code if found else None


@dataclass(frozen=True, slots=True)
class Placed:
    record: Record
    grid_code: str
    approximate: bool


def place(
    stream: type[Stream],
    records: Sequence[Record],
    index: Locator,
    scheme: GridScheme,
    wanted: Collection[str] | None = None,
) -> list[Placed]:
    """The records that fall in one of the ``wanted`` unified grids (any, for None)."""
    grids = _located(stream, records, index)
    placed: list[Placed] = []
    for record, located in zip(records, grids, strict=True):
        grid = located or _by_department_grid(stream, record, scheme)
        if grid is not None and (wanted is None or grid in wanted):
            placed.append(Placed(record, grid, approximate=located is None))
    return placed


def _by_department_grid(stream: type[Stream], record: Record, scheme: GridScheme) -> str | None:
    code = stream.grid_of(record)
    return scheme.main_grid(code) if code else None


def _located(stream: type[Stream], records: Sequence[Record], index: Locator) -> list[str | None]:
    points = [(i, point) for i, r in enumerate(records) if (point := stream.point(r)) is not None]
    found: list[str | None] = [None] * len(records)
    if not points:
        return found
    lats = [point[0] for _, point in points]
    lons = [point[1] for _, point in points]
    for (i, _), placement in zip(points, index.locate_many(lats, lons), strict=True):
        found[i] = placement.grid if placement else None
    return found
