"""How long point lookup takes: 10,000 random points over the demo town.

Three figures: the spatial index one point at a time, the index in one vectorised
batch, and ``gridAt`` end to end through the GraphQL app (in-process ASGI, so HTTP
parsing is included but no network).

    python -m bench.grid_lookup [--points 10000]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from bench.town import make_keys, prepared
from connectors.sdk.simulation import generate_town
from hub.app import create_app
from hub.config import Settings
from hub.db.engine import Database
from hub.registry.service import Registry
from hub.security.keys import KeyRequest

QUERY = """query($lat: Float!, $lon: Float!) {
  gridAt(lat: $lat, lon: $lon) { grid { code } microGrid { code } } }"""


def random_points(
    count: int, bounds: tuple[float, float, float, float]
) -> list[tuple[float, float]]:
    rng = random.Random(1)
    min_lon, min_lat, max_lon, max_lat = bounds
    return [(rng.uniform(min_lat, max_lat), rng.uniform(min_lon, max_lon)) for _ in range(count)]


async def main(count: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        settings = await prepared(Path(folder))
        database = Database(settings.database_url)
        registry = Registry(database)
        await registry.refresh()
        points = random_points(count, _town_bounds())
        _index_figures(registry, points)
        await database.aclose()
        await _graphql_figures(settings, points)


def _town_bounds() -> tuple[float, float, float, float]:
    from shapely.geometry import shape  # noqa: PLC0415

    street = next(f for f in generate_town()["features"] if f["properties"]["level"] == "STREET")
    return shape(street["geometry"]).bounds  # type: ignore[no-any-return]


def _index_figures(registry: Registry, points: list[tuple[float, float]]) -> None:
    started = time.perf_counter()
    found = sum(registry.locate(lat, lon) is not None for lat, lon in points)
    single = time.perf_counter() - started
    lats, lons = [p[0] for p in points], [p[1] for p in points]
    started = time.perf_counter()
    registry.index.locate_many(lats, lons)
    batch = time.perf_counter() - started
    print(f"points: {len(points)} ({found} inside a grid)")
    for label, seconds in (("one at a time", single), ("one batch    ", batch)):
        per_point = seconds / len(points) * 1e6
        print(f"index, {label}: {seconds * 1000:.1f} ms total, {per_point:.1f} µs per point")


async def _graphql_figures(settings: Settings, points: list[tuple[float, float]]) -> None:
    app = create_app(settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as http,
    ):
        keys = await make_keys(app, {"bench": KeyRequest("bench", ("command",))})
        headers = {"Authorization": f"Bearer {keys['bench']}"}
        latencies = []
        started = time.perf_counter()
        for lat, lon in points:
            begin = time.perf_counter()
            response = await http.post(
                "/graphql",
                json={"query": QUERY, "variables": {"lat": lat, "lon": lon}},
                headers=headers,
            )
            latencies.append(time.perf_counter() - begin)
            assert "errors" not in response.json()
        total = time.perf_counter() - started
    latencies.sort()
    p50 = statistics.median(latencies) * 1000
    p99 = latencies[int(len(latencies) * 0.99)] * 1000
    rate = len(points) / total
    print(
        f"gridAt via GraphQL:   {total:.2f} s total, {rate:.0f} queries/s, "
        f"p50 {p50:.2f} ms, p99 {p99:.2f} ms"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--points", type=int, default=10_000)
    asyncio.run(main(parser.parse_args().points))
