"""Fixtures of the tests that run hub commands as processes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """The environment of a hub command on a fresh SQLite database of this test's own."""
    return {
        **os.environ,
        "HUB_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'serve.db'}",
        "HUB_LOG_LEVEL": "WARNING",
    }
