"""Operations on one WebSocket are as independent as separate HTTP requests.

A connection lives for hours and carries many operations: none may read answers cached
by an earlier one, nor inherit the upstream time budget an earlier one started.
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import AsyncIterator
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection

from hub.app import create_app
from hub.config import Settings
from hub.demo.departments import pointed_at
from tests.hub.http.test_transports import ws_call, ws_receive
from tests.support.departments import Departments, wired_app
from tests.support.live import graphql_ws, live_server
from tests.support.principals import GRID_A, GRID_B, bearer

NAME = "query($code: String!) { region(code: $code) { name } }"
INCIDENTS = (
    "query($code: String!) { region(code: $code) { ... on Grid { incidents(first: 1) "
    "{ totalCount } } } }"
)


class Socket:
    """One graphql-transport-ws connection, asked one operation at a time."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.sent = 0

    async def ask(self, query: str, **variables: Any) -> dict[str, Any]:
        self.sent += 1
        op = str(self.sent)
        payload = {"query": query, "variables": variables}
        await ws_call(self.ws, {"id": op, "type": "subscribe", "payload": payload})
        message = await ws_receive(self.ws)
        assert message["type"] == "next", message
        assert await ws_receive(self.ws) == {"id": op, "type": "complete"}
        body: dict[str, Any] = message["payload"]
        return body


async def opened(address: str, key: str) -> AsyncIterator[Socket]:
    async with graphql_ws(address) as ws:
        await ws_call(ws, {"type": "connection_init", "payload": bearer(key, purpose="tests")})
        assert await ws_receive(ws) == {"type": "connection_ack"}
        yield Socket(ws)


async def test_a_later_operation_sees_what_changed_since_an_earlier_one(
    town_settings: Settings, town_document: dict[str, Any], keys: dict[str, str]
) -> None:
    app = create_app(town_settings)
    grid = next(f for f in town_document["features"] if f["properties"]["code"] == GRID_A)
    renamed = copy.deepcopy(grid)
    renamed["properties"]["name"] = "改名后的网格"
    async with live_server(app) as address:
        async for socket in opened(address, keys["public"]):
            before = await socket.ask(NAME, code=GRID_A)
            assert before == {"data": {"region": {"name": grid["properties"]["name"]}}}
            document = {"type": "FeatureCollection", "features": [renamed]}
            await app.state.services.registry.import_document(document, "rename")
            after = await socket.ask(NAME, code=GRID_A)
            assert after == {"data": {"region": {"name": "改名后的网格"}}}


@pytest.mark.integration
async def test_each_operation_has_its_own_upstream_time_budget(
    town_settings: Settings,
    systems: Departments,
    town_document: dict[str, Any],
    keys: dict[str, str],
) -> None:
    settings = pointed_at(town_settings, systems.urls)
    settings.connectors.query_budget_seconds = 1.0
    async with wired_app(settings, town_document) as app, live_server(app) as address:
        async for socket in opened(address, keys["command"]):
            first = await socket.ask(INCIDENTS, code=GRID_A)
            await asyncio.sleep(1.2)  # longer than one operation's whole budget
            second = await socket.ask(INCIDENTS, code=GRID_B)  # not answered from a cache
    assert "errors" not in first, first
    assert "errors" not in second, second
