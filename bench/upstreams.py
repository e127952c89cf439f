"""The demo's department simulators, each in a process of its own, for benchmarks that
put two callers in front of the same systems: neither caller's process serves them, and
each counts the calls it answers (``/_admin/stats``).

    python -m bench.upstreams NAME PORT     serve connector NAME's simulator until ended

``running`` starts them all from a benchmark; ``calls`` and ``reset`` read and clear the
counts by route.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager

import httpx
import uvicorn

from bench.gateway import free_port, started
from connectors.sdk.simulation import DEFAULT_ADMIN_TOKEN, SimulatorSettings, generate_town
from hub.demo.simulators import demo_apps, demo_systems

ADMIN = {"X-Admin-Token": DEFAULT_ADMIN_TOKEN}
# Longer than a round of the other side: a caller's pooled connection is not closed under
# it between rounds (uvicorn's default is 5 s), a race that fails the next request.
KEEP_ALIVE_SECONDS = 600
# The per-client rate limit lifted: the benchmark's callers ask as fast as they can.
SETTINGS = SimulatorSettings(per_second=1e9, burst=10**9)


@contextmanager
def running(names: list[str]) -> Iterator[dict[str, str]]:
    """Each named simulator in its own process on a free port; yields their base URLs."""
    urls = {name: f"http://127.0.0.1:{free_port()}" for name in names}
    with ExitStack() as stack:
        for name, url in urls.items():
            command = [sys.executable, "-m", "bench.upstreams", name, url.rsplit(":", 1)[1]]
            stack.enter_context(started(command, None, f"{url}/_admin/stats", ADMIN))
        yield urls


def calls(urls: Mapping[str, str]) -> dict[str, dict[str, int]]:
    """The calls each simulator answered since the last reset, by route."""
    return {
        name: httpx.get(f"{url}/_admin/stats", headers=ADMIN).json()["routes"]
        for name, url in urls.items()
    }


def reset(urls: Mapping[str, str]) -> None:
    for url in urls.values():
        httpx.post(f"{url}/_admin/stats/reset", headers=ADMIN).raise_for_status()


async def _serve(name: str, port: int) -> None:
    app = demo_apps(SETTINGS, generate_town(), {name: demo_systems()[name]})[name]
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_config=None, timeout_keep_alive=KEEP_ALIVE_SECONDS
    )
    await uvicorn.Server(config).serve()


if __name__ == "__main__":
    asyncio.run(_serve(sys.argv[1], int(sys.argv[2])))
