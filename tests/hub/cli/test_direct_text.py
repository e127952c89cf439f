"""``send_text_now``, which ``hub serve``'s WebSocket protocol offers the app's scope
(hub/cli/websocket.py): a message written at once while the connection is open and
its socket takes more, refused otherwise; on a real uvicorn, read by websockets' client."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from starlette.types import Receive, Scope, Send
from websockets.asyncio.client import connect

from hub.cli.websocket import websocket_protocol
from hub.http.direct import DIRECT_TEXT
from tests.support.events import eventually
from tests.support.live import live_server


async def test_a_message_is_written_at_once_unless_writes_are_paused_or_it_closed() -> None:
    given: asyncio.Future[tuple[Callable[[str], bool], Any]] = asyncio.Future()
    served_as: Any = websocket_protocol(1024)

    class Caught(served_as):  # type: ignore[misc]
        def handle_connect(self, event: Any) -> None:
            super().handle_connect(event)
            given.set_result((self.scope["extensions"][DIRECT_TEXT], self))

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()  # websocket.connect
        await send({"type": "websocket.accept"})
        while (await receive())["type"] != "websocket.disconnect":
            pass

    async with live_server(app, lifespan="off", ws=Caught) as address:
        async with connect(f"ws://{address}/") as client:
            send_text_now, protocol = await asyncio.wait_for(given, 5)
            assert send_text_now("first")
            protocol.pause_writing()  # the socket backed up: send() would wait
            assert not send_text_now("held")
            protocol.resume_writing()
            assert send_text_now("second")
            assert [await client.recv() for _ in range(2)] == ["first", "second"]
        await eventually(lambda: bool(protocol.close_sent or protocol.disconnected), within=5)
        assert not send_text_now("after")
