"""Where the routines and plans come from, and how often missed routines are sought."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field

from hub.core.paths import PATROL_ROUTINES_FILE


class PatrolSettings(BaseModel):
    routines_file: Path = PATROL_ROUTINES_FILE
    plans_file: Path | None = Field(
        default=None,
        description="Plans replacing the registry's default per grid and routine (YAML: "
        "plans: [{grid, routine, checkpoints, workers}]).",
    )
    check_seconds: float = Field(
        default=30.0, gt=0, description="How often missed routines are sought (timers role)."
    )
