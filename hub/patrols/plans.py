"""Patrol plans: per grid and routine, who patrols and which micro-grids a patrol must
reach. By default every grid's plan is its registry: all its micro-grids, any worker
whose grids hold it; a plans file replaces that per grid and routine."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import BaseModel, Field

from hub.core.codes import RegionLevel
from hub.patrols.routines import RoutineCode, Routines
from hub.registry.snapshot import RegistrySnapshot


@dataclass(frozen=True, slots=True)
class Plan:
    grid: str
    routine: RoutineCode
    checkpoints: tuple[str, ...]  # micro-grid codes a patrol must reach
    workers: tuple[str, ...] = ()  # principal ids; empty: any worker whose grids hold it

    def lets(self, worker: str | None) -> bool:
        return not self.workers or worker in self.workers


class PlanEntry(BaseModel, frozen=True):
    grid: str = Field(pattern=r"^\d{15}$")
    routine: RoutineCode
    checkpoints: list[str] | None = None  # None: every micro-grid of the grid
    workers: list[str] = Field(default_factory=list)


class _PlansFile(BaseModel):
    plans: list[PlanEntry]


def load_overrides(path: Path | None) -> list[PlanEntry]:
    if path is None:
        return []
    return _PlansFile.model_validate(yaml.safe_load(path.read_text(encoding="utf-8"))).plans


def plans(
    snapshot: RegistrySnapshot, routines: Routines, overrides: list[PlanEntry]
) -> dict[tuple[str, RoutineCode], Plan]:
    """Every grid's plan for every routine, the overrides in place of the defaults."""
    micro_grids = {
        grid: tuple(c.code for c in snapshot.children.get(grid, []))
        for grid in snapshot.codes_by_level.get(RegionLevel.GRID, [])
    }
    found = {
        (grid, routine.code): Plan(grid, routine.code, checkpoints)
        for grid, checkpoints in micro_grids.items()
        for routine in routines
    }
    for entry in overrides:
        if entry.grid not in micro_grids:
            raise ValueError(f"patrol plan for {entry.grid}: not a grid of the registry")
        points = micro_grids[entry.grid] if entry.checkpoints is None else tuple(entry.checkpoints)
        strays = set(points) - set(micro_grids[entry.grid])
        if strays:
            raise ValueError(f"patrol plan for {entry.grid}: {sorted(strays)} not in the grid")
        found[(entry.grid, entry.routine)] = Plan(
            entry.grid, entry.routine, points, tuple(entry.workers)
        )
    return found
