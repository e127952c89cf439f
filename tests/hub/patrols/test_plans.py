"""Patrol plans: the registry's by default, a plans file's where it names a grid."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from pydantic import ValidationError

from hub.config import Settings
from hub.core.codes import RegionLevel
from hub.core.paths import PATROL_ROUTINES_FILE
from hub.db.engine import Database
from hub.patrols import RoutineCode, Routines, load_overrides, plans
from hub.registry.service import Registry
from hub.registry.snapshot import RegistrySnapshot

GRID = "330199001001001"
ROUTINES = Routines.load(PATROL_ROUTINES_FILE)


@pytest.fixture
async def town(town_settings: Settings) -> AsyncIterator[RegistrySnapshot]:
    database = Database(town_settings.database_url)
    registry = Registry(database)
    await registry.refresh()
    yield registry.snapshot
    await database.aclose()


def test_by_default_every_grid_patrols_all_its_micro_grids(town: RegistrySnapshot) -> None:
    found = plans(town, ROUTINES, [])
    assert len(found) == 3 * len(town.codes_by_level[RegionLevel.GRID])
    daily = found[(GRID, RoutineCode.DAILY)]
    assert daily.checkpoints == tuple(r.code for r in town.children[GRID])
    assert daily.workers == ()
    assert daily.lets("key:anyone")


def test_a_plans_file_replaces_a_grids_plan(town: RegistrySnapshot, tmp_path: Path) -> None:
    first, second = (r.code for r in town.children[GRID][:2])
    path = tmp_path / "plans.yaml"
    path.write_text(
        f"plans:\n  - {{grid: '{GRID}', routine: WEEKLY, checkpoints: ['{first}'],"
        " workers: ['key:7']}\n",
        encoding="utf-8",
    )
    found = plans(town, ROUTINES, load_overrides(path))
    weekly = found[(GRID, RoutineCode.WEEKLY)]
    assert (weekly.checkpoints, weekly.workers) == ((first,), ("key:7",))
    assert weekly.lets("key:7")
    assert not weekly.lets("key:8")
    assert second in found[(GRID, RoutineCode.DAILY)].checkpoints  # the others stay


def test_a_plan_for_what_is_not_there_is_refused(town: RegistrySnapshot, tmp_path: Path) -> None:
    path = tmp_path / "plans.yaml"
    path.write_text("plans:\n  - {grid: '330199009009009', routine: DAILY}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="not a grid"):
        plans(town, ROUTINES, load_overrides(path))
    stray = town.children["330199001002001"][0].code
    path.write_text(
        f"plans:\n  - {{grid: '{GRID}', routine: DAILY, checkpoints: ['{stray}']}}\n",
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="not in the grid"):
        plans(town, ROUTINES, load_overrides(path))
    path.write_text("plans:\n  - {grid: '33019', routine: HOURLY}\n", encoding="utf-8")
    with pytest.raises(ValidationError):
        load_overrides(path)
