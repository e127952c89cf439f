"""The hub beside a peer: GraphQL Mesh composed over the same four departments' OpenAPI
contracts, served by Hive Gateway (scripts/peer), both in front of the same simulators.

Processes on this machine: each department simulator in its own (bench.upstreams, the
demo's systems with the per-client rate limit lifted), ``hub serve`` over a fresh SQLite
demo town pointed at them (response cache off, no feeds polling them), the peer pointed
at them with the same demo credentials, and this client, which asks with a lean HTTP/1.1
client (``bench.load_client``; asking with httpx took as much CPU a request as a side
answering it, and the two cores ran out in the client). Two queries, each asked of both:

- one department: a grid's newest police incidents (one upstream call);
- a community dashboard: the newest records of four departments (four upstream calls).

With one worker each, one grid's incidents are also asked over one connection, of the
police system itself and of each side in turns: what each side adds to a call.

Before timing, each query is sent once to each side and the calls the simulators
answered are counted and printed: both sides must make the same ones. Rows take turns in
``--rounds`` slices, so a busy moment on the machine falls on both. Then the same with
every core: ``hub serve --workers N`` (when the hub has it) and the gateway's ``--fork N``.

    python -m bench.peer [--requests N] [--concurrency C] [--rounds R]

Needs the peer installed: scripts/peer install.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from bench import latency, upstreams
from bench.gateway import (
    GRID,
    ROOT,
    Load,
    client,
    free_port,
    hub_env,
    interleaved,
    made_key,
    timed,
)
from bench.gateway import started as started_process
from bench.peer_sources import ADAPTED, sources_file
from bench.town import prepared
from connectors.sdk.simulation import generate_town
from hub.config import Settings
from hub.demo.departments import lay_crosswalk
from hub.demo.simulators import demo_credentials
from hub.security.keys import KeyRequest
from hub.services import Services

DEPARTMENTS = ["police", "citymgmt", "petition", "health"]
COMMUNITY = GRID[:12]
# Records since a recent moment, one page of PAGE from each department on both sides: the
# window is short enough for one page to hold all of a community's, so the hub, which
# places each record in its grid, needs no second page either.
PAGE = 100
WINDOW = timedelta(days=3)
RECORD = "edges { node { id status } }"
HUB_GRID = f"""query($code: String!, $since: DateTime!) {{ grid(code: $code) {{
  incidents(where: {{since: $since}}, first: {PAGE}) {{ {RECORD} }} }} }}"""
HUB_DASHBOARD = f"""query($code: String!, $since: DateTime!) {{ region(code: $code) {{
  ... on Community {{ grids {{ code
    incidents(where: {{since: $since}}, first: {PAGE}) {{ {RECORD} }}
    cityCases(where: {{since: $since}}, first: {PAGE}) {{ {RECORD} }}
    petitions(where: {{since: $since}}, first: {PAGE}) {{ {RECORD} }}
    healthFollowUps(where: {{since: $since}}, first: {PAGE}) {{ {RECORD} }} }} }} }} }}"""
POLICE = f"""police_listIncidents(grid: $police, from: $since, size: {PAGE}) {{
    ... on police_listIncidents_200_response {{ data {{ records {{ id status }} }} }} }}"""
PEER_GRID = f"query($police: [police_PoliceGridCode], $since: DateTime) {{ {POLICE} }}"
PEER_DASHBOARD = f"""query($police: [police_PoliceGridCode], $city: [citymgmt_UnitGridCode],
    $community: [NonEmptyString], $health: [health_ServiceAreaCode], $since: DateTime,
    $cityAfter: String, $healthAfter: [health_DateSearch]) {{
  {POLICE}
  citymgmt_listCases(grid_code: $city, created_after: $cityAfter, limit: {PAGE}) {{
    ... on citymgmt_listCases_200_response {{ results {{ id status }} }} }}
  petition_listWorkOrders(community: $community, startTime: $since, limit: {PAGE}) {{
    ... on petition_listWorkOrders_200_response {{ data {{ id status }} }} }}
  health_searchTasks(service_area: $health, authored_on: $healthAfter, _count: {PAGE}) {{
    ... on health_searchTasks_200_response {{ entry {{ resource {{ id status }} }} }} }} }}"""
CROSSWALK = """query($code: String!) { region(code: $code) { name ... on Community {
  grids { code police: crosswalk(department: "police") { code }
    citymgmt: crosswalk(department: "citymgmt") { code }
    health: crosswalk(department: "health") { code } } } } }"""
# Only what the page of reads needs: no feeds polling the simulators, no dispatch, no timers.
BUS_ROLES = '["relay", "router", "ledger", "live"]'


QUERIES = ("one grid", "dashboard")
DIFFERENCES = [
    "the hub is asked in unified codes (a grid, a community); the peer has no crosswalk, "
    "so it is asked in each department's own codes, read from the hub's crosswalk first",
    "the hub places each record in its unified grid and keeps those inside; the peer "
    "answers what the department's areas hold (those can reach past the grid/community)",
    "the hub authenticates the caller's key, authorises and audits; the peer does neither",
    "police API key and hotline HTTP Basic: Mesh operation headers; the city's OAuth2 "
    "client credentials and health's HMAC signatures: the gateway's upstream plugin "
    "(scripts/peer.d/gateway.config.mjs), as Mesh's config cannot express them",
]


@dataclass(frozen=True)
class Side:
    """One side's URL and its request body for each of ``QUERIES``."""

    url: str
    bodies: dict[str, dict[str, Any]]


