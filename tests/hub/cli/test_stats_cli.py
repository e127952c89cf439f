"""``hub stats rebuild``: lost rollups come back from the ledger."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import delete

from hub.db.engine import Database
from hub.stats import GroupBy, Period, StatsRequest, report, store
from tests.hub.stats.test_rollups import NOW, feed, town
from tests.support.cli import ahub, point_at

WHOLE_MONTH = StatsRequest(
    Period.MONTH, date(2026, 11, 1), date(2026, 11, 30), GroupBy.CATEGORY, ("330199",), NOW
)


async def test_rebuild_restores_the_figures(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    await feed(database, town())
    async with database.engine.begin() as connection:
        before = await report(connection, WHOLE_MONTH)
        await connection.execute(delete(store.STATS.table))
        assert (await report(connection, WHOLE_MONTH)).rows == []
    point_at(monkeypatch, database.url)
    code, out, err = await ahub("stats", "rebuild")
    assert code == 0, err
    assert "rebuilt the statistics of 4 events" in out
    async with database.engine.connect() as connection:
        assert await report(connection, WHOLE_MONTH) == before
