"""The departments that take grid events, read from the published taxonomy."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from hub.core.paths import DEPARTMENTS_FILE


@dataclass(frozen=True, slots=True)
class Department:
    code: str
    name: str
    english_name: str
    duties: str


def load_departments(path: Path = DEPARTMENTS_FILE) -> list[Department]:
    entries = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [
        Department(code=e["code"], name=e["name"], english_name=e["english"], duties=e["duties"])
        for e in entries
    ]
