"""The unified grids as the SDK sees them: the protocols the hub's registry, its spatial
index and its crosswalk satisfy, so the SDK never imports ``hub.registry``.

Placement (``connectors.sdk.placement``) and the area models (``connectors.sdk.area``)
read the hub through these.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from hub.core.codes import RegionLevel


class Located(Protocol):
    """Where a point lies: its unified grid."""

    @property
    def grid(self) -> str: ...


Bounds = tuple[float, float, float, float]  # WGS84 (min lon, min lat, max lon, max lat)


class Locator(Protocol):
    """The registry's spatial index (``hub.registry.spatial``), as placement and the area
    models need it."""

    def locate_many(self, lats: Sequence[float], lons: Sequence[float]) -> Sequence[Located | None]:
        """For each point, where it lies, or None outside every grid."""
        ...

    def bounds(self, region_codes: Iterable[str]) -> Bounds | None:
        """The bounding box of every grid within these regions together, or None when
        none of them has a grid with a shape."""
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

    def region(self, code: str) -> Area | None:
        """One region by its code, or None when the registry has no such region."""
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
