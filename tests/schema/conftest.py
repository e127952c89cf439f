"""Fixtures of the graph tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import event
from starlette.applications import Starlette


@pytest.fixture
def statements(app: Starlette) -> Iterator[list[str]]:
    """Every SQL statement the app sends while the test runs."""
    seen: list[str] = []
    engine = app.state.services.database.engine.sync_engine

    def record(*args: object) -> None:
        seen.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)
