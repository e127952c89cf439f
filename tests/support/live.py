"""A real uvicorn server on a free loopback port, inside the test's event loop."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Literal

import uvicorn
from starlette.types import ASGIApp
from websockets.asyncio.client import connect
from websockets.typing import Subprotocol

from hub.cli.websocket import websocket_protocol
from hub.config import Settings

MIN_BYTES_COMPRESSED = Settings.model_fields["websocket_compression_min_bytes"].default


@asynccontextmanager
async def live_server(
    app: ASGIApp,
    *,
    lifespan: Literal["on", "off"] = "on",
    ws: type[asyncio.Protocol] | None = None,
    http: Literal["auto", "httptools", "h11"] = "auto",
) -> AsyncIterator[str]:
    """Serves ``app``; yields ``host:port``. ``lifespan="off"`` for an app whose
    lifespan is already running. WebSockets speak ``ws``, by default the protocol
    ``hub serve`` gives uvicorn (``hub.cli.websocket``); HTTP, uvicorn's ``http``."""
    protocol = ws or websocket_protocol(MIN_BYTES_COMPRESSED)
    config = uvicorn.Config(
        app, host="127.0.0.1", port=0, log_config=None, lifespan=lifespan, ws=protocol, http=http
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()  # raises why the server could not start
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


def graphql_ws(address: str) -> connect:
    """A graphql-transport-ws client connection to the hub at ``address``."""
    return connect(f"ws://{address}/graphql", subprotocols=[Subprotocol("graphql-transport-ws")])
