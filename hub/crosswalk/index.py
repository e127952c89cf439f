"""The crosswalk in memory, at one revision: lookups a connector makes on every query."""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable, Sequence

from hub.core.codes import RegionLevel
from hub.crosswalk.entries import ApproximatePlacement, CrosswalkEntry

GRID_CODE_LENGTH = RegionLevel.GRID.code_length


class CrosswalkIndex:
    """Immutable; a new revision builds a new index."""

    def __init__(self, entries: Iterable[CrosswalkEntry], revision: int) -> None:
        self.revision = revision
        by_grid: dict[str, list[CrosswalkEntry]] = defaultdict(list)
        by_department_grid: dict[tuple[str, str], list[CrosswalkEntry]] = defaultdict(list)
        for entry in entries:
            by_grid[entry.grid_code].append(entry)
            by_department_grid[(entry.department, entry.department_code)].append(entry)
        self._by_grid = {
            code: sorted(found, key=lambda e: (e.department, -e.grid_share, e.department_code))
            for code, found in by_grid.items()
        }
        self._by_department_grid = {
            key: sorted(found, key=lambda e: (-e.department_share, e.grid_code))
            for key, found in by_department_grid.items()
        }
        self._grid_codes = sorted(self._by_grid)

    @classmethod
    def empty(cls) -> CrosswalkIndex:
        return cls((), revision=0)

    def __len__(self) -> int:
        return sum(len(found) for found in self._by_grid.values())

    @property
    def departments(self) -> list[str]:
        return sorted({department for department, _ in self._by_department_grid})

    def entries_for_grid(
        self, grid_code: str, department: str | None = None
    ) -> list[CrosswalkEntry]:
        """The department grids overlapping a unified grid, by department, largest share first."""
        found = self._by_grid.get(grid_code, [])
        return [e for e in found if department is None or e.department == department]

    def department_codes(self, department: str, region_codes: Iterable[str]) -> list[str]:
        """The department's own grid codes covering these regions, sorted and distinct.

        A region code of any level works: a community's code stands for all its grids,
        a micro-grid's for its grid. This is what a connector asks its system for.
        """
        codes = {
            entry.department_code
            for grid in self._grids_within(region_codes)
            for entry in self._by_grid[grid]
            if entry.department == department
        }
        return sorted(codes)

    def grids_of(self, department: str, department_code: str) -> list[CrosswalkEntry]:
        """The unified grids a department grid overlaps, largest share of it first."""
        return list(self._by_department_grid.get((department, department_code), []))

    def best_grid(self, department: str, department_code: str) -> ApproximatePlacement | None:
        """Where to place a record known only by its department grid: approximately."""
        found = self._by_department_grid.get((department, department_code))
        if not found:
            return None
        best = found[0]
        return ApproximatePlacement(
            best.grid_code, department, department_code, best.department_share
        )

    def _grids_within(self, region_codes: Iterable[str]) -> set[str]:
        grids: set[str] = set()
        for code in region_codes:
            prefix = code[:GRID_CODE_LENGTH]
            grids.update(_with_prefix(self._grid_codes, prefix))
        return grids


def _with_prefix(codes: Sequence[str], prefix: str) -> list[str]:
    start = bisect.bisect_left(codes, prefix)
    end = bisect.bisect_left(codes, prefix + ":")  # ":" sorts right after the digits
    return list(codes[start:end])
