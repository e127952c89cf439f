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


async def test_show_prints_a_months_totals_and_a_row_per_department(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    await feed(database, town())
    point_at(monkeypatch, database.url)
    code, out, err = await ahub(
        "stats",
        "show",
        "--scope",
        "330199",
        "--month",
        "2026-11",
        "--as-of",
        NOW.strftime("%Y-%m-%dT%H:%M:%S%z"),
    )
    assert code == 0, err
    rows = {line[:40].strip(): line[40:].split() for line in out.splitlines()[3:]}
    # Hand count: E1 closed on time, E2 closed late, E3 merged, E4 open and overdue.
    assert rows["合计"] == ["4", "2", "1", "1", "0.33", "38.00", "1", "3.50"]
    assert rows["城市管理局（数字城管） citymgmt"] == [
        "2",
        "1",
        "1",
        "1",
        "0.00",
        "72.00",
        "1",
        "2.00",
    ]
    assert rows["(未分派)"][:4] == ["1", "0", "0", "0"]
    assert "as of 2026-12-15T02:00:00+00:00" in out


async def test_show_asks_for_exactly_one_period(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    point_at(monkeypatch, database.url)
    code, _, err = await ahub(
        "stats", "show", "--scope", "330199", "--day", "2026-11-02", "--month", "2026-11"
    )
    assert code == 2
    assert "exactly one of --day, --week, --month, --quarter" in err


async def test_census_counts_where_each_event_stands_by_department(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    await feed(database, town())
    point_at(monkeypatch, database.url)
    code, out, err = await ahub("stats", "census")
    assert code == 0, err
    header, *lines = out.splitlines()
    statuses = header.split()
    rows = {
        line[:40].strip(): dict(zip(statuses, line[40:].split(), strict=True)) for line in lines
    }
    assert rows["城市管理局（数字城管） citymgmt"]["CLOSED"] == "1"  # E2
    assert rows["城市管理局（数字城管） citymgmt"]["ROUTED"] == "1"  # E4
    assert rows["合计"]["MERGED"] == "1"  # E3
    assert sum(int(n) for n in rows["合计"].values()) == 4
