"""What the hub adds on the way to a department system, and what parallel fan-out saves.

Runs ``hub demo`` as its own process (the hub and the four simulators, on loopback),
with the response cache off so every query reaches the systems, and prints:

1. the hub's added latency: one grid's incidents through the graph, against the same
   incidents asked of the police simulator directly (p50 and p99 of each, and the
   difference);
2. the four-department query over a community's grids while every simulator adds
   50 ms to each answer: near 50 ms means the departments were asked in parallel,
   near 200 ms that they were asked in turn.

    python -m bench.connectors [--requests 300]
"""

from __future__ import annotations

import argparse
import json
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx

from bench.gateway import clean_env
from connectors.police import simulator as police
from connectors.sdk.simulation import DEFAULT_ADMIN_TOKEN

DEPARTMENTS = ("police", "citymgmt", "petition", "health")
GRID = "330199001001001"
COMMUNITY = "330199001001"
POLICE_GRIDS_QUERY = '{ crosswalk: grid(code: "%s") { crosswalk(department: "police") { code } } }'
ONE_GRID = """query($since: DateTime!) { grid(code: "%s") {
  incidents(where: {since: $since}, first: 100) { totalCount edges { node { id status } } } } }"""
COMMUNITY_QUERY = """query($since: DateTime!) { region(code: "%s") { ... on Community {
  grids { code
    incidents(where: {since: $since}) { totalCount edges { node { id } } }
    cityCases(where: {since: $since}) { totalCount edges { node { id } } }
    petitions(where: {since: $since}) { totalCount edges { node { id } } }
    healthFollowUps(where: {since: $since}) { totalCount edges { node { id } } } } } } }"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def demo() -> Iterator[tuple[str, Banner]]:
    """``hub demo`` in a fresh directory; yields the hub's URL and what its banner says."""
    port = free_port()
    env = clean_env()
    env |= {f"HUB_CONNECTORS__{d.upper()}__CACHE_TTL_SECONDS": "0" for d in DEPARTMENTS}
    # No generated reports, and no rate limit: the bench is one principal asking fast.
    env |= {
        "HUB_LOG_LEVEL": "WARNING",
        "HUB_SECURITY__RATE_LIMIT__PER_SECOND": "1e9",
        "HUB_SECURITY__RATE_LIMIT__BURST": "1000000000",
    }
    with tempfile.TemporaryDirectory() as folder:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "hub",
                "demo",
                "--port",
                str(port),
                "--reports-per-minute",
                "0",
                "--simulator-port-base",
                "0",
            ],
            cwd=folder,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            yield f"http://127.0.0.1:{port}", _simulators(process)
        finally:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=30)
            if process.stdout:
                process.stdout.close()


@dataclass
class Banner:
    systems: dict[str, str]  # the simulators' URLs
    headers: dict[str, str]  # the demo key and a purpose, for every request to the hub


def _simulators(process: subprocess.Popen[str]) -> Banner:
    """The simulator URLs and the request headers from the demo's banner."""
    banner = Banner({}, {})
    assert process.stdout is not None
    for line in process.stdout:
        match = re.match(r"^  (\w+)\s+(http://127\.0\.0\.1:\d+)$", line.rstrip())
        if match and match.group(1) in DEPARTMENTS:
            banner.systems[match.group(1)] = match.group(2)
        if '"Authorization"' in line:
            banner.headers = json.loads(line)
        if line.startswith("Ctrl-C stops the hub."):
            return banner
    raise RuntimeError("hub demo stopped before it printed its banner")


def wait_until_ready(hub: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{hub}/readyz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    raise RuntimeError("the hub did not become ready")


def timed(call: Callable[[], None], count: int) -> list[float]:
    for _ in range(min(20, count)):
        call()  # warm up: connections, tokens, caches of parsed documents
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def percentiles(samples: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return statistics.median(samples), cuts[98]


def graphql(http: httpx.Client, query: str, **variables: str) -> Callable[[], None]:
    def call() -> None:
        body = http.post("/graphql", json={"query": query, "variables": variables}).json()
        if body.get("errors"):
            raise RuntimeError(body["errors"])

    return call


def added_latency(hub: str, banner: Banner, count: int, since: str) -> None:
    systems = banner.systems
    with httpx.Client(base_url=hub, timeout=10, headers=banner.headers) as http:
        crosswalk = http.post("/graphql", json={"query": POLICE_GRIDS_QUERY % GRID}).json()
        codes = ",".join(e["code"] for e in crosswalk["data"]["crosswalk"]["crosswalk"])
        through_hub = timed(graphql(http, ONE_GRID % GRID, since=since), count)
    params = {"grid": codes, "from": since, "size": "100", "page": "1"}
    headers = {"X-API-Key": police.DEMO_API_KEY}
    with httpx.Client(base_url=systems["police"], headers=headers, timeout=10) as direct:

        def ask_police() -> None:
            direct.get("/api/v1/incidents", params=params).raise_for_status()

        straight = timed(ask_police, count)
    (hub50, hub99), (up50, up99) = percentiles(through_hub), percentiles(straight)
    print(f"one grid's incidents, {count} requests each (police grids {codes}):")
    print(f"  police simulator directly   p50 {up50:6.1f} ms   p99 {up99:6.1f} ms")
    print(f"  through the hub's graph     p50 {hub50:6.1f} ms   p99 {hub99:6.1f} ms")
    print(f"  the hub adds                p50 {hub50 - up50:6.1f} ms   p99 {hub99 - up99:6.1f} ms")


def fan_out(hub: str, banner: Banner, count: int, since: str) -> None:
    systems = banner.systems
    admin = {"X-Admin-Token": DEFAULT_ADMIN_TOKEN}
    for url in systems.values():
        httpx.post(
            f"{url}/_admin/faults", json={"latency_ms": 50}, headers=admin
        ).raise_for_status()
    try:
        with httpx.Client(base_url=hub, timeout=10, headers=banner.headers) as http:
            samples = timed(graphql(http, COMMUNITY_QUERY % COMMUNITY, since=since), count)
    finally:
        for url in systems.values():
            httpx.delete(f"{url}/_admin/faults", headers=admin).raise_for_status()
    p50, p99 = percentiles(samples)
    print(f"a community's grids from all four departments, each adding 50 ms, {count} requests:")
    print(f"  p50 {p50:6.1f} ms   p99 {p99:6.1f} ms   (in turn it would be over 200 ms)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    count = parser.parse_args().requests
    since = (datetime.now(UTC) - timedelta(days=3)).isoformat()
    with demo() as (hub, systems):
        wait_until_ready(hub)
        added_latency(hub, systems, count, since)
        fan_out(hub, systems, max(20, count // 3), since)


if __name__ == "__main__":
    main()
