"""Running the ``hub`` command in-process, against a database the test chose."""

from __future__ import annotations

import asyncio

import pytest
from typer.testing import CliRunner

from hub.cli import app


def hub(*args: str) -> tuple[int, str, str]:
    """Exit code, standard output and standard error of one ``hub`` command."""
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


async def ahub(*args: str) -> tuple[int, str, str]:
    """``hub`` from an async test: the command runs its own event loop, so in a thread."""
    return await asyncio.to_thread(hub, *args)


def point_at(monkeypatch: pytest.MonkeyPatch, database_url: str, **settings: str) -> None:
    """The command's settings: this database, quiet logs, no config file, and ``settings``."""
    monkeypatch.setenv("HUB_DATABASE_URL", database_url)
    monkeypatch.setenv("HUB_LOG_LEVEL", "WARNING")
    monkeypatch.delenv("HUB_CONFIG", raising=False)
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
