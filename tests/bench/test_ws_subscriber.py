"""The fan-out benchmark's lean subscriber against a real WebSocket server (websockets'):
the upgrade, per-message deflate, a ping, the subprotocol's messages, and the close."""

from __future__ import annotations

import asyncio
import json

from websockets.asyncio.server import ServerConnection, serve
from websockets.typing import Subprotocol

from bench.ws_subscriber import Arrivals, Subscriber

QUERY = "subscription { gridEvents { step eventId } }"
PROTOCOLS = [Subprotocol("graphql-transport-ws")]


def step(name: str, event: str) -> str:
    data = {"gridEvents": {"step": name, "eventId": event}}
    return json.dumps({"id": "1", "type": "next", "payload": {"data": data}})


async def departments_stream(ws: ServerConnection) -> None:
    """A graphql-transport-ws server in miniature: acknowledge, then two events' steps."""
    init = json.loads(await ws.recv())
    assert init == {"type": "connection_init", "payload": {"Authorization": "Bearer k"}}
    await ws.send(json.dumps({"type": "connection_ack"}))
    subscribe = json.loads(await ws.recv())
    assert subscribe["payload"]["query"] == QUERY
    await ws.send(step("REPORTED", "e1"))
    await ws.send(step("ROUTED", "e1"))
    await asyncio.wait_for(await ws.ping(b"alive"), timeout=5)  # answered, or this fails
    await ws.send(step("REPORTED", "e2" * 400))  # long enough to be worth compressing
    await ws.close(1000)


async def test_it_times_reported_steps_and_answers_pings_through_deflate() -> None:
    async with serve(departments_stream, "127.0.0.1", 0, subprotocols=PROTOCOLS) as server:
        port = server.sockets[0].getsockname()[1]
        url = f"ws://127.0.0.1:{port}/graphql"
        seen = Arrivals()
        loop = asyncio.get_running_loop()
        _, subscriber = await loop.create_connection(
            lambda: Subscriber(url, {"Authorization": "Bearer k"}, QUERY, seen),
            "127.0.0.1",
            port,
        )
        await asyncio.wait_for(subscriber.opened, timeout=5)
        ended = await asyncio.wait_for(subscriber.ended, timeout=5)
    assert ended == "closed 1000"
    assert subscriber.inflater is not None  # the server compressed, and it read through
    assert seen.delivered == 2
    assert sorted(seen.by_event) == ["e1", "e2" * 400]


async def test_a_refused_upgrade_fails_the_opening() -> None:
    async def refuse(ws: ServerConnection) -> None:
        await ws.close(4403)

    async with serve(refuse, "127.0.0.1", 0, subprotocols=PROTOCOLS) as server:
        port = server.sockets[0].getsockname()[1]
        subscriber = Subscriber(f"ws://127.0.0.1:{port}/x", {}, QUERY, Arrivals())
        await asyncio.get_running_loop().create_connection(lambda: subscriber, "127.0.0.1", port)
        ended = await asyncio.wait_for(subscriber.ended, timeout=5)
    assert ended == "closed 4403"
    assert isinstance(subscriber.opened.exception(), ConnectionError)
