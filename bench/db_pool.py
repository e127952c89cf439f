"""What a pooled PostgreSQL connection costs per use: the hub's pool (a ping only for a
connection that lay idle) beside SQLAlchemy's ``pool_pre_ping`` (a ping before every
use), taking turns round by round in one run.

    python -m bench.db_pool [--postgres URL] [--uses 3000] [--rounds 3]

Each use is a transaction of one ``SELECT 1`` on a connection from the pool, one after
another as a bus task or a request makes them. It needs a PostgreSQL server: --postgres
or HUB_TEST_POSTGRES_URL, as ``scripts/postgres url`` prints it. Prints the median
microseconds a use took on each, and their ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from hub.db.engine import Database


async def _per_use(engine: AsyncEngine, uses: int) -> float:
    """Microseconds a use, over ``uses`` uses after one that opens the connection."""
    async with engine.begin() as connection:
        await connection.execute(text("SELECT 1"))
    started = time.perf_counter()
    for _ in range(uses):
        async with engine.begin() as connection:
            await connection.execute(text("SELECT 1"))
    return (time.perf_counter() - started) / uses * 1e6


async def measure(url: str, uses: int, rounds: int) -> tuple[list[float], list[float]]:
    hub_pool, every_use = [], []
    for _ in range(rounds):
        database = Database(url)
        try:
            hub_pool.append(await _per_use(database.engine, uses))
        finally:
            await database.aclose()
        pinged = create_async_engine(url, pool_pre_ping=True)
        try:
            every_use.append(await _per_use(pinged, uses))
        finally:
            await pinged.dispose()
    return hub_pool, every_use


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", default=os.environ.get("HUB_TEST_POSTGRES_URL"))
    parser.add_argument("--uses", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if not args.postgres:
        parser.error("no PostgreSQL: give --postgres URL (scripts/postgres url prints it)")
    hub_pool, every_use = asyncio.run(measure(args.postgres, args.uses, args.rounds))
    ours, theirs = statistics.median(hub_pool), statistics.median(every_use)
    print(f"a use of a pooled connection, median of {args.rounds} rounds of {args.uses}")
    print(f"  the hub's pool (ping when idle)   {ours:7.0f} µs")
    print(f"  pool_pre_ping (ping every use)    {theirs:7.0f} µs")
    print(f"  hub ÷ ping every use              {ours / theirs:7.2f}")


if __name__ == "__main__":
    main()
