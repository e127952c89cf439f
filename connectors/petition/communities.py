"""The hotline's "grids" are communities, by name: the registry says which is which.

The system files a work order under a community name (``/api/v1/communities``), so the
hub asks it for the names of the communities its grids lie in, and places an order
without a point in the largest grid of its community, marked approximate.
"""

from __future__ import annotations

from collections.abc import Iterable

from connectors.sdk import Regions
from hub.core.codes import RegionLevel

COMMUNITY_CODE = RegionLevel.COMMUNITY.code_length


class Communities:
    def __init__(self, names: dict[str, str], largest_grid: dict[str, str]) -> None:
        self._name_of = names  # community code → name
        self._code_of = {name: code for code, name in names.items()}
        self._largest_grid = largest_grid  # community code → its largest grid

    @classmethod
    def of(cls, regions: Regions) -> Communities:
        communities = regions.of_level(RegionLevel.COMMUNITY)
        grids = regions.of_level(RegionLevel.GRID)
        largest: dict[str, str] = {}
        for grid in sorted(grids, key=lambda g: g.area_sqm):
            largest[grid.code[:COMMUNITY_CODE]] = grid.code  # the last, largest, stays
        return cls({c.code: c.name for c in communities}, largest)

    def department_codes(self, grid_codes: Iterable[str]) -> list[str]:
        codes = {code[:COMMUNITY_CODE] for code in grid_codes}
        return sorted(self._name_of[code] for code in codes if code in self._name_of)

    def main_grid(self, department_code: str) -> str | None:
        code = self._code_of.get(department_code)
        return self._largest_grid.get(code) if code else None