def connectors_env(urls: Mapping[str, str]) -> dict[str, str]:
    """The hub's connectors aimed at the simulators with the demo credentials, no cache."""
    credentials = demo_credentials()
    env = {}
    for name, url in urls.items():
        prefix = f"HUB_CONNECTORS__{name.upper()}__"
        env[f"{prefix}BASE_URL"] = url
        for field, value in credentials[name].items():
            env[f"{prefix}CREDENTIALS__{field.upper()}"] = value
        env[f"{prefix}CACHE_TTL_SECONDS"] = "0"
        env[f"{prefix}PAGE_SIZE"] = str(PAGE)
    return env


def hub_workers_flag() -> bool:
    """Whether this hub's ``serve`` takes ``--workers``."""
    shown = subprocess.run(
        [sys.executable, "-m", "hub", "serve", "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    return "--workers" in shown.stdout


@contextmanager
def hub(settings: Settings, urls: Mapping[str, str], workers: int) -> Iterator[str]:
    port = free_port()
    command = [sys.executable, "-m", "hub", "serve", "--port", str(port)]
    command += ["--workers", str(workers)] if workers > 1 else []
    env = hub_env(settings.database_url) | connectors_env(urls) | {"HUB_BUS__ROLES": BUS_ROLES}
    with started_process(command, env, f"http://127.0.0.1:{port}/readyz"):
        yield f"http://127.0.0.1:{port}/graphql"


@contextmanager
def peer(sources: Path, workers: int) -> Iterator[str]:
    port = free_port()
    command = [str(ROOT / "scripts" / "peer"), "serve", str(sources), "--port", str(port)]
    command += ["--workers", str(workers)]
    env = {**os.environ, "GATEWAY_LOG_LEVEL": "error"}
    with started_process(command, env, f"http://127.0.0.1:{port}/readiness"):
        yield f"http://127.0.0.1:{port}/graphql"


async def laid_town(folder: Path) -> Settings:
    """The demo town and the simulators' grid schemes over it, in a fresh database."""
    settings = await prepared(folder)
    services = Services.create(settings)
    try:
        await lay_crosswalk(services.crosswalk, generate_town())
    finally:
        await services.aclose()
    return settings


async def department_codes(http: httpx.AsyncClient, hub_url: str) -> dict[str, list[str]]:
    """The grid's police grids and the community's codes in each department's own terms,
    as the hub's crosswalk gives them: the peer has no crosswalk, so its caller must."""
    body = {"query": CROSSWALK, "variables": {"code": COMMUNITY}}
    region = (await http.post(hub_url, json=body)).json()["data"]["region"]
    codes: dict[str, list[str]] = {"community": [region["name"]]}
    for grid in region["grids"]:
        for name in ("police", "citymgmt", "health"):
            codes.setdefault(name, [])
            codes[name] += [c["code"] for c in grid[name] if c["code"] not in codes[name]]
        if grid["code"] == GRID:
            codes["grid police"] = [c["code"] for c in grid["police"]]
    return codes


def bodies(hub_url: str, peer_url: str, codes: dict[str, list[str]]) -> dict[str, Side]:
    """Each side's two requests, over the same window: the peer's in each department's
    own parameters, as the hub's connectors write them."""
    since = (datetime.now(UTC) - WINDOW).replace(microsecond=0).isoformat()
    grid = {"police": codes["grid police"], "since": since}
    dashboard = {
        "police": codes["police"],
        "city": codes["citymgmt"],
        "community": codes["community"],
        "health": codes["health"],
        "since": since,
        "cityAfter": since,
        "healthAfter": [f"ge{since}"],
    }
    hub_bodies = [
        {"query": HUB_GRID, "variables": {"code": GRID, "since": since}},
        {"query": HUB_DASHBOARD, "variables": {"code": COMMUNITY, "since": since}},
    ]
    peer_bodies = [
        {"query": PEER_GRID, "variables": grid},
        {"query": PEER_DASHBOARD, "variables": dashboard},
    ]
    return {
        "hub": Side(hub_url, dict(zip(QUERIES, hub_bodies, strict=True))),
        "peer": Side(peer_url, dict(zip(QUERIES, peer_bodies, strict=True))),
    }


async def counted(
    http: httpx.AsyncClient, url: str, body: dict[str, Any], systems: Mapping[str, str]
) -> tuple[set[str], dict[str, int]]:
    """The records one request's answer holds and the calls it costs, by simulator and
    route, after a first unmeasured one (the city's token is fetched once, on either
    side); the answer must hold no errors."""
    for _ in range(2):
        upstreams.reset(systems)
        answer = (await http.post(url, json=body)).json()
        if answer.get("errors") or not answer.get("data"):
            raise SystemExit(f"{url} answered with errors: {json.dumps(answer)[:2000]}")
    return record_ids(answer["data"]), {
        f"{name} {route}": count
        for name, routes in upstreams.calls(systems).items()
        for route, count in routes.items()
    }


def record_ids(node: Any) -> set[str]:
    """The ids of the records an answer holds, at any depth."""
    if isinstance(node, list):
        return set().union(*(record_ids(item) for item in node)) if node else set()
    if isinstance(node, dict):
        own = {str(node["id"])} if "id" in node else set()
        return own.union(*(record_ids(value) for value in node.values()))
    return set()


def same_calls(query: str, calls: dict[str, tuple[set[str], dict[str, int]]]) -> None:
    """Print each side's upstream calls and records; say so loudly when the calls differ
    or the hub holds a record the peer does not (the peer's may reach past the area)."""
    for side, (records, routes) in calls.items():
        shown = ", ".join(f"{route} ×{n}" for route, n in sorted(routes.items())) or "none"
        print(
            f"  {query}: {side} made {sum(routes.values())} upstream call(s): {shown}; "
            f"{len(records)} records in its answer"
        )
    missing = calls["hub"][0] - calls["peer"][0]
    if missing:
        print(f"  WARNING: {query}: {len(missing)} of the hub's records are not in the peer's")
    else:
        print(f"  {query}: every record in the hub's answer is in the peer's")
    if len({json.dumps(routes, sort_keys=True) for _, routes in calls.values()}) > 1:
        print(f"  WARNING: {query}: the two sides did not make the same upstream calls")


Failures = dict[str, dict[str, list[str]]]  # query: side: first error of each failed answer


async def compare(
    http: httpx.AsyncClient, sides: dict[str, Side], systems: Mapping[str, str], load: Load
) -> tuple[dict[str, latency.Rows], Failures]:
    """For each query: the calls each side makes, then both sides timed in turns."""
    rows: dict[str, latency.Rows] = {}
    failures: Failures = {}
    for query in QUERIES:
        calls = {
            label: await counted(http, side.url, side.bodies[query], systems)
            for label, side in sides.items()
        }
        same_calls(query, calls)
        targets = {
            label: (side.url, replace(load, body=side.bodies[query]))
            for label, side in sides.items()
        }
        for url, own in targets.values():
            await _warm(http, url, own)
        failures[query] = {}
        rows[query] = await interleaved(http, targets, load, failures[query])
    return rows, failures


async def one_connection(
    http: httpx.AsyncClient, sides: dict[str, Side], systems: Mapping[str, str], load: Load
) -> None:
    """One grid's incidents over one connection: the police system asked directly with
    what the connectors send it, then through each side, taking turns; what each side
    adds over the system itself is the difference of the medians (and of the p99s)."""
    variables = sides["hub"].bodies["one grid"]["variables"]
    grids = sides["peer"].bodies["one grid"]["variables"]["police"]
    params = {"grid": ",".join(grids), "from": variables["since"], "size": str(PAGE)}
    key = {"X-API-Key": demo_credentials()["police"]["api_key"]}  # as the hub's connector has
    direct = Load({}, load.requests, 1, load.rounds, params, key)
    targets = {"police": (f"{systems['police']}/api/v1/incidents", direct)}
    for label, side in sides.items():
        targets[label] = (side.url, replace(load, body=side.bodies["one grid"], concurrency=1))
    for url, own in targets.values():
        await _warm(http, url, own)
    failures: dict[str, list[str]] = {}
    rows = await interleaved(http, targets, replace(load, concurrency=1), failures)
    print("\none grid's incidents over one connection: the police system itself, then each side")
    print(f"{'side':9} {'p50 ms':>8} {'p99 ms':>8} {'adds p50':>9} {'adds p99':>9}")
    floor = _percentiles(rows["police"][0])
    for label, (latencies, _) in rows.items():
        p50, p99 = _percentiles(latencies)
        added = "" if label == "police" else f"{p50 - floor[0]:9.2f} {p99 - floor[1]:9.2f}"
        print(f"{label:9} {p50:8.2f} {p99:8.2f} {added}")
    failed_answers({"one grid, one connection": failures})


def _percentiles(latencies: list[float]) -> tuple[float, float]:
    """p50 and p99 in milliseconds."""
    return statistics.median(latencies) * 1000, statistics.quantiles(latencies, n=100)[98] * 1000


async def _warm(http: httpx.AsyncClient, url: str, load: Load) -> None:
    await timed(http, url, load, min(100, load.requests // 4 or 1))


def table(title: str, rows: dict[str, latency.Rows], failures: Failures) -> None:
    print(f"\n{title}")
    print(f"{'query':10} {'side':9} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'failed':>7}")
    for query, sides in rows.items():
        figures = {}
        for side, (latencies, wall) in sides.items():
            p50, p99 = _percentiles(latencies)
            figures[side] = (len(latencies) / wall, p50, p99)
            failed = len(failures[query].get(side, []))
            print(f"{query:10} {side:9} {figures[side][0]:8.0f} {p50:8.2f} {p99:8.2f} {failed:7}")
        ratios = [h / p for h, p in zip(figures["hub"], figures["peer"], strict=True)]
        print(f"{query:10} {'hub÷peer':9} {ratios[0]:8.2f} {ratios[1]:8.2f} {ratios[2]:8.2f}")
    failed_answers(failures)


def failed_answers(failures: Failures) -> None:
    for query, by_side in failures.items():
        for side, messages in by_side.items():
            for message, n in Counter(messages).most_common(3):
                print(f"  {query}, {side}: {n} answer(s) with errors, e.g. {message!r}")


def configuration(workers: int) -> str:
    return "one worker each" if workers == 1 else f"all {workers} cores each"


async def run_configuration(
    settings: Settings, key: str, systems: Mapping[str, str], sources: Path, workers: int,
    load: Load,
) -> None:  # fmt: skip
    """Both sides started with ``workers`` each, compared, and the table printed."""
    with hub(settings, systems, workers) as hub_url, peer(sources, workers) as peer_url:
        async with client(key, load.concurrency) as http:
            codes = await department_codes(http, hub_url)
            sizes = ", ".join(f"{len(v)} {k}" for k, v in codes.items())
            print(f"  the peer's variables, in the departments' own codes: {sizes}")
            sides = bodies(hub_url, peer_url, codes)
            table(configuration(workers), *await compare(http, sides, systems, load))
            if workers == 1:
                await one_connection(http, sides, systems, load)


async def main(load: Load) -> None:
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        settings = await laid_town(folder)
        request = KeyRequest("bench command centre", ("command",))
        key = await made_key(settings.database_url, request)
        with upstreams.running(DEPARTMENTS) as systems:
            sources = sources_file(folder, systems)
            print("What differs between the two sides:")
            for difference in DIFFERENCES + ADAPTED:
                print(f"  - {difference}")
            print(f"{cores} cores, load average {os.getloadavg()[0]:.1f} before the run (shared)")
            print(
                f"{load.requests} requests per row from {load.concurrency} concurrent clients, "
                f"in {load.rounds} alternating rounds (hub, peer, hub, …)"
            )
            for workers in (1, cores):
                title = configuration(workers)
                if workers > 1 and not hub_workers_flag():
                    print(f"\n{title}: skipped, `hub serve` has no --workers option here")
                    continue
                hub_flag = f"--workers {workers}" if workers > 1 else "(one process)"
                print(f"\n{title}: hub serve {hub_flag}, scripts/peer serve --workers {workers}")
                await run_configuration(settings, key, systems, sources, workers, load)
                print(f"load average {os.getloadavg()[0]:.1f} after it")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=4)
    given = parser.parse_args()
    asyncio.run(main(Load({}, given.requests, given.concurrency, given.rounds)))
