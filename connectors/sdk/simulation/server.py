"""Running simulators as real HTTP servers on loopback, inside the caller's event loop."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

import uvicorn
from starlette.types import ASGIApp

LOOPBACK = "127.0.0.1"
SHUTDOWN_GRACE_SECONDS = 2  # requests still held by a hang fault are cut off after this


@asynccontextmanager
async def serve(
    apps: Mapping[str, ASGIApp], ports: Mapping[str, int] | None = None
) -> AsyncIterator[dict[str, str]]:
    """Serve each app on its own loopback port (``ports``, or any free one); yields the
    base URL of each by name, and stops them all on exit."""
    servers = {
        name: uvicorn.Server(
            uvicorn.Config(
                app,
                host=LOOPBACK,
                port=(ports or {}).get(name, 0),
                log_config=None,
                lifespan="on",
                timeout_graceful_shutdown=SHUTDOWN_GRACE_SECONDS,
            )
        )
        for name, app in apps.items()
    }
    tasks = [asyncio.create_task(server.serve()) for server in servers.values()]
    try:
        await _started(list(servers.values()), tasks)
        yield {name: f"http://{LOOPBACK}:{_port(server)}" for name, server in servers.items()}
    finally:
        for server in servers.values():
            server.should_exit = True
        await asyncio.gather(*tasks, return_exceptions=True)


async def _started(servers: list[uvicorn.Server], tasks: list[asyncio.Task[None]]) -> None:
    while not all(server.started for server in servers):
        for task in tasks:
            if task.done():
                task.result()  # raises why a server could not start
                raise RuntimeError("a simulator stopped before it started")
        await asyncio.sleep(0.01)


def _port(server: uvicorn.Server) -> int:
    return int(server.servers[0].sockets[0].getsockname()[1])
