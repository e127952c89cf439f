"""Fixtures of the CLI tests: a settings environment of their own, and the demo town file."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.cli import hub


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HUB_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("HUB_LOG_LEVEL", "WARNING")
    monkeypatch.delenv("HUB_CONFIG", raising=False)
    return tmp_path


@pytest.fixture
def town_file(env: Path) -> Path:
    path = env / "town.geojson"
    code, out, _ = hub("grids", "generate", "--output", str(path))
    assert code == 0, out
    assert out == f"wrote 600 regions to {path}\n"
    return path
