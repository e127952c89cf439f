"""The registry in memory: what every query reads, rebuilt when the registry revision moves.

Regions, grid workers and party branches are reference data that change by import, a
few times a year, and are read on nearly every request; reading them from memory keeps
the hot path off the database. Geometries stay in the database: large, and rarely
asked for.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

from hub.core.codes import RegionLevel
from hub.registry import model


@dataclass(frozen=True, slots=True)
class RegistrySnapshot:
    revision: int
    regions: dict[str, model.Region] = field(default_factory=dict)
    children: dict[str, list[model.Region]] = field(default_factory=dict)
    workers: dict[str, list[model.GridWorker]] = field(default_factory=dict)
    branches: dict[str, model.PartyBranch] = field(default_factory=dict)
    branch_of_grid: dict[str, model.PartyBranch] = field(default_factory=dict)
    codes_by_level: dict[RegionLevel, list[str]] = field(default_factory=dict)

    @classmethod
    def of(
        cls,
        revision: int,
        regions: Sequence[model.Region],
        workers: dict[str, list[model.GridWorker]],
        branches: Sequence[model.PartyBranch],
    ) -> RegistrySnapshot:
        children: dict[str, list[model.Region]] = defaultdict(list)
        by_level: dict[RegionLevel, list[str]] = defaultdict(list)
        for region in sorted(regions, key=lambda r: r.code):
            by_level[region.level].append(region.code)
            if region.parent_code:
                children[region.parent_code].append(region)
        by_code = {b.code: b for b in branches}
        return cls(
            revision=revision,
            regions={r.code: r for r in regions},
            children=dict(children),
            workers=dict(workers),
            branches=by_code,
            branch_of_grid={grid: b for b in branches for grid in b.grid_codes},
            codes_by_level=dict(by_level),
        )

    def page(
        self,
        level: RegionLevel,
        within: str | None,
        after: str | None,
        limit: int,
        visible: Collection[str] | None = None,
    ) -> list[model.Region]:
        """Regions of ``level`` under ``within``, in code order, after ``after``; like
        ``store.page``, ``visible`` keeps those subtrees and the regions above them."""
        found: list[model.Region] = []
        for code in self._codes(level, within, after):
            if visible is None or _reaches(code, visible):
                found.append(self.regions[code])
                if len(found) == limit:
                    break
        return found

    def count(
        self, level: RegionLevel, within: str | None, visible: Collection[str] | None = None
    ) -> int:
        codes = self._codes(level, within, None)
        return len(codes) if visible is None else sum(_reaches(c, visible) for c in codes)

    def _codes(self, level: RegionLevel, within: str | None, after: str | None) -> list[str]:
        codes = self.codes_by_level.get(level, [])
        start, end = 0, len(codes)
        if within:  # codes are prefixes of their descendants': a subtree is a range
            start = bisect.bisect_left(codes, within)
            end = bisect.bisect_left(codes, within + ":")
        if after is not None:
            start = max(start, bisect.bisect_right(codes, after))
        return codes[start:end]


def _reaches(code: str, roots: Collection[str]) -> bool:
    """Within one of the subtrees, or on the way down to one."""
    return any(code.startswith(root) or root.startswith(code) for root in roots)
