"""Rollup cells change in place: the database adds the counters, a histogram adds its
bucket counts, a cell left empty goes, and two writers at once lose nothing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from hub.db import migrate
from hub.db.engine import Database
from hub.stats import Period, store
from hub.stats.measures import Measure
from hub.stats.rollup import Dimension, StatsKey, Tally
from tests.support.databases import fresh_postgres_database

CELL: StatsKey = (Period.WEEK, Dimension.ALL, date(2026, 11, 2), "330199001001001", "")


def closures(count: int, seconds: int, buckets: dict[int, int]) -> Tally:
    """``count`` closures (or, below zero, closures taken back) and their histogram."""
    values = [0] * len(Measure)
    values[Measure.REPORTED] = values[Measure.CLOSED] = count
    values[Measure.HANDLING_SECONDS] = seconds
    return Tally(len(Measure), values, buckets)


async def add(database: Database, tally: Tally) -> None:
    async with database.engine.begin() as connection:
        await store.add_cells(connection, store.STATS, {CELL: tally})


async def stored(database: Database) -> list[dict[str, Any]]:
    table = store.CELLS
    async with database.engine.connect() as connection:
        rows = await connection.execute(select(table.c.closed, table.c.buckets))
    return [dict(row._mapping) for row in rows]


async def test_counters_and_buckets_add_up_across_transactions(database: Database) -> None:
    await add(database, closures(1, 600, {7: 1}))
    await add(database, closures(1, 660, {7: 1}))
    assert await stored(database) == [{"closed": 2, "buckets": {"7": 2}}]
    await add(database, closures(0, 3_000, {7: -1, 12: 1}))  # one closure took longer
    assert await stored(database) == [{"closed": 2, "buckets": {"7": 1, "12": 1}}]


async def test_a_cell_everything_is_taken_from_goes(database: Database) -> None:
    await add(database, closures(2, 1_200, {7: 2}))
    await add(database, closures(-1, -600, {7: -1}))
    assert await stored(database) == [{"closed": 1, "buckets": {"7": 1}}]
    await add(database, closures(-1, -600, {7: -1}))
    assert await stored(database) == []


@pytest.fixture
async def postgres() -> AsyncIterator[Database]:
    async with fresh_postgres_database() as url:
        database = Database(url)
        await migrate.upgrade(database)
        yield database
        await database.aclose()


@pytest.mark.postgres
async def test_two_writers_adding_to_a_new_cell_at_once_lose_nothing(postgres: Database) -> None:
    """The second writer's insert meets the first's uncommitted row and waits for it;
    then it adds to that row rather than writing its own totals over it."""
    first_wrote = asyncio.Event()

    async def first() -> None:
        async with postgres.engine.begin() as connection:
            await store.add_cells(connection, store.STATS, {CELL: closures(1, 600, {7: 1})})
            first_wrote.set()
            await asyncio.sleep(0.3)  # the second writer is waiting on this row meanwhile

    async def second() -> None:
        await first_wrote.wait()
        await add(postgres, closures(1, 660, {7: 1}))

    await asyncio.gather(first(), second())
    assert await stored(postgres) == [{"closed": 2, "buckets": {"7": 2}}]
