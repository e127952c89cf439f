"""Fixtures of the CLI tests: a settings environment of their own, and the demo town file."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.cli import hub, point_at


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    point_at(monkeypatch, f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
    return tmp_path


@pytest.fixture
def town_file(env: Path) -> Path:
    path = env / "town.geojson"
    code, out, _ = hub("grids", "generate", "--output", str(path))
    assert code == 0, out
    assert out == f"wrote 600 regions to {path}\n"
    return path
