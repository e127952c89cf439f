"""What authorisation and masking cost on one query: the same app with the checks on
and off, in one run, in-process (ASGI, so HTTP parsing is included but no network).

Four rows, each ``--requests`` POSTs from ``--concurrency`` clients after a warm-up:

    off             the schema built without security (no gate, no plan, no guards)
    on, unmasked    command centre with a purpose: scopes checked, names audited
    on, masked      wall display: scopes checked, every personal field masked

    python -m bench.security_overhead [--query FILE] [--variables JSON]
                                      [--requests N] [--concurrency C]

The default query is the four-department query: a community's grids with police
incidents, city cases, petitions and health follow-ups, from the department simulators
over loopback HTTP (started here, as ``hub demo`` does), plus the registry's people.
``--query FILE`` measures another.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.routing import Route

from bench import latency
from bench.town import make_keys, prepared
from connectors.sdk.simulation import generate_town
from hub.app import create_app
from hub.config import Settings
from hub.demo.departments import departments, lay_crosswalk, pointed_at
from hub.http.graphql import GraphQLEndpoint
from hub.security.keys import KeyRequest
from schema import build_schema

DEFAULT_QUERY = """query FourDepartments($community: String!, $since: DateTime!) {
  grids(within: $community, first: 20) { edges { node { code name ... on Grid {
    leader { name phone } partyBranch { name secretary { name phone } }
    incidents(where: {since: $since}, first: 5) { totalCount
      edges { node { summary status callerName callerPhone } } }
    cityCases(where: {since: $since}, first: 5) { totalCount
      edges { node { status reporterName } } }
    petitions(where: {since: $since}, first: 5) { totalCount
      edges { node { title status citizenName citizenPhone } } }
    healthFollowUps(where: {since: $since}, first: 5) { totalCount
      edges { node { status residentName condition } } } } } } } }"""
DEFAULT_VARIABLES = {
    "community": "330199001001",
    "since": (datetime.now(UTC) - timedelta(days=7)).replace(microsecond=0).isoformat(),
}


async def bench_keys(app: Starlette) -> dict[str, str]:
    return await make_keys(
        app,
        {
            "on, unmasked": KeyRequest("bench command", ("command",)),
            "on, masked": KeyRequest("bench dashboard", ("dashboard",)),
        },
    )


def unsecured(app: Starlette) -> Starlette:
    """The same app and services, with the schema built without security and no gate."""
    services = app.state.services
    schema = build_schema(services.settings.graphql, services.metrics, secure=False)
    return Starlette(
        routes=[Route("/graphql", GraphQLEndpoint(schema, services), methods=["POST"])]
    )


@dataclass(frozen=True)
class Load:
    body: dict[str, Any]
    requests: int
    concurrency: int


async def timed(app: Starlette, load: Load, headers: dict[str, str]) -> tuple[list[float], float]:
    """Latencies of ``load.requests`` POSTs from ``load.concurrency`` clients, and wall time."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
        for _ in range(20):  # warm the caches: parser, validation, plans, principals
            first = await http.post("/graphql", json=load.body, headers=headers)
        if "errors" in first.json():
            raise SystemExit(f"the query failed: {first.json()['errors']}")
        latencies: list[float] = []

        async def client(count: int) -> None:
            for _ in range(count):
                started = time.perf_counter()
                await http.post("/graphql", json=load.body, headers=headers)
                latencies.append(time.perf_counter() - started)

        started = time.perf_counter()
        share = load.requests // load.concurrency
        await asyncio.gather(*(client(share) for _ in range(load.concurrency)))
        return latencies, time.perf_counter() - started


async def main(load: Load) -> None:
    town = generate_town()
    with tempfile.TemporaryDirectory() as folder:
        settings = await prepared(Path(folder))
        async with departments(town) as urls:
            await measure(pointed_at(settings, urls), town, load)


async def measure(settings: Settings, town: dict[str, Any], load: Load) -> None:
    app = create_app(settings)
    services = app.state.services
    async with app.router.lifespan_context(app):
        await lay_crosswalk(services.crosswalk, town)
        await services.connectors.attach(services.crosswalk, services.registry)
        keys = await bench_keys(app)
        rows = {"off": await timed(unsecured(app), load, {})}
        for label, key in keys.items():
            headers = {"Authorization": f"Bearer {key}", "X-Purpose": "bench"}
            rows[label] = await timed(app, load, headers)
    print(f"{load.requests} requests from {load.concurrency} concurrent client(s)")
    latency.report(rows)


if __name__ == "__main__":
    parser = latency.arguments(
        __doc__, default_query="registry people", requests=500, concurrency=1
    )
    given = parser.parse_args()
    body = latency.request_body(given, DEFAULT_QUERY, DEFAULT_VARIABLES)
    asyncio.run(main(Load(body, given.requests, given.concurrency)))
