"""Where the points rules come from."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel

from hub.core.paths import POINTS_RULES_FILE


class AssessmentSettings(BaseModel):
    points_file: Path = POINTS_RULES_FILE
